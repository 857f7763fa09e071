"""Reads of the catalogue shared by the API and the storefront."""

from decimal import Decimal

from django.db.models import (
    DecimalField,
    Exists,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from catalog.models import (
    Category,
    Farm,
    Product,
    ProductImage,
    ProductImageThumbnail,
    ProductVariant,
    Seller,
)
from shop.loading import related_many
from shop.permissions import Actor, is_operator


def visible_products(actor: Actor) -> QuerySet[Product]:
    """Published products of verified sellers, plus what the actor may manage."""
    public = Q(is_published=True, seller__is_verified=True)
    if is_operator(actor):
        return Product.objects.all()
    if actor.is_authenticated:
        return Product.objects.filter(public | Exists(_memberships(actor, OuterRef("seller_id"))))
    return Product.objects.filter(public)


def visible_sellers(actor: Actor) -> QuerySet[Seller]:
    """Verified sellers, plus those the actor is a member of (operators: all)."""
    if is_operator(actor):
        return Seller.objects.all()
    if actor.is_authenticated:
        return Seller.objects.filter(
            Q(is_verified=True) | Exists(_memberships(actor, OuterRef("pk")))
        )
    return Seller.objects.filter(is_verified=True)


def visible_farms(actor: Actor) -> QuerySet[Farm]:
    """Farms of the sellers the actor may see."""
    return Farm.objects.filter(seller__in=visible_sellers(actor))


def visible_variants(actor: Actor) -> QuerySet[ProductVariant]:
    return ProductVariant.objects.filter(product__in=visible_products(actor))


def visible_images(actor: Actor) -> QuerySet[ProductImage]:
    return ProductImage.objects.filter(product__in=visible_products(actor))


def visible_categories(actor: Actor) -> QuerySet[Category]:
    """The category tree is public."""
    return Category.objects.all()


def _memberships(actor: Actor, seller_ref: OuterRef) -> QuerySet:
    return Seller.members.through.objects.filter(seller_id=seller_ref, user_id=actor.pk)  # type: ignore[misc]


def best_thumbnail(image: ProductImage, size: int, fmt: str) -> ProductImageThumbnail | None:
    """The smallest thumbnail at least `size` wide in `fmt`, or None."""
    fitting = [t for t in thumbnails_of(image) if t.format == fmt and t.size >= size]
    return min(fitting, key=lambda t: t.size, default=None)


def category_with_descendants(category: Category) -> list[int]:
    """IDs of a category and all categories below it (one query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = [], [category.pk]
    while stack:
        pk = stack.pop()
        found.append(pk)
        stack.extend(children.get(pk, ()))
    return found


def division_prefix(code: str) -> str:
    """The prefix that selects everything inside an administrative division.

    A 12-digit code ends in zeros below its level: 360000000000 is a province
    (prefix 36), 360321000000 a county (prefix 360321). Anything but 2 to 12
    ASCII digits raises ValueError.
    """
    if not (code.isascii() and code.isdigit() and 2 <= len(code) <= 12):
        raise ValueError(f"not a division code: {code!r}")
    for length in (2, 4, 6, 9):
        if code[length:].strip("0") == "":
            return code[:length]
    return code


def with_min_price(queryset: QuerySet[Product]) -> QuerySet[Product]:
    cheapest = (
        ProductVariant.objects.filter(product=OuterRef("pk"))
        .order_by()
        .values("product")
        .annotate(value=Min("price"))
        .values("value")
    )
    return queryset.annotate(
        min_price=Coalesce(
            Subquery(cheapest, output_field=DecimalField(max_digits=10, decimal_places=2)),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=10, decimal_places=2),
        )
    )


def filter_products(
    queryset: QuerySet[Product],
    *,
    search: str | None = None,
    categories: list[int] | None = None,
    seller: Seller | None = None,
    region: str | None = None,
    price_gte: Decimal | None = None,
    price_lte: Decimal | None = None,
    cold_chain: bool | None = None,
) -> QuerySet[Product]:
    from catalog.search import search_backend

    if search:
        queryset = search_backend().filter_products(queryset, search)
    if categories is not None:
        queryset = queryset.filter(category_id__in=categories)
    if seller is not None:
        queryset = queryset.filter(seller=seller)
    if region:
        queryset = queryset.filter(seller__division_code__startswith=division_prefix(region))
    if price_gte is not None or price_lte is not None:
        priced = ProductVariant.objects.filter(product=OuterRef("pk"))
        if price_gte is not None:
            priced = priced.filter(price__gte=price_gte)
        if price_lte is not None:
            priced = priced.filter(price__lte=price_lte)
        queryset = queryset.filter(Exists(priced))
    if cold_chain is not None:
        cold = Exists(ProductVariant.objects.filter(product=OuterRef("pk"), cold_chain=True))
        queryset = queryset.filter(cold if cold_chain else ~cold)
    return queryset


def variants_of(product: Product) -> list[ProductVariant]:
    """The product's variants in order, loaded for its whole page at once."""
    return related_many(product, "variants")


def images_of(product: Product) -> list[ProductImage]:
    """The product's pictures in order, loaded for its whole page at once."""
    return related_many(product, "images")


def thumbnails_of(image: ProductImage) -> list[ProductImageThumbnail]:
    return related_many(image, "thumbnails")

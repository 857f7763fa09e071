"""Reads of the catalogue shared by the API and the storefront."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
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
from shop.core.loading import related_many
from shop.core.roles import Actor, is_operator


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


# How many digits of a division code each level keeps: province, city, county,
# township, village.
DIVISION_LEVELS = (2, 4, 6, 9, 12)


def divisions_of(seller: Seller) -> list[tuple[str, str]]:
    """(12-digit code, name) of each division the seller is in, the province first."""
    names = (seller.province, seller.city, seller.county, seller.township, seller.village)
    code = seller.division_code
    return [
        (code[:digits].ljust(12, "0"), name)
        for digits, name in zip(DIVISION_LEVELS, names, strict=True)
        if name
    ]


def sellers_in_division(actor: Actor, code: str) -> QuerySet[Seller]:
    """Visible sellers inside the division `code` (or prefix); ValueError for a bad code."""
    return visible_sellers(actor).filter(division_code__startswith=division_prefix(code))


def seller_villages(actor: Actor) -> QuerySet:
    """The villages of the visible sellers, the most sellers first: dicts with the
    village's division_code, its province, county, township and village names,
    and `sellers`, how many are there."""
    return (
        visible_sellers(actor)
        .exclude(village="")
        .values("division_code", "province", "county", "township", "village")
        .annotate(sellers=Count("pk"))
        .order_by("-sellers", "division_code")
    )


def featured_products(actor: Actor) -> QuerySet[Product]:
    """What the home page features, from what sellers already give: visible
    products that have a picture, from verified sellers; registered
    poverty-alleviation households first, then the sellers that employ or buy
    from the most such households, then the newest."""
    has_picture = Exists(ProductImage.objects.filter(product=OuterRef("pk")))
    return (
        visible_products(actor)
        .filter(has_picture, seller__is_verified=True)
        .order_by(
            "-seller__is_poverty_household",
            "-seller__linked_poverty_households",
            "-created_at",
            "-id",
        )
    )


@dataclass(frozen=True)
class CategoryFamily:
    ancestors: list[Category]  # the top one first
    children: list[Category]  # by name
    ids: list[int]  # the category and every one below it, for filter_products


def category_family(category: Category) -> CategoryFamily:
    """A category's place in the tree, from one read of the whole tree (it is small)."""
    tree = list(Category.objects.all())
    by_pk = {c.pk: c for c in tree}
    children: dict[int | None, list[Category]] = {}
    for row in tree:
        children.setdefault(row.parent_id, []).append(row)
    ancestors: list[Category] = []
    parent_id = category.parent_id
    while parent_id in by_pk and len(ancestors) < len(tree):
        ancestors.append(by_pk[parent_id])
        parent_id = by_pk[parent_id].parent_id
    ids: list[int] = []
    stack = [category.pk]
    while stack and len(ids) <= len(tree):
        pk = stack.pop()
        ids.append(pk)
        stack.extend(child.pk for child in children.get(pk, ()))
    return CategoryFamily(ancestors[::-1], children.get(category.pk, []), ids)


def category_ancestors(category: Category) -> list[Category]:
    """The categories above `category`, the top one first (one query)."""
    return category_family(category).ancestors


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


def sellers_awaiting_verification(actor: Actor) -> QuerySet[Seller]:
    """The operators' verification queue: sellers neither verified nor currently
    rejected (a corrected one is back); page it oldest first by (created_at, id).
    Nobody else has a queue."""
    if not is_operator(actor):
        return Seller.objects.none()
    return Seller.objects.filter(is_verified=False, rejected_at__isnull=True)

"""Reads of the catalogue shared by the API and the storefront."""

from decimal import Decimal
from operator import attrgetter

from django.db.models import (
    DecimalField,
    Exists,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductImageThumbnail,
    ProductVariant,
    Seller,
)
from shop.permissions import is_operator


def visible_products(user):
    """Published products of verified sellers, plus what the user may manage."""
    public = Q(is_published=True, seller__is_verified=True)
    if is_operator(user):
        return Product.objects.all()
    if user.is_authenticated:
        return Product.objects.filter(public | Exists(_memberships(user, OuterRef("seller_id"))))
    return Product.objects.filter(public)


def visible_sellers(user):
    if is_operator(user):
        return Seller.objects.all()
    if user.is_authenticated:
        return Seller.objects.filter(
            Q(is_verified=True) | Exists(_memberships(user, OuterRef("pk")))
        )
    return Seller.objects.filter(is_verified=True)


def _memberships(user, seller_ref):
    return Seller.members.through.objects.filter(seller_id=seller_ref, user_id=user.pk)


def best_thumbnail(image, size, fmt):
    """The smallest thumbnail at least `size` wide in `fmt`, or None."""
    fitting = [t for t in thumbnails_of(image) if t.format == fmt and t.size >= size]
    return min(fitting, key=lambda t: t.size, default=None)


def category_with_descendants(category):
    """IDs of a category and all categories below it (one query)."""
    children = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = [], [category.pk]
    while stack:
        pk = stack.pop()
        found.append(pk)
        stack.extend(children.get(pk, ()))
    return found


def division_prefix(code):
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


def with_min_price(queryset):
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
    queryset,
    *,
    search=None,
    categories=None,
    seller=None,
    region=None,
    price_gte=None,
    price_lte=None,
    cold_chain=None,
):
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


def _wants(selected, *paths):
    """Whether `selected` (field paths below a product; None: all) asks for one of `paths`."""
    return selected is None or any(
        p == path or p.startswith(path + ".") for path in paths for p in selected
    )


def prefetch_for_listing(queryset, selected=None):
    """Join and prefetch what a product list shows of sellers, categories and farms.

    `selected` holds the field paths asked for below each product (e.g.
    "seller.farms"); None means everything a product page shows. Variants and
    pictures come from attach_listing once the page's rows are fetched.
    """
    queryset = queryset.select_related(
        *(relation for relation in ("seller", "category", "farm") if _wants(selected, relation))
    )
    if _wants(selected, "category.parent"):
        queryset = queryset.select_related("category__parent")
    if _wants(selected, "farm.seller"):
        queryset = queryset.select_related("farm__seller")
    if _wants(selected, "category.children"):
        queryset = queryset.prefetch_related("category__children")
    if _wants(selected, "seller.farms"):
        queryset = queryset.prefetch_related("seller__farms")
    return queryset


_BY_SORT_ORDER = attrgetter("sort_order", "id")  # Meta.ordering of variants and pictures


def attach_listing(products, selected=None):
    """Fetch the variants and pictures of `products`: one query per table, whatever their number.

    They are kept as plain lists on each product (read them with variants_of,
    images_of and thumbnails_of) rather than with prefetch_related, whose
    queryset per product and relation cost more CPU than building the rows.
    """
    if _wants(selected, "variants", "priceRange"):
        _attach(products, ProductVariant.product, "listed_variants", order=_BY_SORT_ORDER)
    if _wants(selected, "images", "thumbnail"):
        images = _attach(products, ProductImage.product, "listed_images", order=_BY_SORT_ORDER)
        _attach(images, ProductImageThumbnail.image, "listed_thumbnails")
    return products


def _attach(parents, foreign_key, attribute, order=None):
    """Set `attribute` of each parent to the list of rows whose `foreign_key` points to it.

    One query for all parents; each row caches its parent. The rows are
    sorted by `order` here, which costs less than compiling an ORDER BY.
    Returns all rows.
    """
    field = foreign_key.field
    by_id = {parent.pk: parent for parent in parents}
    for parent in parents:
        setattr(parent, attribute, [])
    if not by_id:
        return []
    rows = list(field.model.objects.filter(**{f"{field.attname}__in": list(by_id)}).order_by())
    if order is not None:
        rows.sort(key=order)
    for row in rows:
        parent = by_id[getattr(row, field.attname)]
        field.set_cached_value(row, parent)
        getattr(parent, attribute).append(row)
    return rows


def variants_of(product):
    """The product's variants in order: those attach_listing fetched, else a query."""
    listed = getattr(product, "listed_variants", None)
    return product.variants.all() if listed is None else listed


def images_of(product):
    """The product's pictures in order: those attach_listing fetched, else a query."""
    listed = getattr(product, "listed_images", None)
    return product.images.all() if listed is None else listed


def thumbnails_of(image):
    """The picture's thumbnails: those attach_listing fetched, else a query."""
    listed = getattr(image, "listed_thumbnails", None)
    return image.thumbnails.all() if listed is None else listed

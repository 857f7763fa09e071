"""Reads of the catalogue shared by the API and the storefront."""

from decimal import Decimal

from django.db.models import (
    DecimalField,
    Exists,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from catalog.models import Category, Product, ProductImage, ProductVariant, Seller
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
    """The smallest prefetched thumbnail at least `size` wide in `fmt`, or None."""
    fitting = [t for t in image.thumbnails.all() if t.format == fmt and t.size >= size]
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


def prefetch_for_listing(queryset, selected=None):
    """Fetch in bulk what a product list shows: a constant number of queries per page.

    `selected` holds the field paths asked for below each product (e.g.
    "seller.farms"); None means everything a product page shows.
    """

    def wants(*paths):
        return selected is None or any(
            p == path or p.startswith(path + ".") for path in paths for p in selected
        )

    queryset = queryset.select_related(
        *(relation for relation in ("seller", "category", "farm") if wants(relation))
    )
    if wants("category.parent"):
        queryset = queryset.select_related("category__parent")
    if wants("farm.seller"):
        queryset = queryset.select_related("farm__seller")
    if wants("category.children"):
        queryset = queryset.prefetch_related("category__children")
    if wants("seller.farms"):
        queryset = queryset.prefetch_related("seller__farms")
    if wants("variants", "priceRange"):
        queryset = queryset.prefetch_related(
            Prefetch("variants", queryset=ProductVariant.objects.order_by("sort_order", "id"))
        )
    if wants("images", "thumbnail"):
        queryset = queryset.prefetch_related(
            Prefetch(
                "images",
                queryset=ProductImage.objects.order_by("sort_order", "id").prefetch_related(
                    "thumbnails"
                ),
            )
        )
    return queryset

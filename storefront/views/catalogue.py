"""The buyer's pages: home, categories, search, products, sellers and regions.

They read through the same selectors as the API (`catalog.selectors`), so an
anonymous visitor sees what the API shows them; every list is keyset-paged
with `?after=` and costs the same queries whatever its length
(`storefront.cards`). Anonymous pages are kept whole (`storefront.page_cache`)
and tagged with what they show, like the API's responses (`catalog.cache`).
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import re_path

from catalog import cache
from catalog.selectors import (
    category_ancestors,
    category_family,
    division_prefix,
    divisions_of,
    featured_products,
    filter_products,
    images_of,
    seller_villages,
    sellers_in_division,
    variants_of,
    visible_categories,
    visible_products,
    visible_sellers,
    with_min_price,
)
from shop.core import public_cache
from shop.core.errors import RequestError
from shop.core.keyset import page
from shop.core.loading import load_together, related_many
from storefront.cards import card_of, picture_of
from storefront.forms.catalogue import CursorForm, ProductSearchForm
from storefront.page_cache import cached_page
from storefront.templatetags.storefront import localized

PAGE_SIZE = 20
TEASER_SIZE = 8
VILLAGES_SHOWN = 12


@dataclass(frozen=True)
class Listing:
    """One page of a list: its rows, the cursor of the next page, the cursor this
    page started after (None on the first), and whether the URL's cursor was bad."""

    rows: list[Any]
    next_cursor: str | None
    after: str | None
    bad_cursor: bool = False


# What the search and its filters page read of the query: the form and the cursor.
SEARCH_QUERY = [*ProductSearchForm.base_fields, "after"]


def _listing(
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    keys: list[str],
    descending: bool = False,
    name: str = "after",
    first: int = PAGE_SIZE,
) -> Listing:
    """The page of `queryset` after the URL's cursor `name`; a cursor that is not
    one (hand-edited, from another sort) gives the first page, marked bad."""
    try:
        after = CursorForm(request.GET).cursor(name)
        found = page(queryset, keys=keys, first=first, after=after, descending=descending)
    except (ValueError, RequestError):
        found = page(queryset, keys=keys, first=first, descending=descending)
        return Listing(found.rows, found.next_cursor, None, bad_cursor=True)
    return Listing(found.rows, found.next_cursor, after)


def _products(
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    keys: tuple[str, ...] = ("name", "id"),
    descending: bool = False,
) -> Listing:
    """A page of products as cards."""
    listing = _listing(request, queryset, keys=list(keys), descending=descending)
    return Listing(
        [card_of(product) for product in listing.rows],
        listing.next_cursor,
        listing.after,
        listing.bad_cursor,
    )


def _render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *listings: tuple[str, Listing],
) -> HttpResponse:
    """The page, with status 400 when one of its lists had a bad cursor; the
    canonical query gets the valid cursors."""
    query = dict(context.pop("canonical_query", {}))
    for name, listing in listings:
        if listing.after:
            query[name] = listing.after
    context["canonical_query"] = query
    status = 400 if any(listing.bad_cursor for _, listing in listings) else 200
    return render(request, f"storefront/{template}", context, status=status)


@cached_page()
def home(request: HttpRequest) -> HttpResponse:
    """Categories, featured and new products, and the sellers' villages. Featured
    is `catalog.selectors.featured_products`: products with pictures from
    verified sellers, poverty-alleviation households first."""
    actor = request.user
    public_cache.tag(request, cache.PRODUCT_LIST, cache.SELLER_LIST, cache.CATEGORIES)
    featured = list(featured_products(actor)[:TEASER_SIZE])
    newest = list(visible_products(actor).order_by("-created_at", "-id")[:TEASER_SIZE])
    shown = {product.pk: product for product in featured}
    newest = [shown.setdefault(product.pk, product) for product in newest]
    load_together(list(shown.values()))
    context = {
        "categories": visible_categories(actor).filter(parent__isnull=True),
        "featured": [card_of(product) for product in featured],
        "newest": [card_of(product) for product in newest],
        "villages": list(seller_villages(actor)[:VILLAGES_SHOWN]),
    }
    return render(request, "storefront/home.html", context)


@cached_page(query=SEARCH_QUERY)
def search(request: HttpRequest) -> HttpResponse:
    """The API's product filters and sorts as a GET form; empty, it lists everything."""
    form = ProductSearchForm(request.GET, actor=request.user)
    public_cache.tag(request, cache.PRODUCT_LIST, cache.CATEGORIES)
    if not form.is_valid():
        context: dict[str, Any] = {"form": form, "listing": None, "search_query": ""}
        return render(request, "storefront/search.html", context, status=400)
    field, descending = form.order()
    queryset = filter_products(visible_products(request.user), **form.filters())
    if field == "min_price":
        queryset = with_min_price(queryset)
    listing = _products(request, queryset, keys=(field, "id"), descending=descending)
    chosen = form.canonical_query()
    context = {
        "listing": listing,
        "search_query": form.cleaned_data["q"],
        "canonical_query": chosen,
        "filter_count": len(chosen.keys() - {"q", "sort"}),
        "sorts": form.sort_links(),
    }
    return _render(request, "search.html", context, ("after", listing))


@cached_page(query=SEARCH_QUERY)
def search_filters(request: HttpRequest) -> HttpResponse:
    """The search's filters on a page of their own: the results page stays light
    (a form costs more to render than a list of cards) and the phone's whole
    screen goes to the form."""
    form = ProductSearchForm(request.GET, actor=request.user)
    public_cache.tag(request, cache.CATEGORIES)
    status = 200 if form.is_valid() else 400
    context = {"form": form, "search_query": form.data.get("q", "")}
    return render(request, "storefront/search_filters.html", context, status=status)


@cached_page(query=["after"])
def category(request: HttpRequest, slug: str) -> HttpResponse:
    """A category with its subcategories and the products of all of them."""
    found = get_object_or_404(visible_categories(request.user), slug=slug)
    public_cache.tag(request, cache.CATEGORIES, cache.PRODUCT_LIST)
    family = category_family(found)
    listing = _products(
        request, filter_products(visible_products(request.user), categories=family.ids)
    )
    context = {
        "category": found,
        "ancestors": family.ancestors,
        "children": family.children,
        "listing": listing,
    }
    return _render(request, "category.html", context, ("after", listing))


@cached_page()
def product(request: HttpRequest, slug: str) -> HttpResponse:
    """A product: pictures, variants with price and stock (chosen with a GET form
    to the cart: see `storefront.views.buying`), origin, its seller and farm."""
    products = visible_products(request.user).select_related("seller", "farm", "category")
    found = get_object_or_404(products, slug=slug)
    public_cache.tag(request, *cache.shown_with_product(found.pk, found.seller_id))
    name = localized(found)
    pictures = [picture_of(image, name) for image in images_of(found)]
    variants = variants_of(found)
    context = {
        "product": found,
        "seller": found.seller,
        "farm": found.farm,
        "category": found.category,
        "ancestors": category_ancestors(found.category),
        "divisions": divisions_of(found.seller),
        "pictures": pictures,
        "variants": variants,
        "in_stock": [v for v in variants if v.stock_quantity > 0],
        "price_from": min((v.price for v in variants), default=None),
    }
    return render(request, "storefront/product.html", context)


@cached_page(query=["after"])
def seller(request: HttpRequest, slug: str) -> HttpResponse:
    """A seller: story, where it is, what the operator verified, farms, products."""
    found = get_object_or_404(visible_sellers(request.user), slug=slug)
    public_cache.tag(request, cache.seller_tag(found.pk), cache.PRODUCT_LIST)
    listing = _products(request, filter_products(visible_products(request.user), seller=found))
    context = {
        "seller": found,
        "divisions": divisions_of(found),
        "farms": related_many(found, "farms"),
        "listing": listing,
    }
    return _render(request, "seller.html", context, ("after", listing))


@cached_page(query=["after", "sellers_after"])
def region(request: HttpRequest, code: str) -> HttpResponse:
    """The sellers and products inside an administrative division (a 12-digit
    code or its prefix, as the API's region filter); 404 for anything else or a
    division where nobody sells."""
    try:
        sellers = sellers_in_division(request.user, code)
    except ValueError as exc:
        raise Http404(code) from exc
    anyone = sellers.order_by("division_code", "pk").first()
    if anyone is None:
        raise Http404(code)
    public_cache.tag(request, cache.SELLER_LIST, cache.PRODUCT_LIST)
    depth = len(division_prefix(code))
    divisions = [d for d in divisions_of(anyone) if len(division_prefix(d[0])) <= depth]
    seller_list = _listing(request, sellers, keys=["name", "id"], name="sellers_after")
    listing = _products(request, filter_products(visible_products(request.user), region=code))
    context = {
        "code": code,
        "divisions": divisions,
        "name": divisions[-1][1] if divisions else code,
        "sellers": seller_list,
        "listing": listing,
    }
    return _render(
        request, "region.html", context, ("sellers_after", seller_list), ("after", listing)
    )


# Slugs may be Chinese (`\w` is Unicode here) but never hold "/", NUL or spaces.
SLUG = r"(?P<slug>[-\w]{1,140})"

urlpatterns = [
    re_path(r"^$", home, name="home"),
    re_path(r"^search/$", search, name="search"),
    re_path(r"^search/filters/$", search_filters, name="search_filters"),
    re_path(rf"^c/{SLUG}/$", category, name="category"),
    re_path(rf"^p/{SLUG}/$", product, name="product"),
    re_path(rf"^s/{SLUG}/$", seller, name="seller"),
    re_path(r"^region/(?P<code>[^/]{1,20})/$", region, name="region"),
]

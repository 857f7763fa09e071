"""Limits on the API: page size, query depth and cost, and SQL queries per list."""

import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql import get_introspection_query
from PIL import Image

from catalog import services
from catalog.models import (
    Farm,
    Product,
    ProductImage,
    ProductImageThumbnail,
    ProductVariant,
    Seller,
)
from tests.helpers.api import GraphQLClient
from tests.helpers.catalog import SELLER_DATA

PAGE_MAX = settings.GRAPHQL_PAGE_SIZE_MAX


def top_level_codes(client, query, variables=None):
    status, body = client.post(query, variables)
    return status, body, [error["extensions"]["code"] for error in body.get("errors", ())]


# --- page size ------------------------------------------------------------------


@pytest.mark.parametrize("field", ["products", "categories", "sellers"])
@pytest.mark.parametrize("first", [None, PAGE_MAX + 1, 1000, -1])
def test_first_missing_or_out_of_range_is_invalid_argument(client_as, field, first):
    query = f"query($first: Int) {{ {field}(first: $first) {{ edges {{ node {{ id }} }} }} }}"
    _status, body, codes = top_level_codes(client_as("anonymous"), query, {"first": first})
    assert codes == ["INVALID_ARGUMENT"]
    assert body["data"] == {field: None}


@pytest.mark.parametrize("field", ["products", "categories", "sellers"])
def test_first_without_any_argument_is_invalid_argument(client_as, field):
    query = f"{{ {field} {{ edges {{ node {{ id }} }} }} }}"
    assert top_level_codes(client_as("anonymous"), query)[2] == ["INVALID_ARGUMENT"]


def test_a_full_page_of_the_maximum_size_is_allowed(client_as, product):
    query = "query($first: Int) { products(first: $first) { edges { node { name } } } }"
    data = client_as("anonymous").execute(query, {"first": PAGE_MAX})
    assert [e["node"]["name"] for e in data["products"]["edges"]] == ["武功山紫米"]


# --- depth --------------------------------------------------------------------


def category_chain(levels):
    """`levels` nested `children` selections under a category."""
    body = "id"
    for _ in range(levels):
        body = f"id children {{ {body} }}"
    return body


def deep_query(levels):
    """A query `levels + 4` deep: categories > edges > node > children... > id."""
    return f"{{ categories(first: 1) {{ edges {{ node {{ {category_chain(levels)} }} }} }} }}"


def fragment_query(levels):
    """The same depth as deep_query, built from one named fragment per level."""
    fragments = [f"fragment C{levels} on Category {{ id }}"]
    for level in range(levels - 1, -1, -1):
        fragments.append(f"fragment C{level} on Category {{ id children {{ ...C{level + 1} }} }}")
    return "{ categories(first: 1) { edges { node { ...C0 } } } }\n" + "\n".join(fragments)


def inline_fragment_query(levels):
    body = "id"
    for _ in range(levels):
        body = f"id ... on Category {{ children {{ {body} }} }}"
    return f"{{ categories(first: 1) {{ edges {{ node {{ {body} __typename }} }} }} }}"


@pytest.mark.parametrize("build", [deep_query, fragment_query, inline_fragment_query])
def test_a_query_one_level_too_deep_is_refused(client_as, category, build):
    client = client_as("anonymous")
    allowed = settings.GRAPHQL_MAX_DEPTH - 4
    data = client.execute(build(allowed))
    assert data["categories"]["edges"][0]["node"]["id"]
    status, body, codes = top_level_codes(client, build(allowed + 1))
    assert codes == ["QUERY_TOO_DEEP"]
    assert status == 400 and "data" not in body
    assert f"limit is {settings.GRAPHQL_MAX_DEPTH}" in body["errors"][0]["message"]


def test_graphiql_introspection_is_not_limited_by_depth(client_as):
    data = client_as("anonymous").execute(get_introspection_query(descriptions=True))
    assert data["__schema"]["queryType"]["name"] == "Query"


# --- cost ---------------------------------------------------------------------


def wide_names(count):
    return " ".join(f"a{i}: name" for i in range(count))


WIDEST = settings.GRAPHQL_MAX_SELECTIONS - 2  # edges and node make up a list's selection


def product_lists(widths):
    """`products(first: PAGE_MAX)` lists selecting `width` aliased names per product.

    Each costs 1 (products) + PAGE_MAX * (1 (edges) + 1 (node) + width).
    """
    lists = " ".join(
        f"p{i}: products(first: {PAGE_MAX}) {{ edges {{ node {{ {wide_names(width)} }} }} }}"
        for i, width in enumerate(widths)
    )
    return f"{{ {lists} }}"


def cost(widths):
    return sum(1 + PAGE_MAX * (2 + width) for width in widths)


def widths_just_over_the_limit():
    """Full lists of the widest selection, then one narrower list that tips the cost over."""
    full = [WIDEST] * (settings.GRAPHQL_MAX_COST // cost([WIDEST]))
    last = 0
    while cost([*full, last]) <= settings.GRAPHQL_MAX_COST:
        last += 1
    return [*full, last]


def test_a_query_just_over_the_cost_limit_is_refused(client_as):
    client = client_as("anonymous")
    over = widths_just_over_the_limit()
    under = [*over[:-1], over[-1] - 1]
    assert cost(under) <= settings.GRAPHQL_MAX_COST < cost(over)
    assert client.execute(product_lists(under))["p0"]["edges"] == []
    status, body, codes = top_level_codes(client, product_lists(over))
    assert codes == ["QUERY_TOO_COMPLEX"]
    assert status == 400 and "data" not in body
    assert f"limit is {settings.GRAPHQL_MAX_COST}" in body["errors"][0]["message"]
    # The same selections under a small page are cheap.
    small = product_lists(over).replace(f"first: {PAGE_MAX}", "first: 5")
    assert "errors" not in client.post(small)[1]


def test_cost_counts_fragments_and_assumes_the_largest_page_for_a_variable(client_as):
    client = client_as("anonymous")
    over = widths_just_over_the_limit()
    through_fragment = product_lists(over).replace(wide_names(WIDEST), "...Wide") + (
        f"\nfragment Wide on Product {{ {wide_names(WIDEST)} }}"
    )
    assert top_level_codes(client, through_fragment)[2] == ["QUERY_TOO_COMPLEX"]
    with_variable = "query($n: Int) " + product_lists(over).replace(
        f"first: {PAGE_MAX}", "first: $n"
    )
    assert top_level_codes(client, with_variable, {"n": 1})[2] == ["QUERY_TOO_COMPLEX"]


CARD = """
fragment Card on Product {
  id name nameEn slug description origin storage shelfLifeDays isPublished createdAt
  seller { id name slug isVerified region { province city county township village divisionCode } }
  farm { id name village produce }
  category { id name slug parent { id name } children { id name children { id name } } }
  variants { id sku gtin name netWeightGrams coldChain stockQuantity price { amount currency } }
  images { id url alt width height thumbnail { url width height } }
  thumbnail { url } priceRange { start { amount } stop { amount } }
}"""


def test_many_full_product_lists_in_one_query_are_refused(client_as):
    client = client_as("anonymous")
    one = "{ products(first: 100) { edges { node { ...Card } } } }" + CARD
    assert client.execute(one)["products"]["edges"] == []
    lists = " ".join(
        f"p{i}: products(first: 100) {{ edges {{ node {{ ...Card }} }} }}" for i in range(10)
    )
    assert top_level_codes(client, f"{{ {lists} }}" + CARD)[2] == ["QUERY_TOO_COMPLEX"]


# --- SQL queries per page -----------------------------------------------------

LISTING = """
query($first: Int) {
  products(first: $first) {
    totalCount
    edges { node {
      id name
      seller { name region { province divisionCode } }
      farm { name village }
      category { name }
      variants { sku stockQuantity price { amount } }
      images { url alt thumbnail(size: 256) { url } }
      thumbnail { url }
      priceRange { start { amount } stop { amount } }
    } }
  }
}"""


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (120, 40, 160)).save(buffer, "PNG")
    return ContentFile(buffer.getvalue())


@pytest.fixture
def big_catalogue(seller, other_seller, operator):
    """110 products of two sellers with farms, nested categories, variants and images."""
    picture = default_storage.save("products/purple-rice.png", _png())
    thumb = default_storage.save("thumbnails/purple-rice-256.webp", _png())
    grain = services.create_category(actor=operator, name="粮油", name_en="Grain and oil")
    rice = services.create_category(
        actor=operator, name="紫米", name_en="Purple rice", parent=grain
    )
    farms = [
        services.create_farm(
            actor=owner.members.get(),
            seller=owner,
            name=f"{owner.name}基地",
            village="王龙潭村",
            latitude=Decimal("27.5"),
            longitude=Decimal("114.2"),
            area_mu=Decimal("30"),
            produce="rice",
        )
        for owner in (seller, other_seller)
    ]
    products = Product.objects.bulk_create(
        Product(
            seller=farms[i % 2].seller,
            farm=farms[i % 2] if i % 5 else None,
            category=rice if i % 3 else grain,
            name=f"product {i:03d}",
            slug=f"product-{i}",
            is_published=True,
        )
        for i in range(110)
    )
    ProductVariant.objects.bulk_create(
        ProductVariant(
            product=product,
            seller_id=product.seller_id,
            sku=f"P{product.pk}-{size}",
            name=f"{size} kg",
            net_weight_grams=size * 1000,
            price=Decimal(10 * size),
            stock_quantity=size,
        )
        for product in products
        for size in (1, 5)
    )
    images = ProductImage.objects.bulk_create(
        ProductImage(product=product, image=picture, width=4, height=3, sort_order=n)
        for product in products
        for n in range(2)
    )
    ProductImageThumbnail.objects.bulk_create(
        ProductImageThumbnail(image=image, size=256, format="webp", file=thumb) for image in images
    )
    return products


def count_queries(client, query, variables):
    with CaptureQueriesContext(connection) as queries:
        data = client.execute(query, variables)
    return len(queries), data


@pytest.mark.parametrize("role", ["anonymous", "seller"])
def test_a_page_of_100_products_costs_as_many_queries_as_a_page_of_5(
    big_catalogue, client_as, role
):
    client = client_as(role)
    few, small = count_queries(client, LISTING, {"first": 5})
    many, large = count_queries(client, LISTING, {"first": 100})
    print(f"\nSQL queries as {role}: products(first: 5) = {few}, products(first: 100) = {many}")
    assert len(small["products"]["edges"]) == 5
    assert len(large["products"]["edges"]) == 100
    assert large["products"]["totalCount"] == 110
    node = large["products"]["edges"][-1]["node"]
    assert len(node["variants"]) == 2 and len(node["images"]) == 2
    assert node["thumbnail"]["url"].endswith(".webp")
    assert node["seller"]["name"] and node["category"]["name"]
    assert sum(1 for e in large["products"]["edges"] if e["node"]["farm"]) == 80
    assert few == many
    # products + count + seller + farm + category + variants + images + thumbnails,
    # plus the bearer token's user.
    assert many == 8 + (role != "anonymous")


@pytest.mark.parametrize(
    "selection",
    [
        "seller { name farms { name } }",
        "category { name parent { name } }",
        "category { name children { name } }",
        "farm { name seller { name } }",
        "variants { sku product { name } }",
    ],
)
def test_nested_relations_cost_the_same_queries_for_any_page_size(
    big_catalogue, client_as, selection
):
    query = (
        "query($first: Int) { products(first: $first) { edges { node { " + selection + " } } } }"
    )
    client = client_as("anonymous")
    few, _ = count_queries(client, query, {"first": 5})
    many, data = count_queries(client, query, {"first": 100})
    assert len(data["products"]["edges"]) == 100
    assert few == many


def test_the_categories_list_costs_the_same_queries_for_any_page_size(big_catalogue, client_as):
    query = (
        "query($first: Int) { categories(first: $first) "
        "{ edges { node { name parent { name } children { name } } } } }"
    )
    client = client_as("anonymous")
    few, _ = count_queries(client, query, {"first": 1})
    many, data = count_queries(client, query, {"first": 100})
    assert {e["node"]["name"] for e in data["categories"]["edges"]} >= {"粮油", "紫米"}
    assert few == many


def test_the_sellers_list_costs_the_same_queries_for_any_page_size(db):
    client = GraphQLClient()
    sellers = Seller.objects.bulk_create(
        Seller(
            **{**SELLER_DATA, "name": f"seller {i:02d}"},
            slug=f"seller-{i}",
            is_verified=True,
            verified_at="2026-01-01T00:00:00Z",
        )
        for i in range(40)
    )
    Farm.objects.bulk_create(
        Farm(seller=s, name="基地", village="村", latitude=1, longitude=1, area_mu=1, produce="tea")
        for s in sellers
    )
    query = (
        "query($first: Int) { sellers(first: $first) "
        "{ edges { node { name region { county } farms { name } } } } }"
    )
    few, _ = count_queries(client, query, {"first": 3})
    many, data = count_queries(client, query, {"first": 40})
    assert len(data["sellers"]["edges"]) == 40
    farms = [e["node"]["farms"] for e in data["sellers"]["edges"]]
    assert farms == [[{"name": "基地"}]] * 40
    assert few == many == 2


def test_selecting_only_the_thumbnail_still_fetches_pictures_in_bulk(big_catalogue, client_as):
    query = """query($first: Int) {
      products(first: $first) { edges { node { name thumbnail(format: WEBP) { url } } } } }"""
    client = client_as("anonymous")
    few, _ = count_queries(client, query, {"first": 5})
    many, data = count_queries(client, query, {"first": 100})
    assert all(e["node"]["thumbnail"]["url"].endswith(".webp") for e in data["products"]["edges"])
    assert few == many == 3

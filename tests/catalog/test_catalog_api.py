"""The public catalogue API: visibility, filters, sorting, keyset pagination, error codes."""

import base64
import json
import logging
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone
from graphql_relay import from_global_id, to_global_id

from catalog import services
from catalog.models import Product, ProductImage, ProductVariant, Seller
from tests.helpers.api import GraphQLClient
from tests.helpers.catalog import SELLER_DATA
from tests.helpers.ids import gid
from tests.helpers.users import make_user

PRODUCTS = """
query Products($first: Int, $after: String, $filter: ProductFilterInput, $sortBy: ProductSortInput) {
  products(first: $first, after: $after, filter: $filter, sortBy: $sortBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id name } }
  }
}"""
PRODUCT_BY_ID = "query($id: ID) { product(id: $id) { name } }"
PRODUCT_BY_SLUG = "query($slug: String) { product(slug: $slug) { name } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"
SELLERS = "query($filter: SellerFilterInput) { sellers(first: 100, filter: $filter) { totalCount edges { node { name } } } }"
SELLER_BY_SLUG = "query($slug: String) { seller(slug: $slug) { name } }"
SELLER_BY_ID = "query($id: ID) { seller(id: $id) { name } }"


def cursor(values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def names(client, **variables):
    """The product names one `products` query returns, checking totalCount agrees."""
    data = client.execute(PRODUCTS, {"first": 100, **variables})["products"]
    found = [edge["node"]["name"] for edge in data["edges"]]
    assert data["totalCount"] == len(found)
    return set(found)


def _product(seller, category, name, prices, *, published=True, cold_chain=False, **extra):
    """A product with one variant per price, made by the seller's (only) member."""
    member = seller.members.get()
    product = services.create_product(
        actor=member,
        seller=seller,
        category=category,
        name=name,
        is_published=published,
        **extra,
    )
    for position, price in enumerate(prices):
        services.create_variant(
            actor=member,
            product=product,
            sku=f"{name}-{position}",
            name=f"unit {position}",
            net_weight_grams=500,
            price=price,
            cold_chain=cold_chain,
        )
    return product


@pytest.fixture
def shelf(seller, other_seller, seller_user, operator):
    """A small catalogue in two provinces, with hidden products of two kinds."""

    def new_category(name, name_en, parent=None):
        return services.create_category(actor=operator, name=name, name_en=name_en, parent=parent)

    grain = new_category("粮油", "Grain and oil")
    rice = new_category("大米", "Rice", parent=grain)
    purple = new_category("紫米", "Purple rice", parent=rice)
    tea = new_category("茶叶", "Tea")
    fruit = new_category("水果", "Fruit")
    eggs = new_category("禽蛋", "Eggs")
    egg_farmer = make_user(phone="13800138004", name="养鸡户")
    unverified = services.create_seller(
        actor=egg_farmer,
        **{
            **SELLER_DATA,
            "name": "莲花土鸡蛋",
            "name_en": "Lianhua Eggs",
            "division_code": "360321100000",
        },
    )
    farm = services.create_farm(
        actor=egg_farmer,
        seller=unverified,
        name="山坡鸡场",
        village="坊楼村",
        latitude=27.1,
        longitude=113.9,
        area_mu=20,
        produce="eggs",
    )
    shelf = SimpleNamespace(
        grain=grain,
        rice=rice,
        purple=purple,
        tea=tea,
        fruit=fruit,
        unverified=unverified,
        egg_farmer=egg_farmer,
        egg_farm=farm,
        purple_rice=_product(
            seller, purple, "武功山紫米", ["88.00", "30.00"], origin="江西萍乡武功山"
        ),
        mountain_tea=_product(seller, tea, "高山云雾茶", ["120.00"], name_en="Cloud Mist Tea"),
        white_rice=_product(other_seller, rice, "苍溪大米", ["20.00"]),
        kiwi=_product(other_seller, fruit, "红心猕猴桃", ["45.50"], cold_chain=True),
        draft=_product(seller, rice, "新米预售", ["10.00"], published=False),
        eggs=_product(unverified, eggs, "土鸡蛋", ["25.00"], published=False, cold_chain=True),
    )
    # Published once, but its seller is not verified: still hidden from the public.
    Product.objects.filter(pk=shelf.eggs.pk).update(is_published=True)
    return shelf


PUBLIC = {"武功山紫米", "高山云雾茶", "苍溪大米", "红心猕猴桃"}


@pytest.mark.parametrize(
    ("role", "extra"),
    [
        ("anonymous", set()),
        ("customer", set()),
        ("other_seller", set()),
        ("seller", {"新米预售"}),
        ("operator", {"新米预售", "土鸡蛋"}),
    ],
)
def test_products_list_shows_hidden_products_only_to_their_seller_and_operators(
    shelf, client_as, role, extra
):
    assert names(client_as(role)) == PUBLIC | extra


def test_a_member_of_an_unverified_seller_sees_its_published_product(shelf):
    assert names(GraphQLClient(shelf.egg_farmer)) == PUBLIC | {"土鸡蛋"}


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("anonymous", False),
        ("customer", False),
        ("other_seller", False),
        ("seller", True),
        ("operator", True),
    ],
)
def test_an_unpublished_product_and_its_parts_are_hidden_by_id_slug_and_node(
    shelf, client_as, role, visible
):
    client = client_as(role)
    draft = shelf.draft
    variant = draft.variants.get()
    image = ProductImage.objects.create(product=draft, image="products/x.png", width=1, height=1)
    by_id = client.execute(PRODUCT_BY_ID, {"id": gid(draft)})["product"]
    by_slug = client.execute(PRODUCT_BY_SLUG, {"slug": draft.slug})["product"]
    assert (by_id is not None, by_slug is not None) == (visible, visible)
    for obj in (draft, variant, image):
        node = client.execute(NODE, {"id": gid(obj)})["node"]
        assert (node is not None) == visible, obj
    if visible:
        assert by_id == by_slug == {"name": "新米预售"}


@pytest.mark.parametrize(
    ("who", "visible"),
    [("anonymous", False), ("customer", False), ("egg_farmer", True), ("operator", True)],
)
def test_an_unverified_seller_and_its_farm_are_hidden_from_the_public(
    shelf, client_as, operator, who, visible
):
    client = GraphQLClient(shelf.egg_farmer) if who == "egg_farmer" else client_as(who)
    listed = {e["node"]["name"] for e in client.execute(SELLERS)["sellers"]["edges"]}
    assert ("莲花土鸡蛋" in listed) == visible
    assert {"武功山紫米合作社", "苍溪猕猴桃"} <= listed
    for query, variables in [
        (SELLER_BY_SLUG, {"slug": shelf.unverified.slug}),
        (SELLER_BY_ID, {"id": gid(shelf.unverified)}),
    ]:
        assert (client.execute(query, variables)["seller"] is not None) == visible
    for obj in (shelf.unverified, shelf.egg_farm):
        assert (client.execute(NODE, {"id": gid(obj)})["node"] is not None) == visible


def test_a_published_product_is_public_by_id_slug_and_node(shelf, client_as):
    client = client_as("anonymous")
    product = shelf.purple_rice
    assert client.execute(PRODUCT_BY_ID, {"id": gid(product)})["product"]["name"] == "武功山紫米"
    assert (
        client.execute(PRODUCT_BY_SLUG, {"slug": product.slug})["product"]["name"] == "武功山紫米"
    )
    assert client.execute(NODE, {"id": gid(product)})["node"] == {"id": gid(product)}


@pytest.mark.parametrize(
    ("make_filter", "expected"),
    [
        (lambda s: {"search": "紫米"}, {"武功山紫米"}),
        (lambda s: {"search": "cloud TEA"}, {"高山云雾茶"}),
        (lambda s: {"search": "萍乡 紫米"}, {"武功山紫米"}),
        (lambda s: {"search": "萍乡 猕猴桃"}, set()),
        (lambda s: {"search": "   "}, PUBLIC),
        (lambda s: {"category": gid(s.grain)}, {"武功山紫米", "苍溪大米"}),
        (lambda s: {"category": gid(s.rice)}, {"武功山紫米", "苍溪大米"}),
        (lambda s: {"category": gid(s.purple)}, {"武功山紫米"}),
        (lambda s: {"category": gid(s.tea)}, {"高山云雾茶"}),
        (lambda s: {"seller": gid(s.white_rice.seller)}, {"苍溪大米", "红心猕猴桃"}),
        (lambda s: {"region": "360000000000"}, {"武功山紫米", "高山云雾茶"}),
        (lambda s: {"region": "360300000000"}, {"武功山紫米", "高山云雾茶"}),
        (lambda s: {"region": "360323000000"}, {"武功山紫米", "高山云雾茶"}),
        (lambda s: {"region": "360323203000"}, {"武功山紫米", "高山云雾茶"}),
        (lambda s: {"region": "360323203201"}, {"武功山紫米", "高山云雾茶"}),
        (lambda s: {"region": "360323203202"}, set()),
        (lambda s: {"region": "360323204000"}, set()),
        (lambda s: {"region": "360321000000"}, set()),
        (lambda s: {"region": "510000000000"}, {"苍溪大米", "红心猕猴桃"}),
        (lambda s: {"region": "510824000000"}, {"苍溪大米", "红心猕猴桃"}),
        (lambda s: {"region": "510800000000"}, {"苍溪大米", "红心猕猴桃"}),
        (lambda s: {"price": {"gte": "40", "lte": "100"}}, {"武功山紫米", "红心猕猴桃"}),
        (lambda s: {"price": {"gte": "25", "lte": "35"}}, {"武功山紫米"}),
        (lambda s: {"price": {"gte": "100"}}, {"高山云雾茶"}),
        (lambda s: {"price": {"lte": "20.00"}}, {"苍溪大米"}),
        (lambda s: {"price": {"gte": "20.01", "lte": "29.99"}}, set()),
        (lambda s: {"coldChain": True}, {"红心猕猴桃"}),
        (lambda s: {"coldChain": False}, {"武功山紫米", "高山云雾茶", "苍溪大米"}),
        (
            lambda s: {"category": gid(s.grain), "region": "360000000000"},
            {"武功山紫米"},
        ),
        (
            lambda s: {"coldChain": False, "price": {"lte": "50"}, "region": "510000000000"},
            {"苍溪大米"},
        ),
    ],
)
def test_each_filter_narrows_the_public_list(shelf, client_as, make_filter, expected):
    assert names(client_as("anonymous"), filter=make_filter(shelf)) == expected


def test_filters_apply_to_hidden_products_that_the_viewer_may_see(shelf, client_as):
    operator = client_as("operator")
    assert names(operator, filter={"region": "360321000000"}) == {"土鸡蛋"}
    assert names(operator, filter={"coldChain": True}) == {"红心猕猴桃", "土鸡蛋"}
    assert names(client_as("seller"), filter={"category": gid(shelf.grain)}) == {
        "武功山紫米",
        "苍溪大米",
        "新米预售",
    }


def test_categories_and_sellers_lists(shelf, client_as):
    client = client_as("anonymous")
    top = client.execute(
        "{ categories(first: 100, topLevel: true) { totalCount edges { node { name children { name } } } } }"
    )["categories"]
    by_name = {e["node"]["name"]: e["node"]["children"] for e in top["edges"]}
    assert top["totalCount"] == len(by_name)
    assert {"粮油", "茶叶", "水果", "禽蛋"} <= set(by_name)
    assert "大米" not in by_name
    assert by_name["粮油"] == [{"name": "大米"}]
    everything = client.execute("{ categories(first: 100) { totalCount } }")["categories"]
    assert everything["totalCount"] == top["totalCount"] + 2
    verified = client.execute(SELLERS, {"filter": {"region": "510000000000"}})["sellers"]
    assert [e["node"]["name"] for e in verified["edges"]] == ["苍溪猕猴桃"]
    assert client.execute(SELLERS, {"filter": {"isVerified": False}})["sellers"]["totalCount"] == 0
    operator = client_as("operator").execute(SELLERS, {"filter": {"isVerified": False}})
    assert [e["node"]["name"] for e in operator["sellers"]["edges"]] == ["莲花土鸡蛋"]


# --- sorting and keyset pagination -------------------------------------------

WORDS = ["honey", "kiwifruit", "mutton", "rice", "tea"]
PRICES = ["9.90", "20.00", "20.00", "35.50"]
COUNT = 23


@pytest.fixture
def ranked(seller, other_seller, category):
    """COUNT products whose names, prices and creation times all repeat (ties)."""
    start = timezone.now() - timedelta(days=1)
    products = Product.objects.bulk_create(
        Product(
            seller=seller if i % 2 else other_seller,
            category=category,
            name=WORDS[i % len(WORDS)],
            slug=f"ranked-{i}",
            is_published=True,
        )
        for i in range(COUNT)
    )
    variants, rows = [], []
    for i, product in enumerate(products):
        price = PRICES[i % len(PRICES)]
        variants.append(_variant(product, f"S{i}", price, sort_order=1))
        if i % 3 == 0:  # A dearer first variant: the sort must use the cheapest one.
            variants.append(_variant(product, f"X{i}", "99.00", sort_order=0))
        product.created_at = start + timedelta(minutes=i // 2)
        rows.append(
            {
                "id": product.pk,
                "name": product.name,
                "price": Decimal(price),
                "at": product.created_at,
            }
        )
    ProductVariant.objects.bulk_create(variants)
    Product.objects.bulk_update(products, ["created_at"])
    return rows


def _variant(product, sku, price, sort_order):
    return ProductVariant(
        product=product,
        seller_id=product.seller_id,
        sku=sku,
        name="bag",
        net_weight_grams=1,
        price=Decimal(price),
        sort_order=sort_order,
    )


SORT_KEYS = {"NAME": "name", "PRICE": "price", "CREATED_AT": "at"}


def expected_order(rows, field, direction):
    key = SORT_KEYS[field]
    ordered = sorted(rows, key=lambda r: (r[key], r["id"]), reverse=direction == "DESC")
    return [to_global_id("Product", r["id"]) for r in ordered]


def walk(client, page_size, **variables):
    """Follow `after` to the end; return the IDs and each page's totalCount."""
    ids, totals, after = [], [], None
    for _ in range(COUNT + 2):
        page = client.execute(PRODUCTS, {"first": page_size, "after": after, **variables})
        page = page["products"]
        ids += [edge["node"]["id"] for edge in page["edges"]]
        totals.append(page["totalCount"])
        if page["edges"]:
            assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return ids, totals
        after = page["pageInfo"]["endCursor"]
    pytest.fail("pagination did not end")


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("field", ["NAME", "PRICE", "CREATED_AT"])
def test_sorting_in_both_directions(ranked, client_as, field, direction):
    sort = {"field": field, "direction": direction}
    data = client_as("anonymous").execute(PRODUCTS, {"first": 100, "sortBy": sort})
    ids = [edge["node"]["id"] for edge in data["products"]["edges"]]
    assert ids == expected_order(ranked, field, direction)


def test_default_sort_is_by_name_ascending(ranked, client_as):
    data = client_as("anonymous").execute(PRODUCTS, {"first": 100})["products"]
    assert [e["node"]["id"] for e in data["edges"]] == expected_order(ranked, "NAME", "ASC")


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("field", ["NAME", "PRICE", "CREATED_AT"])
def test_keyset_pagination_walks_every_product_once_despite_ties(
    ranked, client_as, field, direction
):
    client = client_as("anonymous")
    for page_size in (1, 4, 5):
        ids, totals = walk(client, page_size, sortBy={"field": field, "direction": direction})
        assert ids == expected_order(ranked, field, direction), page_size
        assert len(set(ids)) == COUNT
        assert set(totals) == {COUNT}
        assert len(totals) == -(-COUNT // page_size)


def test_pagination_with_a_filter_counts_only_matching_products(ranked, client_as):
    variables = {"filter": {"price": {"lte": "20"}}, "sortBy": {"field": "PRICE"}}
    ids, totals = walk(client_as("seller"), 3, **variables)
    cheap = [r for r in ranked if r["price"] <= 20]
    assert ids == expected_order(cheap, "PRICE", "ASC")
    assert set(totals) == {len(cheap)}


def test_an_empty_last_page_and_first_zero(ranked, client_as):
    client = client_as("anonymous")
    last = client.execute(PRODUCTS, {"first": COUNT})["products"]
    assert last["pageInfo"]["hasNextPage"] is False
    after = client.execute(PRODUCTS, {"first": 5, "after": last["pageInfo"]["endCursor"]})
    assert after["products"]["edges"] == []
    assert after["products"]["pageInfo"] == {"hasNextPage": False, "endCursor": None}
    zero = client.execute(PRODUCTS, {"first": 0})["products"]
    assert zero["edges"] == [] and zero["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize(
    ("field", "after"),
    [
        ("NAME", "garbage"),
        ("NAME", "@@@@"),
        ("NAME", cursor({"name": "rice"})),
        ("NAME", cursor(["rice"])),
        ("NAME", cursor(["rice", "1", "2"])),
        ("NAME", cursor(["rice", "one"])),
        ("NAME", cursor(["rice", None])),
        ("NAME", cursor(["rice", [1]])),
        ("PRICE", cursor(["rice", "1"])),
        ("PRICE", cursor(["NaN-ish", "1"])),
        ("CREATED_AT", cursor(["yesterday", "1"])),
        ("CREATED_AT", cursor(["2026-13-45T99:00:00", "1"])),
    ],
)
def test_a_garbage_cursor_is_invalid_cursor(ranked, client_as, field, after):
    status, body = client_as("anonymous").post(
        PRODUCTS, {"first": 5, "after": after, "sortBy": {"field": field}}
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_CURSOR"]
    assert body["data"] == {"products": None}


def test_a_cursor_from_one_sort_is_refused_by_another(ranked, client_as):
    client = client_as("anonymous")
    page = client.execute(PRODUCTS, {"first": 2, "sortBy": {"field": "NAME"}})["products"]
    after = page["pageInfo"]["endCursor"]
    code = client.error_code(PRODUCTS, {"first": 2, "after": after, "sortBy": {"field": "PRICE"}})
    assert code == "INVALID_CURSOR"


@pytest.mark.parametrize(
    "query",
    [
        '{ categories(first: 5, after: "garbage") { edges { node { name } } } }',
        '{ sellers(first: 5, after: "garbage") { edges { node { name } } } }',
    ],
)
def test_other_lists_refuse_garbage_cursors_too(client_as, query):
    assert client_as("anonymous").error_code(query) == "INVALID_CURSOR"


# --- errors outside payloads ------------------------------------------------


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (PRODUCT_BY_ID, {"id": "garbage"}, "INVALID_ID"),
        (PRODUCT_BY_ID, {"id": to_global_id("Seller", 1)}, "INVALID_ID"),
        (PRODUCT_BY_ID, {"id": to_global_id("Product", "abc")}, "INVALID_ID"),
        ("{ product { name } }", {}, "INVALID_ARGUMENT"),
        ('{ product(id: "UHJvZHVjdDox", slug: "x") { name } }', {}, "INVALID_ARGUMENT"),
        (SELLER_BY_ID, {"id": "garbage"}, "INVALID_ID"),
        (SELLER_BY_ID, {"id": to_global_id("Product", 1)}, "INVALID_ID"),
        ("{ seller { name } }", {}, "INVALID_ARGUMENT"),
        (PRODUCTS, {"first": 5, "filter": {"category": "garbage"}}, "INVALID_ID"),
        (
            PRODUCTS,
            {"first": 5, "filter": {"category": to_global_id("Category", 999999)}},
            "NOT_FOUND",
        ),
        (PRODUCTS, {"first": 5, "filter": {"seller": to_global_id("Seller", 999999)}}, "NOT_FOUND"),
        (PRODUCTS, {"first": 5, "filter": {"seller": to_global_id("Product", 1)}}, "INVALID_ID"),
        ("{ products(first: 5) { edges { node { nope } } } }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("{ products(first: 5) { edges ", {}, "GRAPHQL_PARSE_FAILED"),
    ],
)
def test_errors_outside_payloads_carry_a_code(shelf, client_as, query, variables, code):
    _status, body = client_as("anonymous").post(query, variables)
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert body["errors"][0]["message"]


def test_unknown_ids_read_as_null_but_unknown_targets_of_mutations_are_not_found(shelf, client_as):
    client = client_as("seller")
    missing = to_global_id("Product", 999999)
    assert client.execute(PRODUCT_BY_ID, {"id": missing}) == {"product": None}
    assert client.execute(NODE, {"id": missing}) == {"node": None}
    assert client.execute(SELLER_BY_ID, {"id": to_global_id("Seller", 999999)}) == {"seller": None}
    update = 'mutation($id: ID!) { productUpdate(id: $id, input: {name: "x"}) { errors { code } } }'
    assert client.error_code(update, {"id": missing}) == "NOT_FOUND"
    assert client.error_code(update, {"id": "garbage"}) == "INVALID_ID"


@pytest.mark.parametrize(
    "bad_id",
    [
        "garbage",
        to_global_id("Nothing", 1),
        to_global_id("Query", 1),
        to_global_id("Product", "abc"),
    ],
)
def test_node_with_a_malformed_id_is_invalid_id(client_as, bad_id):
    assert client_as("anonymous").error_code(NODE, {"id": bad_id}) == "INVALID_ID"


def test_an_unexpected_exception_is_logged_and_hidden(shelf, client_as, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr("catalog.schema.queries.filter_products", broken)
    with caplog.at_level(logging.ERROR, logger="shop.core.api.view"):
        status, body = client_as("customer").post(PRODUCTS, {"first": 5})
    assert status == 200
    assert body["data"] == {"products": None}
    assert body["errors"] == [
        {
            "message": "Internal server error.",
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
            "locations": [{"line": 3, "column": 3}],
            "path": ["products"],
        }
    ]
    assert "secret detail" not in json.dumps(body)
    [record] = [r for r in caplog.records if r.name == "shop.core.api.view"]
    assert record.levelno == logging.ERROR
    assert record.exc_info and isinstance(record.exc_info[1], RuntimeError)
    assert "secret detail" in caplog.text and "Traceback" in caplog.text


def test_an_anonymous_error_response_is_not_cached(shelf, client_as, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    client = client_as("anonymous")
    with monkeypatch.context() as patch:
        patch.setattr("catalog.schema.queries.filter_products", broken)
        assert client.error_code(PRODUCTS, {"first": 5}) == "INTERNAL_SERVER_ERROR"
    assert len(client.execute(PRODUCTS, {"first": 5})["products"]["edges"]) == 4


@pytest.mark.parametrize(
    ("sort_by", "field", "reverse"),
    [
        (None, "name", False),
        ({"field": "NAME", "direction": "DESC"}, "name", True),
        ({"field": "CREATED_AT"}, "created_at", False),
        ({"field": "CREATED_AT", "direction": "DESC"}, "created_at", True),
    ],
)
def test_sellers_sort_and_page_without_gaps(client_as, operator, sort_by, field, reverse):
    for i in range(7):
        data = {**SELLER_DATA, "name": f"合作社{i % 3}", "name_en": f"Coop {i}"}
        seller = services.create_seller(actor=operator, **data)
        Seller.objects.filter(pk=seller.pk).update(
            created_at=timezone.now() - timedelta(hours=i % 2)
        )
    expected = [
        s.pk
        for s in sorted(
            Seller.objects.all(), key=lambda s: (getattr(s, field), s.pk), reverse=reverse
        )
    ]
    query = """query($after: String, $sortBy: SellerSortInput) {
      sellers(first: 3, after: $after, sortBy: $sortBy) {
        pageInfo { hasNextPage endCursor } edges { node { id } } } }"""
    client, seen, after = client_as("operator"), [], None
    while True:
        page = client.execute(query, {"after": after, "sortBy": sort_by})["sellers"]
        seen += [int(from_global_id(e["node"]["id"])[1]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected

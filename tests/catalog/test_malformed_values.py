"""Values that once reached a resolver or the database and answered
INTERNAL_SERVER_ERROR: Unicode digits in IDs and cursors, non-finite and
enormous decimals, explicit nulls for defaulted arguments, and texts whose
stored length differs from the length checked."""

import base64
import json

import pytest
from graphql import GraphQLNonNull, Undefined
from graphql_relay import to_global_id

from catalog.models import Product
from shop.schema import schema
from tests.helpers.ids import gid

PRODUCT_UPDATE = """mutation($id: ID!, $input: ProductUpdateInput!) {
  productUpdate(id: $id, input: $input) { product { storage } errors { field code } } }"""
VARIANT_CREATE = """mutation($input: ProductVariantCreateInput!) {
  productVariantCreate(input: $input) { variant { price { amount } } errors { field code } } }"""

BAD_PKS = ["²", "١", "٣", "１", "99999999999999999999999", "-1", "1.0", " 1", "1 ", ""]


def payload(client, document, variables):
    [value] = client.execute(document, variables).values()
    return value


def bad_ids(type_name):
    return [to_global_id(type_name, pk) for pk in BAD_PKS]


@pytest.fixture
def anonymous(client_as):
    return client_as("anonymous")


@pytest.mark.parametrize("global_id", bad_ids("Product"))
def test_an_id_whose_number_is_not_ascii_digits_is_invalid_id_everywhere(
    anonymous, client_as, product, global_id
):
    assert (
        anonymous.error_code("query($id: ID!) { product(id: $id) { id } }", {"id": global_id})
        == "INVALID_ID"
    )
    assert (
        anonymous.error_code("query($id: ID!) { node(id: $id) { id } }", {"id": global_id})
        == "INVALID_ID"
    )
    seller = client_as("seller")
    code = seller.error_code(PRODUCT_UPDATE, {"id": global_id, "input": {"name": "改名"}})
    assert code == "INVALID_ID"
    assert Product.objects.get().name == "武功山紫米"


@pytest.mark.parametrize("global_id", bad_ids("Category") + bad_ids("Seller"))
def test_filters_refuse_ids_that_are_not_ascii_digits(anonymous, product, global_id):
    field = "category" if "Category" in base64.b64decode(global_id).decode() else "seller"
    query = f"query($id: ID) {{ products(first: 5, filter: {{{field}: $id}}) {{ totalCount }} }}"
    assert anonymous.error_code(query, {"id": global_id}) == "INVALID_ID"


def test_the_unicode_digit_one_does_not_resolve_to_product_one(anonymous, product):
    arabic_one = to_global_id("Product", "١" * len(str(product.pk)))
    status, body = anonymous.post(
        "query($id: ID!) { product(id: $id) { name } }", {"id": arabic_one}
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ID"
    assert body["data"] == {"product": None}


def cursor(*values):
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode()


@pytest.mark.parametrize(
    ("sort", "after"),
    [
        ("", cursor("武功山紫米", "١")),
        ("", cursor("武功山紫米", "99999999999999999999999")),
        ("", cursor("a\x00", "1")),
        ("", cursor("武功山紫米", 1)),
        ("", cursor(None, "1")),
        ("", base64.urlsafe_b64encode(b"[" * 50_000).decode()),
        ("sortBy: {field: PRICE}", cursor("８８.00", "1")),
        ("sortBy: {field: PRICE}", cursor("1e999999", "1")),
        ("sortBy: {field: CREATED_AT}", cursor("２０２６-01-01T00:00:00", "1")),
    ],
)
def test_a_cursor_with_malformed_values_is_invalid_cursor(anonymous, product, sort, after):
    query = f"query($after: String) {{ products(first: 5, after: $after {sort}) {{ totalCount }} }}"
    if sort:
        query = query.replace(f"$after {sort}", f"$after, {sort}")
    assert anonymous.error_code(query, {"after": after}) == "INVALID_CURSOR"


def test_a_cursor_the_api_wrote_still_pages_on(anonymous, product, seller, seller_user, category):
    from catalog import services

    services.create_product(
        actor=seller_user, seller=seller, category=category, name="茶叶", is_published=True
    )
    query = "query($after: String) { products(first: 1, after: $after) { edges { node { name } } pageInfo { endCursor } } }"
    first = anonymous.execute(query)["products"]
    second = anonymous.execute(query, {"after": first["pageInfo"]["endCursor"]})["products"]
    assert [e["node"]["name"] for e in first["edges"] + second["edges"]] == ["武功山紫米", "茶叶"]


@pytest.mark.parametrize(
    "value", ["NaN", "nan", "Infinity", "-Infinity", "sNaN", "1e999999", "1" * 40]
)
def test_a_non_finite_or_enormous_price_filter_is_a_coded_error(anonymous, product, value):
    literal = f'{{ products(first: 5, filter: {{price: {{gte: "{value}"}}}}) {{ totalCount }} }}'
    assert anonymous.error_code(literal) == "GRAPHQL_VALIDATION_FAILED"
    variable = (
        "query($p: Decimal) { products(first: 5, filter: {price: {lte: $p}}) { totalCount } }"
    )
    assert anonymous.error_code(variable, {"p": value}) == "GRAPHQL_VALIDATION_FAILED"


def test_a_json_number_is_read_as_the_decimal_it_shows(anonymous, product):
    query = "query($p: Decimal) { products(first: 5, filter: {price: {lte: $p}}) { totalCount } }"
    assert anonymous.execute(query, {"p": 88.0})["products"]["totalCount"] == 1
    assert anonymous.execute(query, {"p": 87.99})["products"]["totalCount"] == 0


@pytest.mark.parametrize(
    ("given", "answered"), [("1E+2", "100.00"), ("19.9", "19.90"), ("5", "5.00")]
)
def test_prices_are_stored_and_answered_with_two_decimals(client_as, product, given, answered):
    variant = {"product": gid(product), "sku": "ZM-1KG", "name": "1 kg", "netWeightGrams": 1000}
    result = payload(client_as("seller"), VARIANT_CREATE, {"input": {**variant, "price": given}})
    assert result["errors"] == []
    assert result["variant"]["price"]["amount"] == answered
    listed = client_as("anonymous").execute(
        "{ products(first: 1) { edges { node { variants { sku price { amount } } } } } }"
    )
    prices = {
        v["sku"]: v["price"]["amount"] for v in listed["products"]["edges"][0]["node"]["variants"]
    }
    assert prices["ZM-1KG"] == answered


@pytest.mark.parametrize(
    "query",
    [
        "{ products(first: 1) { edges { node { thumbnail(size: null) { url } } } } }",
        "{ products(first: 1) { edges { node { thumbnail(format: null) { url } } } } }",
        "{ products(first: 1) { edges { node { images { thumbnail(size: null) { url } } } } } }",
        "{ products(first: 1, sortBy: {field: NAME, direction: null}) { totalCount } }",
        "{ sellers(first: 1, sortBy: {field: NAME, direction: null}) { totalCount } }",
    ],
)
def test_an_explicit_null_for_a_defaulted_argument_is_a_coded_error(anonymous, product, query):
    assert anonymous.error_code(query) == "GRAPHQL_VALIDATION_FAILED"


def test_a_null_variable_for_a_defaulted_argument_is_a_coded_error(anonymous, product):
    query = (
        "query($s: Int) { products(first: 1) { edges { node { thumbnail(size: $s) { url } } } } }"
    )
    assert anonymous.error_code(query, {"s": None}) == "GRAPHQL_VALIDATION_FAILED"


def test_every_defaulted_argument_and_input_field_is_non_null():
    """Otherwise an explicit null overrides the default and reaches the resolver
    (a default of null is no default)."""
    nullable = []
    for type_ in schema.graphql_schema.type_map.values():
        if type_.name.startswith("__"):
            continue
        for name, field in (getattr(type_, "fields", None) or {}).items():
            for argument_name, argument in (getattr(field, "args", None) or {}).items():
                if argument.default_value not in (Undefined, None) and not isinstance(
                    argument.type, GraphQLNonNull
                ):
                    nullable.append(f"{type_.name}.{name}({argument_name})")
            default = getattr(field, "default_value", Undefined)
            if default not in (Undefined, None) and not isinstance(field.type, GraphQLNonNull):
                nullable.append(f"{type_.name}.{name}")
    assert nullable == []


def test_the_length_checked_is_the_length_stored(client_as, product):
    seller = client_as("seller")
    result = payload(
        seller, PRODUCT_UPDATE, {"id": gid(product), "input": {"storage": " " + "c" * 200}}
    )
    assert result["errors"] == []
    product.refresh_from_db()
    assert product.storage == "c" * 200
    result = payload(seller, PRODUCT_UPDATE, {"id": gid(product), "input": {"storage": "c" * 201}})
    assert result["errors"] == [{"field": "storage", "code": "INVALID"}]
    product.refresh_from_db()
    assert product.storage == "c" * 200

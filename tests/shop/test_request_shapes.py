"""Malformed GraphQL-over-HTTP requests: a 4xx with a coded error, never a 500."""

import io
import json
import re

import pytest
from django.test import Client

from shop.core import notifications
from tests.helpers.api import GraphQLClient


def post(body, content_type="application/json", **headers):
    response = Client(HTTP_HOST="127.0.0.1").post(
        "/graphql/", body, content_type=content_type, **headers
    )
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def code_of(body):
    [error] = body["errors"]
    assert error["message"]
    return error["extensions"]["code"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        '{"query": 123}',
        '{"query": ["{ __typename }"]}',
        '[{"query": "{ __typename }"}]',
        "{}",
        '"{ __typename }"',
        "123",
        "null",
        '{"query": "{ __typename }", "variables": []}',
        '{"query": "{ __typename }", "variables": 5}',
        '{"query": "{ __typename }", "variables": true}',
        '{"query": "{ __typename }", "variables": "[1, 2]"}',
        '{"query": "{ __typename }", "variables": "not json"}',
        '{"query": "{ __typename }", "operationName": 7}',
        "{not json",
    ],
)
def test_a_malformed_json_request_is_a_bad_request(body):
    status, answer = post(body)
    assert status == 400
    assert code_of(answer) == "BAD_REQUEST"


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [100_000, 2_000])
def test_variables_nested_beyond_reason_are_a_bad_request(depth):
    nested = "[" * depth + "]" * depth
    body = '{"query": "query($v: String) { __typename }", "variables": {"v": ' + nested + "}}"
    status, answer = post(body)
    assert status == 400
    assert code_of(answer) in {"BAD_REQUEST", "GRAPHQL_VALIDATION_FAILED"}


@pytest.mark.django_db
def test_variables_given_as_a_json_string_still_work():
    body = json.dumps(
        {"query": "query($n: Int) { products(first: $n) { totalCount } }", "variables": '{"n": 1}'}
    )
    status, answer = post(body)
    assert (status, answer) == (200, {"data": {"products": {"totalCount": 0}}})


@pytest.mark.django_db
def test_an_application_graphql_body_that_is_not_utf8_is_a_bad_request():
    status, answer = post(b"{ __typename \xff\xfe }", content_type="application/graphql")
    assert status == 400 and code_of(answer) == "BAD_REQUEST"
    status, answer = post(b"{ __typename }", content_type="application/graphql")
    assert (status, answer) == (200, {"data": {"__typename": "Query"}})


@pytest.mark.django_db
def test_a_json_body_that_is_not_utf8_is_a_bad_request():
    status, answer = post(b'{"query": "{ __typename \xff }"}')
    assert status == 400 and code_of(answer) == "BAD_REQUEST"


@pytest.mark.django_db
@pytest.mark.parametrize("operations", ["[]", '"{ __typename }"', "null", "5", "{broken"])
def test_multipart_operations_that_are_not_an_object_are_a_bad_request(seller_user, operations):
    client = GraphQLClient(seller_user)
    response = client.client.post(
        "/graphql/",
        {"operations": operations, "map": "{}", "0": io.BytesIO(b"x")},
        **client.headers,
    )
    assert response.status_code == 400
    assert code_of(response.json()) == "BAD_REQUEST"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "file_map", ['{"0": "variables.f"}', '{"0": [5]}', "[]", '{"0": ["nowhere.x.y"]}']
)
def test_a_malformed_multipart_map_is_a_bad_request(seller_user, file_map):
    client = GraphQLClient(seller_user)
    operations = json.dumps({"query": "{ __typename }", "variables": {"f": None}})
    response = client.client.post(
        "/graphql/",
        {"operations": operations, "map": file_map, "0": io.BytesIO(b"x")},
        **client.headers,
    )
    assert response.status_code == 400
    assert code_of(response.json()) == "BAD_REQUEST"


NUL_QUERIES = [
    ('{ products(first: 1, filter: {search: "紫\\u0000米"}) { totalCount } }', None),
    ('{ product(slug: "a\\u0000b") { id } }', None),
    ('{ seller(slug: "\\u0000") { id } }', None),
    (
        "query($s: String) { products(first: 1, filter: {search: $s}) { totalCount } }",
        {"s": "a\x00"},
    ),
    ("query($c: String) { products(first: 1, after: $c) { totalCount } }", {"c": "\x00"}),
    ('mutation { tokenCreate(login: "a\\u0000@example.cn", password: "x") { token } }', None),
    (
        "mutation($i: AccountRegisterInput!) { accountRegister(input: $i) { user { id } } }",
        {"i": {"phone": "13800138009", "password": "long-enough-password", "name": "李\x00四"}},
    ),
    ("query($v: String) { __typename }", {"v\x00": "key with a NUL"}),
    (
        "mutation($i: AccountRegisterInput!) { accountRegister(input: $i) { user { id } } }",
        {"i": {"phone": "13800138009", "password": "long-enough-password", "name": "\ud800"}},
    ),
]


@pytest.mark.django_db
def test_a_lone_surrogate_escape_in_the_query_text_is_a_parse_error():
    status, body = GraphQLClient().post(
        '{ products(first: 1, filter: {search: "\\ud800"}) { totalCount } }'
    )
    assert status == 400
    assert [e["extensions"]["code"] for e in body["errors"]] == ["GRAPHQL_PARSE_FAILED"]


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "variables"), NUL_QUERIES)
def test_a_nul_character_anywhere_in_the_input_is_refused_with_a_code(query, variables):
    from shop.accounts.models import User

    before = User.objects.count()
    status, body = GraphQLClient().post(query, variables)
    assert status == 400
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_ARGUMENT"]
    assert "NUL" in body["errors"][0]["message"] or "surrogate" in body["errors"][0]["message"]
    assert User.objects.count() == before


@pytest.mark.django_db
def test_a_nul_in_a_product_input_is_refused_before_any_write(seller_user, seller, category):
    from graphql_relay import to_global_id

    from catalog.models import Product

    query = """mutation($input: ProductCreateInput!) {
      productCreate(input: $input) { product { id } errors { code } } }"""
    for field in ("name", "nameEn", "description", "origin", "storage"):
        variables = {
            "input": {
                "seller": to_global_id("Seller", seller.pk),
                "category": to_global_id("Category", category.pk),
                "name": "紫米",
                field: "紫\x00米",
            }
        }
        status, body = GraphQLClient(seller_user).post(query, variables)
        assert status == 400 and body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"
    assert Product.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "ok"), [(" " + "名" * 100 + " ", True), ("名" * 101, False)])
def test_a_registered_name_is_checked_at_the_length_it_is_stored(name, ok):
    from shop.accounts.models import User
    from shop.accounts.registration import confirm_registration

    query = """mutation($i: AccountRegisterInput!) {
      accountRegister(input: $i) { login errors { field code } } }"""
    variables = {"i": {"phone": "13800138009", "password": "long-enough-password", "name": name}}
    result = GraphQLClient().execute(query, variables)["accountRegister"]
    if ok:
        assert result == {"login": "+8613800138009", "errors": []}
        code = re.search(r"\b(\d{6})\b", notifications.outbox[-1].text).group(1)
        assert confirm_registration(login=result["login"], code=code).name == "名" * 100
    else:
        assert result == {"login": None, "errors": [{"field": "name", "code": "INVALID"}]}
    assert User.objects.count() == (1 if ok else 0)


@pytest.mark.django_db
def test_a_body_past_djangos_memory_limit_is_request_too_large(settings):
    """Whichever of the two limits is lower refuses the body with the same code."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = json.dumps({"query": "{ __typename }", "variables": {"pad": "x" * 5_000}})
    status, answer = post(body)
    assert status == 413
    assert code_of(answer) == "REQUEST_TOO_LARGE"

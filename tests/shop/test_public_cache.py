"""Anonymous queries are served from a cache that every catalogue write invalidates."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services
from shop.core import notifications
from shop.core.api import public_cache
from tests.helpers.api import GraphQLClient

LIST = "{ products(first: 10) { edges { node { name variants { stockQuantity } } } } }"


def _run_counting_queries(client, query):
    with CaptureQueriesContext(connection) as queries:
        data = client.execute(query)
    return data, len(queries)


def test_a_repeated_anonymous_query_costs_no_sql(product):
    anonymous = GraphQLClient()
    first, first_cost = _run_counting_queries(anonymous, LIST)
    again, again_cost = _run_counting_queries(anonymous, LIST)
    assert first_cost > 0
    assert again_cost == 0
    assert again == first


def test_product_changes_and_selling_out_reach_anonymous_readers_at_once(
    product, seller_user, django_capture_on_commit_callbacks
):
    anonymous = GraphQLClient()
    anonymous.execute(LIST)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_product(actor=seller_user, product=product, name="武功山有机紫米")
    renamed = anonymous.execute(LIST)["products"]["edges"][0]["node"]
    assert renamed["name"] == "武功山有机紫米"

    with django_capture_on_commit_callbacks(execute=True):
        services.update_stock(actor=seller_user, variant=product.variants.get(), delta=-10)
    sold_out = anonymous.execute(LIST)["products"]["edges"][0]["node"]
    assert sold_out["variants"] == [{"stockQuantity": 0}]


def test_signed_in_users_bypass_the_cache(product, seller_user):
    services.update_product(actor=seller_user, product=product, is_published=False)
    anonymous = GraphQLClient()
    member = GraphQLClient(seller_user)
    assert anonymous.execute(LIST)["products"]["edges"] == []
    assert len(member.execute(LIST)["products"]["edges"]) == 1
    assert anonymous.execute(LIST)["products"]["edges"] == []


def cached_response(query, language="zh-hans"):
    """What the public response cache holds for this anonymous query, or None."""
    return public_cache.get(public_cache.cache_key(query, {}, None, language))


def test_a_successful_anonymous_response_is_what_the_cache_holds(product):
    body = GraphQLClient().client.post(
        "/graphql/", {"query": LIST, "variables": {}}, content_type="application/json"
    )
    assert cached_response(LIST) == body.content.decode()


def test_responses_with_errors_are_not_cached(product):
    anonymous = GraphQLClient()
    query = "{ products(first: 1000) { edges { node { name } } } }"
    for _ in range(2):
        assert anonymous.error_code(query) == "INVALID_ARGUMENT"
        assert cached_response(query) is None


@pytest.mark.django_db
def test_mutations_are_never_cached():
    anonymous = GraphQLClient()
    mutation = """mutation { accountRegister(input: {phone: "13800138077",
      password: "long-enough-password"}) { sentTo errors { code } } }"""
    first = anonymous.execute(mutation)["accountRegister"]
    second = anonymous.execute(mutation)["accountRegister"]
    assert first == second == {"sentTo": "138****8077", "errors": []}
    assert len(notifications.outbox) == 2  # each one ran: two codes sent
    assert cached_response(mutation) is None

"""Anonymous queries are served from a cache that every catalogue write invalidates."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services
from tests.conftest import GraphQLClient

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


def test_product_and_stock_changes_reach_anonymous_readers_at_once(product):
    anonymous = GraphQLClient()
    anonymous.execute(LIST)
    services.update_product(product, name="武功山有机紫米")
    renamed = anonymous.execute(LIST)["products"]["edges"][0]["node"]
    assert renamed["name"] == "武功山有机紫米"

    services.update_stock(product.variants.get(), delta=-3)
    restocked = anonymous.execute(LIST)["products"]["edges"][0]["node"]
    assert restocked["variants"] == [{"stockQuantity": 7}]


def test_signed_in_users_bypass_the_cache(product, seller_user):
    services.update_product(product, is_published=False)
    anonymous = GraphQLClient()
    member = GraphQLClient(seller_user)
    assert anonymous.execute(LIST)["products"]["edges"] == []
    assert len(member.execute(LIST)["products"]["edges"]) == 1
    assert anonymous.execute(LIST)["products"]["edges"] == []


def test_responses_with_errors_are_not_cached(product):
    anonymous = GraphQLClient()
    query = "{ products(first: 1000) { edges { node { name } } } }"
    assert anonymous.error_code(query) == "INVALID_ARGUMENT"
    with CaptureQueriesContext(connection):
        assert anonymous.error_code(query) == "INVALID_ARGUMENT"


@pytest.mark.django_db
def test_mutations_are_never_cached():
    anonymous = GraphQLClient()
    mutation = 'mutation { tokenRefresh(refreshToken: "x") { errors { code } } }'
    for _ in range(2):
        data = anonymous.execute(mutation)
        assert data["tokenRefresh"]["errors"] == [{"code": "INVALID_TOKEN"}]

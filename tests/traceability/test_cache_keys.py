"""Threat: a script fills the shared cache with copies of one answer by varying
what does not change it (`?geo=junk1…`, `?utm=…`, unused GraphQL variables):
20,000 such requests once grew Redis from 1.9 MB to 162 MB. Property: only
what changes an answer makes a new cache entry, and the answer is made as if
nothing else were asked."""

import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.helpers.events import harvest

PRODUCTS = "query($first: Int!) { products(first: $first) { edges { node { name } } } }"


def entries(namespace):
    """How many entries of `namespace` the shared cache holds."""
    backend = cache._cache
    if hasattr(backend, "get_client"):
        client = backend.get_client()
        # Only this test process's keys: the other xdist workers share the Redis database.
        mine = cache.make_key("")
        return sum(1 for _key in client.scan_iter(match=f"{mine}*{namespace}:*"))
    return sum(1 for key in backend if f"{namespace}:" in key)


@pytest.fixture
def visitor():
    return Client(HTTP_HOST="127.0.0.1")


def test_junk_places_make_no_new_provenance_entries(visitor, seller_user, batch):
    harvest(seller_user, batch)
    for n in range(30):
        response = visitor.get(f"/t/{batch.code}?geo=junk{n}&x={n}")
        assert response.status_code == 200
        assert f"junk{n}" not in response.content.decode()
    assert entries("provenance") == 1
    shared = visitor.get(f"/t/{batch.code}?geo=360101").content.decode()
    assert visitor.get(f"/t/{batch.code}?geo=360102").content.decode() == shared
    assert "360101" not in shared  # made for the province, not the city it named
    assert entries("provenance") == 2  # a real place is an answer of its own


def test_junk_query_parameters_make_no_new_page_entries(visitor, product):
    page = reverse("storefront:product", args=[product.slug])
    for n in range(30):
        response = visitor.get(f"{page}?utm_source=junk{n}&from=singlemessage")
        assert response.status_code == 200
        assert f"junk{n}" not in response.content.decode()  # not even in the language link
    assert entries("public-page") == 1
    visitor.get(reverse("storefront:search") + "?q=米&sort=price&junk=1")
    visitor.get(reverse("storefront:search") + "?sort=price&q=米&junk=2")
    assert entries("public-page") == 2  # the search's own words count, in any order


def test_unused_graphql_variables_make_no_new_entries(visitor, product):
    for n in range(30):
        variables = {"first": 5, f"junk{n}": n}
        body = json.dumps({"query": PRODUCTS, "variables": variables})
        response = visitor.post("/graphql/", body, content_type="application/json")
        assert response.json()["data"]["products"]["edges"] == [{"node": {"name": product.name}}]
    assert entries("public-graphql") == 1
    body = json.dumps({"query": PRODUCTS, "variables": {"first": 1}})
    visitor.post("/graphql/", body, content_type="application/json")
    assert entries("public-graphql") == 2

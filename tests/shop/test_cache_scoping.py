"""The public response cache is invalidated by the services after commit, and only
for what a change can show: one product's stock or name leaves other products'
cached responses alone, and stock that neither sells out nor comes back lags
at most PUBLIC_CACHE_SECONDS, while checkout-style writes see the true stock."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.errors import CatalogErrorCode
from shop.core import cache_tags
from shop.core.errors import DomainError
from tests.helpers.api import GraphQLClient
from tests.helpers.ids import gid

ONE = """query ($id: ID!) { product(id: $id) { name variants { stockQuantity } } }"""
LIST = "{ products(first: 10) { edges { node { name } } } }"


@pytest.fixture
def second_product(seller, seller_user, category):
    product = services.create_product(
        actor=seller_user, seller=seller, category=category, name="武功山红米", is_published=True
    )
    services.create_variant(
        actor=seller_user,
        product=product,
        sku="HM-5KG",
        name="5 kg bag",
        net_weight_grams=5000,
        price="66.00",
        stock_quantity=4,
    )
    return product


def _sql_count(client, query, variables=None):
    with CaptureQueriesContext(connection) as queries:
        data = client.execute(query, variables)
    return data, len(queries)


def _stock(product, client=None):
    data = (client or GraphQLClient()).execute(ONE, {"id": gid(product)})
    return data["product"]["variants"][0]["stockQuantity"]


def test_a_change_to_one_product_leaves_the_others_cached(
    product, second_product, seller_user, django_capture_on_commit_callbacks
):
    anonymous = GraphQLClient()
    anonymous.execute(ONE, {"id": gid(product)})
    anonymous.execute(ONE, {"id": gid(second_product)})
    with django_capture_on_commit_callbacks(execute=True):
        services.update_product(actor=seller_user, product=second_product, name="武功山黑米")

    untouched, cost = _sql_count(anonymous, ONE, {"id": gid(product)})
    assert cost == 0
    assert untouched["product"]["name"] == "武功山紫米"
    renamed, cost = _sql_count(anonymous, ONE, {"id": gid(second_product)})
    assert cost > 0
    assert renamed["product"]["name"] == "武功山黑米"


def test_stock_that_stays_available_lags_at_most_the_cache_lifetime(
    product, seller_user, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_CACHE_SECONDS = 1
    variant = product.variants.get()
    assert _stock(product) == 10
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.update_stock(actor=seller_user, variant=variant, delta=-3)
    assert callbacks == []  # nothing to make stale: still available
    assert _stock(product) == 10
    time.sleep(1.1)
    assert _stock(product) == 7


def test_a_variant_that_sells_out_or_comes_back_shows_at_once(
    product, seller_user, django_capture_on_commit_callbacks
):
    variant = product.variants.get()
    assert _stock(product) == 10
    with django_capture_on_commit_callbacks(execute=True):
        services.update_stock(actor=seller_user, variant=variant, delta=-10)
    assert _stock(product) == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.update_stock(actor=seller_user, variant=variant, quantity=2)
    assert _stock(product) == 2


def test_a_purchase_sees_the_true_stock_whatever_the_cache_shows(
    product, seller_user, django_capture_on_commit_callbacks
):
    variant = product.variants.get()
    assert _stock(product) == 10
    with django_capture_on_commit_callbacks(execute=True):
        services.update_stock(actor=seller_user, variant=variant, delta=-8)
    assert _stock(product) == 10  # cached, within PUBLIC_CACHE_SECONDS
    with pytest.raises(DomainError) as refused:
        services.update_stock(actor=seller_user, variant=variant, delta=-3)
    assert refused.value.code == CatalogErrorCode.INSUFFICIENT_STOCK
    variant.refresh_from_db()
    assert variant.stock_quantity == 2


def test_publishing_a_product_refreshes_the_lists(
    product, second_product, seller_user, django_capture_on_commit_callbacks
):
    anonymous = GraphQLClient()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_product(actor=seller_user, product=second_product, is_published=False)
    assert [e["node"]["name"] for e in anonymous.execute(LIST)["products"]["edges"]] == [
        "武功山紫米"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.update_product(actor=seller_user, product=second_product, is_published=True)
    names = [e["node"]["name"] for e in anonymous.execute(LIST)["products"]["edges"]]
    assert names == ["武功山紫米", "武功山红米"]


def test_invalidation_waits_for_the_commit(
    product, seller_user, django_capture_on_commit_callbacks
):
    anonymous = GraphQLClient()
    anonymous.execute(ONE, {"id": gid(product)})
    with django_capture_on_commit_callbacks(execute=False) as pending:
        services.update_product(actor=seller_user, product=product, name="改名未提交")
        _, cost = _sql_count(anonymous, ONE, {"id": gid(product)})
        assert cost == 0  # not committed yet: nothing was bumped
    assert len(pending) == 1
    pending[0]()
    assert anonymous.execute(ONE, {"id": gid(product)})["product"]["name"] == "改名未提交"


def test_a_response_is_not_stored_when_what_it_shows_changed_meanwhile(product, monkeypatch):
    """A write committed while the response was computed: storing it would keep
    the old rows until the entry expired."""
    real_versions = cache_tags.versions

    def bumped_while_resolving(tags):
        tags = list(tags)
        cache_tags.bump(tags)
        return real_versions(tags)

    monkeypatch.setattr(cache_tags, "versions", bumped_while_resolving)
    anonymous = GraphQLClient()
    anonymous.execute(ONE, {"id": gid(product)})
    monkeypatch.setattr(cache_tags, "versions", real_versions)
    _, cost = _sql_count(anonymous, ONE, {"id": gid(product)})
    assert cost > 0

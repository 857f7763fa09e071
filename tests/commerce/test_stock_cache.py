"""Orders follow the cache rules: a purchase that sells a variant out shows at
once in cached answers; one that leaves stock bumps nothing, and no purchase
flushes what is cached about other products."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.checkout import services as checkout
from tests.helpers.api import GraphQLClient

HOME = {"recipient": "李华", "address": "芦溪县宣风镇 8 号", "division_code": "360323100000"}


def product_query(slug):
    return f'{{ product(slug: "{slug}") {{ name variants {{ stockQuantity }} }} }}'


def costs(client, query):
    with CaptureQueriesContext(connection) as queries:
        data = client.execute(query)
    return data, len(queries)


def buy(customer, variant, quantity):
    basket = checkout.create_checkout(actor=customer, lines=[(variant, quantity)])
    basket = checkout.set_delivery(actor=customer, checkout=basket, **HOME)
    checkout.complete(actor=customer, checkout=basket, gateway="test")


def test_selling_out_shows_at_once_and_other_products_stay_cached(
    customer, rice, kiwi, django_capture_on_commit_callbacks
):
    anonymous = GraphQLClient()
    rice_query, kiwi_query = product_query(rice.product.slug), product_query(kiwi.product.slug)
    anonymous.execute(rice_query)
    anonymous.execute(kiwi_query)

    with django_capture_on_commit_callbacks(execute=True):
        buy(customer, kiwi, 2)  # 3 of 5 left: nothing bumped
    kept, cost = costs(anonymous, kiwi_query)
    assert cost == 0 and kept["product"]["variants"] == [{"stockQuantity": 5}]

    with django_capture_on_commit_callbacks(execute=True):
        buy(customer, kiwi, 3)  # the last three: sold out
    sold_out, cost = costs(anonymous, kiwi_query)
    assert cost > 0 and sold_out["product"]["variants"] == [{"stockQuantity": 0}]
    _rice, rice_cost = costs(anonymous, rice_query)
    assert rice_cost == 0

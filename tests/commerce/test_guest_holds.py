"""A stranger scripting guest carts cannot keep the stock held: a guest's
cart holds it for less time than a buyer's, and the holds guest carts take
are counted per client network; past the limit a guest is refused with a
code and nothing is held, while signed-in buyers are not counted."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from shop.checkout import services as checkout
from shop.checkout.errors import CheckoutErrorCode
from shop.checkout.models import Checkout, Reservation
from shop.core.errors import DomainError
from tests.commerce.api import CREATE, line

NETWORK = "203.0.113.0/24"


@pytest.fixture
def two_holds(settings):
    settings.CHECKOUT_GUEST_HOLDS_PER_NETWORK = 2


def test_a_guest_cart_holds_stock_for_less_time_than_a_buyers(settings, customer, rice):
    settings.RESERVATION_MINUTES, settings.RESERVATION_MINUTES_GUEST = 15, 5
    guest = checkout.create_checkout(actor=AnonymousUser(), lines=[(rice, 1)])
    buyer = checkout.create_checkout(actor=customer, lines=[(rice, 1)])
    now = timezone.now()
    held = {
        r.line.checkout_id: r.expires_at - now for r in Reservation.objects.select_related("line")
    }
    assert timedelta(minutes=4) < held[guest.pk] <= timedelta(minutes=5)
    assert timedelta(minutes=14) < held[buyer.pk] <= timedelta(minutes=15)


def test_guest_holds_from_one_network_are_limited(two_holds, customer, rice, kiwi):
    first = checkout.create_checkout(actor=AnonymousUser(), lines=[(rice, 1)], network=NETWORK)
    checkout.add_lines(actor=AnonymousUser(), checkout=first, lines=[(kiwi, 1)], network=NETWORK)
    with pytest.raises(DomainError) as refused:
        checkout.create_checkout(actor=AnonymousUser(), lines=[(rice, 1)], network=NETWORK)
    assert refused.value.code == CheckoutErrorCode.TOO_MANY_HOLDS
    assert Checkout.objects.count() == 1 and Reservation.objects.count() == 2
    # Another network, and a signed-in buyer on this one, are not counted.
    checkout.create_checkout(actor=AnonymousUser(), lines=[(rice, 1)], network="198.51.100.0/24")
    checkout.create_checkout(actor=customer, lines=[(rice, 1)], network=NETWORK)
    assert Reservation.objects.count() == 4


def test_the_api_counts_a_guests_holds_by_their_network(two_holds, gql, rice):
    guest = gql()
    for _ in range(2):
        guest.execute(CREATE, {"input": {"lines": [line(rice, 1)]}})
    refused = guest.execute(CREATE, {"input": {"lines": [line(rice, 1)]}})["checkoutCreate"]
    assert refused["errors"][0]["code"] == "TOO_MANY_HOLDS" and refused["checkout"] is None
    assert Checkout.objects.count() == 2

"""More buyers than units, at once, over real HTTP on PostgreSQL: each buyer
(a thread with its own HTTP client) creates a checkout for one unit, chooses a
delivery and completes it with the test gateway against a live threaded server.
Exactly as many orders as units, stock exactly 0, no 5xx; the others are told
INSUFFICIENT_STOCK, when they create their checkout or when they complete it."""

import pytest
import requests

from catalog import services as catalog_services
from catalog.models import ProductVariant
from shop.orders.models import Order
from tests.commerce.api import COMPLETE, CREATE, DELIVERY, HOME, line
from tests.helpers.services import require_postgresql, run_at_once

UNITS = 7
BUYERS = 24


def _post(session, url, query, variables):
    response = session.post(url, json={"query": query, "variables": variables}, timeout=60)
    assert response.status_code < 500, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def _buy(url, variant_line):
    """One buyer's whole purchase; the error codes that stopped it, or the order number."""
    with requests.Session() as session:
        created = _post(
            session, url, CREATE, {"input": {"lines": [variant_line], "phone": "13900139000"}}
        )
        payload = created["checkoutCreate"]
        if payload["errors"]:
            return [e["code"] for e in payload["errors"]]
        token = payload["checkout"]["token"]
        delivered = _post(session, url, DELIVERY, {"token": token, "address": HOME})
        assert delivered["checkoutDeliveryMethodUpdate"]["errors"] == []
        done = _post(session, url, COMPLETE, {"token": token, "gateway": "test"})
        payload = done["checkoutComplete"]
        if payload["errors"]:
            return [e["code"] for e in payload["errors"]]
        assert payload["payment"]["status"] == "SUCCEEDED", payload
        return payload["order"]["number"]


@pytest.mark.parametrize(
    "hold_minutes",
    [15, 0],
    ids=["decided-by-reservations", "decided-at-completion"],
)
def test_more_buyers_than_units_make_exactly_as_many_orders(
    live_server, ledger_emptied, settings, seller_user, rice, hold_minutes
):
    """With holds of 0 minutes every buyer gets a checkout, and completion's
    row locks alone must stop the oversell."""
    require_postgresql()
    settings.RESERVATION_MINUTES = settings.RESERVATION_MINUTES_GUEST = hold_minutes
    catalog_services.update_stock(actor=seller_user, variant=rice, quantity=UNITS)
    url = f"{live_server.url}/graphql/"
    wanted = line(rice, 1)
    results = run_at_once(lambda: _buy(url, wanted), BUYERS, timeout=120)
    orders = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if not isinstance(r, int)]
    assert len(orders) == len(set(orders)) == UNITS
    assert refused == [["INSUFFICIENT_STOCK"]] * (BUYERS - UNITS)
    assert Order.objects.count() == UNITS
    assert ProductVariant.objects.get(pk=rice.pk).stock_quantity == 0

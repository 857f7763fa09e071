"""Fixtures of the commerce tests: two sellers' variants with stock and batches."""

import datetime
from decimal import Decimal

import pytest

from catalog import services as catalog_services
from tests.helpers.batches import FARM
from traceability.services import batches as batch_services


@pytest.fixture
def rice(product):
    """Seller A's (a cooperative in Jiangxi) 5 kg bag at ¥88.00, 10 in stock."""
    return product.variants.get()


@pytest.fixture
def kiwi(other_seller, other_seller_user, category):
    """Seller B's (an enterprise in Sichuan) 3 kg box at ¥59.00, 5 in stock."""
    product = catalog_services.create_product(
        actor=other_seller_user,
        seller=other_seller,
        category=category,
        name="红心猕猴桃",
        is_published=True,
    )
    return catalog_services.create_variant(
        actor=other_seller_user,
        product=product,
        sku="MHT-3KG",
        name="3 kg box",
        net_weight_grams=3000,
        price="59.00",
        stock_quantity=5,
    )


def _batch(user, variant, lot, best_before, quantity):
    farm = variant.seller.farms.first() or catalog_services.create_farm(
        actor=user, seller=variant.seller, name="田", **FARM
    )
    return batch_services.create_batch(
        actor=user,
        variant=variant,
        farm=farm,
        lot=lot,
        harvest_date=datetime.date(2026, 10, 1),
        best_before=best_before,
        quantity=Decimal(quantity),
        unit="kg",
    )


@pytest.fixture
def rice_batches(seller_user, rice):
    """An old batch with room for 2 bags (10 kg), a newer one with room for 100 bags."""
    old = _batch(seller_user, rice, "OLD1", datetime.date(2027, 3, 1), "10")
    new = _batch(seller_user, rice, "NEW1", datetime.date(2027, 9, 1), "500")
    return old, new


@pytest.fixture
def kiwi_batch(other_seller_user, kiwi):
    return _batch(other_seller_user, kiwi, "K1", datetime.date(2027, 1, 1), "60")


@pytest.fixture(scope="session")
def stripe_server():
    """localstripe on 127.0.0.1 (or the server `STRIPE_API_BASE` names)."""
    from tests.helpers.localstripe import stripe_endpoint

    with stripe_endpoint() as started:
        yield started


@pytest.fixture
def with_stripe(settings, stripe_server):
    settings.STRIPE_SECRET_KEY = stripe_server.secret_key
    settings.STRIPE_API_BASE = stripe_server.api_base
    settings.STRIPE_WEBHOOK_SECRET = "whsec_tests_0123456789"
    settings.PAYMENT_GATEWAYS = ["test", "cash", "stripe"]
    return stripe_server


@pytest.fixture(autouse=True)
def _flushable_books(request, django_db_setup, django_db_blocker):
    """SQLite empties tables between transactional tests with DELETE, which the
    ledger's append-only triggers refuse (PostgreSQL truncates): drop them for
    that flush, and put them back before every test."""
    from django.db import connection

    from tests.helpers.ledger import create_triggers, drop_triggers

    if connection.vendor != "sqlite":
        yield
        return
    with django_db_blocker.unblock():
        drop_triggers()
        create_triggers()
    yield
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        with django_db_blocker.unblock():
            drop_triggers()

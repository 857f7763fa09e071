"""Fixtures of the commerce tests: two sellers' variants with stock and batches."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.db import connection

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


@pytest.fixture
def deletable_ledger_rows(transactional_db):
    """Django empties the tables after a transactional test with DELETE (SQLite;
    PostgreSQL truncates), which the ledger's append-only triggers refuse: the
    ledger rows go first, triggers off."""
    yield
    if connection.vendor != "sqlite":
        return
    triggers = importlib.import_module("shop.ledger.migrations.0003_balanced_and_append_only")
    with connection.cursor() as cursor:
        for statement in triggers.drop_sql("sqlite"):
            cursor.execute(statement)
        cursor.execute("DELETE FROM ledger_leg")
        cursor.execute("DELETE FROM ledger_transaction")
        for statement in triggers.create_sql("sqlite"):
            cursor.execute(statement)

"""The database facts of shop.core.db, on either database: IntegrityErrors told
apart by the name of the constraint, and the one way rows are locked."""

import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from catalog import services
from catalog.errors import CatalogErrorCode
from catalog.models import ProductVariant
from catalog.services import products
from shop.core.db import lock_all, lock_rows, violated_constraint
from shop.core.errors import DomainError
from tests.helpers.services import require_postgresql, run_at_once

GTIN = "06901234567892"
ROUNDS = 20
# What ends the locking query: SQLite has no row locks and leaves it out.
# Only the rows of the table named: rows read alongside (select_related) stay unlocked.
LOCK_CLAUSE = ' FOR UPDATE OF "catalog_productvariant"' if connection.vendor == "postgresql" else ""


def saved_twice(product, **changes):
    """Save a copy of the product's variant with `changes`; return the IntegrityError."""
    original = product.variants.get()
    copy = ProductVariant(
        product=product,
        seller_id=product.seller_id,
        sku=original.sku,
        name="copy",
        net_weight_grams=1,
        price=Decimal("1.00"),
        gtin=original.gtin,
    )
    for field, value in changes.items():
        setattr(copy, field, value)
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        copy.save()
    return raised.value


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"gtin": None}, "variant_sku_unique_per_seller"),
        ({"sku": "OTHER", "gtin": GTIN}, "variant_gtin_unique"),
        ({"sku": "OTHER", "price": Decimal("0")}, "variant_price_positive"),
        ({"sku": "OTHER", "stock_quantity": -1}, "variant_stock_not_negative"),
    ],
)
def test_the_violated_constraint_is_named(product, changes, constraint):
    ProductVariant.objects.filter(product=product).update(gtin=GTIN)
    assert violated_constraint(saved_twice(product, **changes), ProductVariant) == constraint


def test_a_lost_race_on_a_unique_value_is_reported_on_its_field(product):
    """The service's own check ran before another request saved the same GTIN."""
    ProductVariant.objects.filter(product=product).update(gtin=GTIN)
    racer = ProductVariant(
        product=product,
        seller_id=product.seller_id,
        sku="ZM-1KG",
        name="1 kg",
        net_weight_grams=1000,
        price=Decimal("19.90"),
        gtin=GTIN,
    )
    with pytest.raises(DomainError) as refused:
        products._save_variant(racer)
    assert (refused.value.code, refused.value.field) == (CatalogErrorCode.UNIQUE, "gtin")
    racer.gtin, racer.sku = None, "ZM-5KG"
    with pytest.raises(DomainError) as refused:
        products._save_variant(racer)
    assert refused.value.field == "sku"


def test_any_other_integrity_error_is_not_passed_off_as_a_duplicate(product):
    broken = product.variants.get()
    broken.pk, broken.sku, broken.price = None, "NEW", Decimal("-1")
    with pytest.raises(IntegrityError):
        products._save_variant(broken)


# --- THE locking protocol: lock_rows -------------------------------------------


@pytest.fixture
def variants(product, seller_user):
    """Four variants of the product (the fixture's and three more), by primary key."""
    for size in (1, 2, 3):
        services.create_variant(
            actor=seller_user,
            product=product,
            sku=f"ZM-{size}KG",
            name=f"{size} kg",
            price="19.90",
            net_weight_grams=size * 1000,
        )
    return list(product.variants.order_by("pk"))


def test_rows_are_locked_and_returned_in_primary_key_order(variants):
    pks = [variant.pk for variant in variants]
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        locked = lock_rows(ProductVariant, [pks[2], pks[0], pks[3], pks[0]])
    assert list(locked) == [pks[0], pks[2], pks[3]]
    assert all(isinstance(row, ProductVariant) for row in locked.values())
    [sql] = [query["sql"] for query in queries.captured_queries if "SELECT" in query["sql"]]
    assert sql.endswith('ORDER BY "catalog_productvariant"."id" ASC' + LOCK_CLAUSE)


def test_a_queryset_picks_the_columns_and_a_missing_row_is_not_found(variants):
    with transaction.atomic():
        locked = lock_rows(ProductVariant.objects.only("pk"), [variants[1].pk])
        assert locked[variants[1].pk].get_deferred_fields() >= {"sku", "price"}
        with pytest.raises(ProductVariant.DoesNotExist):
            lock_rows(ProductVariant, [variants[0].pk, 0])


def test_locking_outside_a_transaction_is_refused(transactional_db, variants):
    with pytest.raises(TransactionManagementError):
        lock_rows(ProductVariant, [variants[0].pk])


def test_overlapping_rows_locked_in_any_order_never_deadlock(transactional_db, variants):
    """Four threads list overlapping rows each in its own order, round after round;
    were the rows locked in the order listed, PostgreSQL would abort some with a
    deadlock."""
    require_postgresql("SQLite locks the whole database, never a row")
    pks = [variant.pk for variant in variants]
    orders = [pks[::-1], pks[:3], pks[:0:-1], [pks[3], pks[0], pks[2]]]
    before = dict(ProductVariant.objects.values_list("pk", "stock_quantity"))
    waiting = iter(orders)
    choosing = threading.Lock()

    def lock_and_count():
        with choosing:
            mine = next(waiting)
        for _round in range(ROUNDS):
            with transaction.atomic():
                locked = lock_rows(ProductVariant, mine)
                time.sleep(0.005)  # hold the locks while the others queue
                rows = ProductVariant.objects.filter(pk__in=mine)
                rows.update(stock_quantity=F("stock_quantity") + 1)
        return list(locked)

    results = run_at_once(lock_and_count, len(orders))
    assert sorted(results) == sorted(sorted(order) for order in orders)
    after = dict(ProductVariant.objects.values_list("pk", "stock_quantity"))
    assert after == {pk: before[pk] + ROUNDS * sum(pk in o for o in orders) for pk in pks}


def test_rows_read_alongside_are_not_locked(variants):
    """Checkout reads a variant's product and seller with it; locking them too
    would take sellers after stock, against the order of kinds."""
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        locked = lock_rows(ProductVariant.objects.select_related("product"), [variants[0].pk])
    assert locked[variants[0].pk].product.name
    [sql] = [query["sql"] for query in queries.captured_queries if "SELECT" in query["sql"]]
    assert '"catalog_product"' in sql and sql.endswith("ASC" + LOCK_CLAUSE)


def test_every_row_of_a_queryset_is_locked_in_primary_key_order(variants):
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        locked = lock_all(ProductVariant.objects.filter(pk__in=[v.pk for v in variants]))
    assert list(locked) == sorted(v.pk for v in variants)
    [sql] = [query["sql"] for query in queries.captured_queries if "SELECT" in query["sql"]]
    assert sql.endswith('ORDER BY "catalog_productvariant"."id" ASC' + LOCK_CLAUSE)


def test_locking_all_outside_a_transaction_is_refused(transactional_db, variants):
    with pytest.raises(TransactionManagementError):
        lock_all(ProductVariant.objects.all())


def test_no_service_takes_a_row_lock_but_through_the_protocol():
    """One place locks rows (`shop.core.db`), so that the order of kinds holds."""
    root = Path(__file__).resolve().parents[2]
    packages = ("shop", "catalog", "traceability", "logistics", "storefront")
    offenders = [
        str(path.relative_to(root))
        for package in packages
        for path in (root / package).rglob("*.py")
        if "select_for_update" in path.read_text(encoding="utf-8")
        and path != root / "shop" / "core" / "db.py"
    ]
    assert offenders == []

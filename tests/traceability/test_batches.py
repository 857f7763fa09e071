"""Batches, serials and photos through the services: every rule, every role,
nothing written on a refusal, and 10,000 serials in a fixed number of queries."""

import datetime
import math
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from catalog import services as catalog_services
from catalog.errors import CatalogErrorCode
from gs1 import digital_link
from shop.core.errors import DomainError, NotAllowed, RequestErrorCode
from tests.helpers.batches import HARVEST, batch_fields, snapshot
from tests.helpers.pictures import picture
from tests.helpers.services import require_postgresql, run_at_once
from traceability.errors import TraceabilityErrorCode as Code
from traceability.models import (
    BATCH_CODE_LENGTH,
    CODE_ALPHABET,
    SERIAL_CODE_LENGTH,
    Batch,
    Serial,
)
from traceability.services import batches as services

BASE = "http://127.0.0.1:8000"
GTIN = "6901234567892"


def refused(call):
    """The DomainError `call` raises, after checking that it wrote nothing."""
    before = snapshot()
    with pytest.raises(DomainError) as error:
        call()
    assert snapshot() == before
    return error.value


def errors_of(error):
    return {(e.field, e.code) for e in error.errors}


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PUBLIC_BASE_URL = BASE


def test_a_batch_keeps_what_was_harvested_with_a_random_code(batch, seller, seller_user, farm):
    stored = Batch.objects.get()
    assert stored.seller == seller and stored.farm == farm
    assert stored.lot == "ZM2026-10A" and stored.unit == "kg"
    assert stored.quantity == Decimal("1250.5") and stored.quantity_packed == 0
    assert stored.harvest_date == HARVEST and stored.best_before == datetime.date(2027, 10, 8)
    assert stored.created_by == seller_user and stored.notes == "晒干后入库"
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{{BATCH_CODE_LENGTH}}}", stored.code)
    assert not set(stored.code) & set("01OIL")
    assert stored.digital_link() == f"{BASE}/t/{stored.code}"


def test_codes_differ_from_batch_to_batch(seller_user, variant, farm):
    codes = {
        services.create_batch(
            actor=seller_user, variant=variant, farm=farm, **batch_fields(lot=f"L{i}")
        ).code
        for i in range(20)
    }
    assert len(codes) == 20


def test_with_a_gtin_the_batch_and_its_units_carry_gs1_digital_links(batch, variant, seller_user):
    catalog_services.update_variant(actor=seller_user, variant=variant, gtin=GTIN)
    batch.refresh_from_db()
    assert batch.digital_link() == f"{BASE}/01/0{GTIN}/10/ZM2026-10A"
    services.generate_serials(actor=seller_user, batch=batch, count=1)
    serial = Serial.objects.get()
    link = digital_link.parse(serial.digital_link(), prefix="")
    assert (link.gtin, link.lot, link.serial) == (f"0{GTIN}", "ZM2026-10A", serial.serial)


def test_without_a_gtin_a_unit_has_its_own_short_link(batch, seller_user):
    services.generate_serials(actor=seller_user, batch=batch, count=2)
    first, second = Serial.objects.all()
    assert first.digital_link() == f"{BASE}/t/{first.code}"
    assert first.code != second.code and len(first.code) == SERIAL_CODE_LENGTH != len(batch.code)


def test_a_lot_with_reserved_characters_is_percent_encoded_in_the_link(
    seller_user, variant, farm, settings
):
    catalog_services.update_variant(actor=seller_user, variant=variant, gtin=GTIN)
    batch = services.create_batch(
        actor=seller_user, variant=variant, farm=farm, **batch_fields(lot="ZM/26:A%1")
    )
    assert batch.digital_link() == f"{BASE}/01/0{GTIN}/10/ZM%2F26%3AA%251"
    assert digital_link.parse(batch.digital_link()).lot == "ZM/26:A%1"


@pytest.mark.parametrize(
    ("lot", "code"),
    [
        ("", Code.REQUIRED),
        ("   ", Code.REQUIRED),
        ("ZM 2026", Code.INVALID_LOT),
        ("紫米2026", Code.INVALID_LOT),
        ("Lot#1", Code.INVALID_LOT),
        ("café", Code.INVALID_LOT),
        ("Ａ1", Code.INVALID_LOT),  # a full-width letter
        ("A" * 21, Code.INVALID_LOT),
    ],
)
def test_a_lot_is_1_to_20_gs1_characters(seller_user, variant, farm, lot, code):
    error = refused(
        lambda: services.create_batch(
            actor=seller_user, variant=variant, farm=farm, **batch_fields(lot=lot)
        )
    )
    assert errors_of(error) == {("lot", code)}


def test_a_lot_of_20_characters_from_the_whole_set_is_taken(seller_user, variant, farm):
    lot = "Az09!\"%&'()*+,-./:;<"
    batch = services.create_batch(
        actor=seller_user, variant=variant, farm=farm, **batch_fields(lot=f"  {lot} ")
    )
    assert batch.lot == lot
    digital_link.check_value("10", batch.lot)


def test_a_lot_is_unique_per_seller_only(
    batch, seller_user, variant, farm, other_seller_user, other_variant, other_farm
):
    error = refused(
        lambda: services.create_batch(
            actor=seller_user, variant=variant, farm=farm, **batch_fields()
        )
    )
    assert errors_of(error) == {("lot", Code.UNIQUE)}
    other = services.create_batch(
        actor=other_seller_user, variant=other_variant, farm=other_farm, **batch_fields()
    )
    assert other.lot == batch.lot and other.seller_id != batch.seller_id


def test_a_lot_taken_at_the_same_moment_is_the_coded_error(batch, seller_user, variant, farm):
    """The check before the insert can lose a race: the constraint decides."""
    duplicate = Batch(
        seller_id=batch.seller_id, variant=variant, farm=farm, lot=batch.lot,
        harvest_date=HARVEST, quantity=1, unit="kg",
    )  # fmt: skip
    with pytest.raises(DomainError) as error:
        services._save_with_code(duplicate)
    assert errors_of(error.value) == {("lot", Code.UNIQUE)}
    assert Batch.objects.count() == 1


def test_the_farm_must_be_the_variants_sellers(seller_user, operator, variant, other_farm):
    for actor in (seller_user, operator):
        error = refused(
            lambda actor=actor: services.create_batch(
                actor=actor, variant=variant, farm=other_farm, **batch_fields()
            )
        )
        assert errors_of(error) == {("farm", Code.WRONG_SELLER)}
    error = refused(
        lambda: services.create_batch(
            actor=seller_user, variant=variant, farm=None, **batch_fields()
        )
    )
    assert errors_of(error) == {("farm", Code.REQUIRED)}


def test_another_sellers_variant_is_refused(seller_user, other_variant, farm):
    before = snapshot()
    with pytest.raises(NotAllowed) as error:
        services.create_batch(actor=seller_user, variant=other_variant, farm=farm, **batch_fields())
    assert error.value.code == RequestErrorCode.PERMISSION_DENIED
    assert snapshot() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"best_before": HARVEST - datetime.timedelta(days=1)}, "best_before"),
        ({"harvest_date": timezone.localdate() + datetime.timedelta(days=1)}, "harvest_date"),
        ({"harvest_date": "2026-10-08"}, "harvest_date"),
        ({"best_before": datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)}, "best_before"),
    ],
)
def test_dates_come_in_order_and_not_from_the_future(seller_user, variant, farm, changes, field):
    error = refused(
        lambda: services.create_batch(
            actor=seller_user, variant=variant, farm=farm, **batch_fields(**changes)
        )
    )
    assert errors_of(error) == {(field, Code.INVALID_DATES)}


def test_best_before_may_be_the_harvest_day_or_absent(seller_user, variant, farm):
    same_day = services.create_batch(
        actor=seller_user, variant=variant, farm=farm, **batch_fields(best_before=HARVEST)
    )
    undated = services.create_batch(
        actor=seller_user, variant=variant, farm=farm, **batch_fields(lot="B", best_before=None)
    )
    assert same_day.best_before == HARVEST and undated.best_before is None


@pytest.mark.parametrize(
    "quantity", [0, -1, "0.000", "abc", "NaN", "Infinity", "1.2345", "1000000000", None]
)
def test_a_quantity_is_positive_with_three_decimals_at_most(seller_user, variant, farm, quantity):
    error = refused(
        lambda: services.create_batch(
            actor=seller_user, variant=variant, farm=farm, **batch_fields(quantity=quantity)
        )
    )
    assert errors_of(error) == {("quantity", Code.INVALID_QUANTITY)}


def test_every_mistake_is_reported_at_once(seller_user, variant, other_farm):
    error = refused(
        lambda: services.create_batch(
            actor=seller_user,
            variant=variant,
            farm=other_farm,
            lot="ZM 26",
            harvest_date=HARVEST,
            best_before=HARVEST - datetime.timedelta(days=3),
            quantity=0,
            unit="ton",
            notes="注" * 2001,
        )
    )
    assert errors_of(error) == {
        ("farm", Code.WRONG_SELLER),
        ("lot", Code.INVALID_LOT),
        ("best_before", Code.INVALID_DATES),
        ("quantity", Code.INVALID_QUANTITY),
        ("unit", Code.INVALID),
        ("notes", CatalogErrorCode.INVALID),
    }


def test_the_database_refuses_what_must_never_break(batch):
    breaks = [
        {"quantity_packed": batch.quantity + 1},
        {"quantity_packed": -1},
        {"quantity": 0, "quantity_packed": 0},
        {"best_before": HARVEST - datetime.timedelta(days=1)},
        {"lot": "ZM 26"},
        {"lot": "紫米"},
        {"code": "0000000000"},
    ]
    for change in breaks:
        with pytest.raises(IntegrityError), transaction.atomic():
            Batch.objects.filter(pk=batch.pk).update(**change)
    Batch.objects.filter(pk=batch.pk).update(quantity_packed=batch.quantity)
    assert Batch.objects.get().quantity_packed == batch.quantity


def test_ten_thousand_serials_in_one_call_and_a_fixed_number_of_queries(
    batch, seller_user, django_assert_max_num_queries
):
    rows_per_insert = connection.ops.bulk_batch_size(
        [f for f in Serial._meta.concrete_fields if not f.primary_key], [None] * 10_000
    )
    inserts = math.ceil(10_000 / rows_per_insert)  # 1 on PostgreSQL, 41 on SQLite
    batch = Batch.objects.get()  # nothing cached on the instance
    with django_assert_max_num_queries(9 + inserts):
        assert services.generate_serials(actor=seller_user, batch=batch, count=10_000) == 10_000
    serials = list(Serial.objects.values_list("serial", "code"))
    assert len(serials) == 10_000
    assert len({s for s, _ in serials}) == len({c for _, c in serials}) == 10_000
    for serial, code in serials:
        digital_link.check_value("21", serial)
        assert re.fullmatch(f"[{CODE_ALPHABET}]{{{SERIAL_CODE_LENGTH}}}", code)


def test_a_colliding_serial_or_code_is_drawn_again(batch, seller_user):
    services.generate_serials(actor=seller_user, batch=batch, count=1)
    taken = Serial.objects.get()
    draws = iter(
        [
            {"serial": taken.serial, "code": "ABCDEFGHJKMN"},  # serial taken in this batch
            {"serial": "FRESHSERIAL1", "code": taken.code},  # code taken everywhere
            {"serial": "FRESHSERIAL2", "code": "ABCDEFGHJKMP"},
            {"serial": "FRESHSERIAL3", "code": "ABCDEFGHJKMQ"},
            {"serial": "FRESHSERIAL4", "code": "ABCDEFGHJKMR"},
        ]
    )
    added = services.generate_serials(
        actor=seller_user, batch=batch, count=3, make=lambda: next(draws)
    )
    assert added == 3
    assert set(Serial.objects.values_list("serial", flat=True)) == {
        taken.serial,
        "FRESHSERIAL2",
        "FRESHSERIAL3",
        "FRESHSERIAL4",
    }


def test_a_generator_that_only_collides_fails_without_writing(batch, seller_user):
    services.generate_serials(actor=seller_user, batch=batch, count=1)
    taken = Serial.objects.values("serial", "code").get()
    before = snapshot()
    with pytest.raises(IntegrityError):
        services.generate_serials(actor=seller_user, batch=batch, count=2, make=lambda: taken)
    assert snapshot() == before


@pytest.mark.parametrize("count", [0, -1, 10_001, 2**31, True, "5", 2.0, None])
def test_serials_come_1_to_10000_at_a_time(batch, seller_user, count):
    error = refused(lambda: services.generate_serials(actor=seller_user, batch=batch, count=count))
    assert errors_of(error) == {("count", Code.INVALID_COUNT)}


def test_a_batch_has_at_most_its_cap_of_serials(batch, seller_user, monkeypatch):
    assert services.MAX_SERIALS_PER_BATCH == 100_000
    monkeypatch.setattr(services, "MAX_SERIALS_PER_BATCH", 25)
    services.generate_serials(actor=seller_user, batch=batch, count=20)
    error = refused(lambda: services.generate_serials(actor=seller_user, batch=batch, count=6))
    assert errors_of(error) == {("count", Code.TOO_MANY_SERIALS)}
    assert services.generate_serials(actor=seller_user, batch=batch, count=5) == 5
    assert batch.serials.count() == 25


def test_a_photo_is_checked_like_a_product_picture(batch, seller_user):
    photo = services.add_batch_photo(
        actor=seller_user,
        batch=batch,
        upload=SimpleUploadedFile("field.png", picture("PNG", size=(64, 48))),
        alt="收割",
    )
    assert (photo.width, photo.height, photo.alt) == (64, 48, "收割")
    assert photo.image.name.endswith(".png") and photo.image.storage.exists(photo.image.name)
    for upload, code in [
        (SimpleUploadedFile("x.png", b"<svg></svg>"), CatalogErrorCode.INVALID_IMAGE),
        (None, CatalogErrorCode.REQUIRED),
    ]:
        error = refused(
            lambda upload=upload: services.add_batch_photo(
                actor=seller_user, batch=batch, upload=upload
            )
        )
        assert errors_of(error) == {("image", code)}


def test_an_oversized_photo_is_refused(batch, seller_user, settings):
    settings.IMAGE_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.png", picture("PNG", size=(64, 48)))
    error = refused(lambda: services.add_batch_photo(actor=seller_user, batch=batch, upload=upload))
    assert errors_of(error) == {("image", CatalogErrorCode.IMAGE_TOO_LARGE)}


MANAGERS = {"seller", "operator"}
WRITES = {
    "create_batch": lambda a, w: services.create_batch(
        actor=a, variant=w.variant, farm=w.farm, **batch_fields(lot="NEW-1")
    ),
    "generate_serials": lambda a, w: services.generate_serials(actor=a, batch=w, count=3),
    "add_batch_photo": lambda a, w: services.add_batch_photo(
        actor=a, batch=w, upload=SimpleUploadedFile("a.png", picture("PNG", size=(8, 6)))
    ),
}


@pytest.mark.parametrize(
    "role", ["anonymous", "customer", "station_staff", "other_seller", *sorted(MANAGERS)]
)
@pytest.mark.parametrize("write", sorted(WRITES))
def test_each_write_enforces_its_policy(write, role, users_by_role, batch):
    actor = users_by_role[role] or AnonymousUser()
    before = snapshot()
    if role in MANAGERS:
        WRITES[write](actor, batch)
        assert snapshot() != before
        return
    with pytest.raises(NotAllowed) as error:
        WRITES[write](actor, batch)
    expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
    assert error.value.code == expected
    assert snapshot() == before


def test_every_service_that_writes_is_in_the_table():
    writes = {
        name
        for name, value in vars(services).items()
        if callable(value)
        and getattr(value, "__module__", "") == "traceability.services.batches"
        and not name.startswith("_")
        and "actor" in value.__code__.co_varnames[: value.__code__.co_kwonlyargcount]
    }
    assert writes == set(WRITES)


def test_the_admin_lists_batches_and_serials_read_only(batch, seller_user, operator, client):
    services.generate_serials(actor=seller_user, batch=batch, count=2)
    operator.is_superuser = True  # every admin permission: the admins themselves refuse writes
    operator.save()
    client.force_login(operator)
    for model in ("batch", "serial"):
        listing = client.get(f"/admin/traceability/{model}/")
        assert listing.status_code == 200
        assert client.get(f"/admin/traceability/{model}/add/").status_code == 403
    serial = Serial.objects.first()
    page = client.get(f"/admin/traceability/serial/{serial.pk}/change/")
    assert page.status_code == 200 and serial.code in page.content.decode()
    assert b'name="_save"' not in page.content
    before = snapshot()
    assert (
        client.post(f"/admin/traceability/batch/{batch.pk}/change/", {"lot": "X"}).status_code
        == 403
    )
    assert (
        client.post(f"/admin/traceability/batch/{batch.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert snapshot() == before


def test_concurrent_generations_add_up_and_never_pass_the_cap(
    batch, seller_user, monkeypatch, transactional_db
):
    require_postgresql("the batch row lock is what keeps the count right")
    monkeypatch.setattr(services, "MAX_SERIALS_PER_BATCH", 100)

    def generate():
        try:
            return services.generate_serials(actor=seller_user, batch=batch, count=30)
        except DomainError as error:
            return error.code

    results = run_at_once(generate, 4)
    assert Counter(results) == {30: 3, Code.TOO_MANY_SERIALS: 1}
    assert batch.serials.count() == 90


def test_the_same_lot_at_the_same_moment_is_saved_once(
    seller_user, variant, farm, transactional_db
):
    require_postgresql()

    def create():
        try:
            return services.create_batch(
                actor=seller_user, variant=variant, farm=farm, **batch_fields()
            ).lot
        except DomainError as error:
            return error.code

    results = run_at_once(create, 4)
    assert Counter(results) == {"ZM2026-10A": 1, Code.UNIQUE: 3}
    assert Batch.objects.count() == 1

"""The trace demo (load_trace_demo): realistic chains on the catalogue demo, recorded
by the demo sellers at their farms, that verify, validate as EPCIS and load once."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Max, Min
from django.utils import timezone

from catalog.demo import data
from catalog.demo.loader import load_demo
from gs1 import epcis
from tests.helpers.events import VALIDATOR
from traceability.models import (
    Batch,
    LogCheckpoint,
    Scan,
    Serial,
    SerialFlag,
    TraceEvent,
    TraceEventBatch,
)
from traceability.services import verification

pytestmark = pytest.mark.django_db


def load_trace(*args):
    out = io.StringIO()
    call_command("load_trace_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return [
        model.objects.count()
        for model in (Batch, Serial, TraceEvent, LogCheckpoint, Scan, SerialFlag)
    ]


def steps(lot):
    """The events of the lot and of the lots it was made from, in order."""
    chains = verification.upstream_batches(Batch.objects.get(lot=lot))
    events = TraceEvent.objects.filter(links__batch__in=chains).distinct().order_by("pk")
    return [(event.event_type, event.biz_step, event.disposition) for event in events]


def test_the_demo_chains_verify_validate_and_load_once(settings):
    settings.DEBUG = True
    load_demo()
    assert "created" in load_trace()

    rice = Batch.objects.select_related("variant").get(lot="ZM26-1020")
    eggs = Batch.objects.select_related("variant").get(lot="DAN-261118")
    assert rice.digital_link().split("/")[-4:] == ["01", rice.variant.gtin, "10", "ZM26-1020"]
    assert eggs.variant.gtin is None and eggs.digital_link().endswith(f"/t/{eggs.code}")
    assert steps("ZM26-1020") == [
        ("ObjectEvent", "commissioning", "active"),  # the paddy harvested
        ("ObjectEvent", "storing", "sellable_not_accessible"),  # dried, in the granary
        ("TransformationEvent", "commissioning", "active"),  # milled
        ("ObjectEvent", "packing", "in_progress"),
        ("ObjectEvent", "shipping", "in_transit"),
    ]
    assert steps("DAN-261118") == [
        ("ObjectEvent", "commissioning", "active"),
        ("ObjectEvent", "inspecting", "conformant"),
        ("AggregationEvent", "packing", "in_progress"),
        ("ObjectEvent", "shipping", "in_transit"),
    ]
    assert [step for _type, step, _d in steps("LV26-0402")] == [
        "commissioning",  # picked
        "commissioning",  # fixed: fresh leaf -> made tea
        "other",  # rolled
        "sensor_reporting",  # dried
        "packing",
    ]
    assert rice.serials.count() == 200
    assert Scan.objects.count() >= 200
    scanned = Batch.objects.filter(scans__isnull=False).annotate(
        first_scan=Min("scans__scanned_at"), last_event=Max("trace_events__event_time")
    )
    assert all(batch.first_scan > batch.last_event for batch in scanned)
    assert {flag.serial.batch_id for flag in SerialFlag.objects.all()} == {rice.pk}

    members = {record["seller"]["name"]: record["member"]["phone"] for record in data.SELLERS}
    now = timezone.now()
    for event in TraceEvent.objects.select_related("recorded_by", "seller", "read_point"):
        assert str(event.recorded_by.phone.national_number) == members[event.seller.name]
        assert event.read_point.seller_id == event.seller_id
        assert event.event_time_zone_offset == "+08:00" and event.event_time < now
    assert TraceEvent.objects.filter(document__has_key="sensorElementList").count() >= 4

    for batch in Batch.objects.all():
        checked = verification.verify_batch(batch)
        assert checked.verdict.ok, (batch.lot, checked.verdict)
        assert checked.checkpoint_at is not None
    document = epcis.epcis_document(
        [event.document for event in TraceEvent.objects.order_by("pk")], created=now
    )
    assert [error.message for error in VALIDATOR.iter_errors(document)] == []

    before = counts(), TraceEventBatch.objects.count()
    assert "nothing, all was there" in load_trace()
    assert (counts(), TraceEventBatch.objects.count()) == before


def test_the_trace_demo_is_refused_without_debug_or_without_the_catalogue(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        load_trace()
    with pytest.raises(CommandError, match="load_demo first"):
        load_trace("--allow-without-debug")
    assert counts() == [0] * 6

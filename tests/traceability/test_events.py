"""Trace events (traceability/services/events.py): the rules of recording, chains that
transformations link, corrections as new events, append-only rows, and every
stored document validating against the EPCIS 2.0 schema."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalog import services as catalog_services
from shop.core.append_only import AppendOnlyError
from shop.core.roles import SYSTEM, NotAllowed
from tests.helpers.batches import FARM, batch_fields
from tests.helpers.events import assert_valid, at, harvest, observe, rows, stored_documents
from tests.helpers.pictures import picture
from tests.helpers.services import require_postgresql, run_at_once
from tlog import merkle
from tlog.checkpoint import open_checkpoint
from traceability import integrity, transparency
from traceability.models import Batch, LogCheckpoint, LogLeaf, LogNode, TraceEvent, TraceEventBatch
from traceability.services import batches as services
from traceability.services import events as trace
from traceability.services import signing, verification
from traceability.services.events import Reading


@pytest.fixture
def rice(seller_user, variant, farm):
    """Milled rice made from the paddy batch."""
    fields = batch_fields(lot="RICE-1", harvest_date=datetime.date(2026, 10, 20))
    return services.create_batch(actor=seller_user, variant=variant, farm=farm, **fields)


@pytest.fixture
def paddy2(seller_user, variant, farm):
    return services.create_batch(
        actor=seller_user, variant=variant, farm=farm, **batch_fields(lot="PADDY-2")
    )


@pytest.fixture
def other_batch(other_seller_user, other_seller, category):
    farm = catalog_services.create_farm(
        actor=other_seller_user, seller=other_seller, name="猕猴桃园", **FARM
    )
    product = catalog_services.create_product(
        actor=other_seller_user, seller=other_seller, category=category, name="红心猕猴桃"
    )
    variant = catalog_services.create_variant(
        actor=other_seller_user,
        product=product,
        sku="MHT-3KG",
        name="3 kg box",
        net_weight_grams=3000,
        price="59.00",
    )
    return services.create_batch(
        actor=other_seller_user, variant=variant, farm=farm, **batch_fields(lot="KIWI-1")
    )


def codes(caught):
    return {(error.field, error.code.value) for error in caught.value.errors}


# --- recording --------------------------------------------------------------------------------


def test_a_harvest_starts_the_chain(seller_user, batch):
    event = harvest(
        seller_user,
        batch,
        sensors=[Reading("temperature", Decimal("21.5")), Reading("relative_humidity", 60)],
    )
    document = event.document
    assert document["type"] == "ObjectEvent" and document["action"] == "ADD"
    assert document["bizStep"] == "commissioning"
    assert document["eventTime"] == "2026-10-08T09:00:00+08:00"
    assert document["eventTimeZoneOffset"] == event.event_time_zone_offset == "+08:00"
    assert document["quantityList"] == [
        {"epcClass": batch.digital_link(), "quantity": 1250.5, "uom": "KGM"}
    ]
    assert document["readPoint"] == {"id": trace.farm_uri(batch.farm)}
    assert document["ilmd"] == {"cbvmda:bestBeforeDate": batch.best_before.isoformat()}
    reports = document["sensorElementList"][0]["sensorReport"]
    assert reports == [
        {"type": "gs1:Temperature", "value": 21.5, "uom": "CEL"},
        {"type": "gs1:RelativeHumidity", "value": 60, "uom": "P1"},
    ]
    assert event.previous == {str(batch.pk): None}
    assert event.content_hash == integrity.event_hash(document, event.previous)
    assert event.recorded_by == seller_user and event.read_point == batch.farm
    assert list(event.batches.all()) == [batch]
    assert event.links.get().role == "subject"
    assert_valid(document)


def test_each_event_commits_to_the_one_before(seller_user, batch):
    first = harvest(seller_user, batch)
    second = observe(seller_user, batch)
    third = observe(seller_user, batch, "storing", "sellable_not_accessible", event_time=at(2))
    assert second.document["action"] == "OBSERVE"
    assert second.previous == {str(batch.pk): first.content_hash}
    assert third.previous == {str(batch.pk): second.content_hash}
    assert first.sequence < second.sequence < third.sequence
    assert verification.verify_batch(batch).verdict.ok
    assert_valid(*stored_documents())


def test_a_transformation_links_its_inputs_chains_to_its_output(seller_user, batch, paddy2, rice):
    harvest(seller_user, batch)
    harvest(seller_user, paddy2)
    milled = trace.record_event(
        actor=seller_user,
        event_type="TransformationEvent",
        inputs=[batch, paddy2],
        outputs=[rice],
        biz_step="commissioning",
        disposition="active",
        event_time=at(12),
        quantity="780.25",
    )
    document = milled.document
    assert [q["epcClass"] for q in document["inputQuantityList"]] == [
        batch.digital_link(),
        paddy2.digital_link(),
    ]
    assert document["outputQuantityList"][0]["quantity"] == 780.25
    assert "action" not in document
    assert set(milled.previous) == {str(batch.pk), str(paddy2.pk), str(rice.pk)}
    assert milled.previous[str(rice.pk)] is None
    assert {link.role for link in milled.links.all()} == {"input", "output"}
    packed = observe(seller_user, rice, "packing", "in_progress", event_time=at(13))
    assert packed.previous == {str(rice.pk): milled.content_hash}
    assert verification.upstream_batches(rice) == {batch.pk, paddy2.pk, rice.pk}
    assert verification.verify_batch(rice).verdict.ok
    assert verification.verify_batch(batch).verdict.ok
    assert_valid(*stored_documents())


def test_an_aggregation_packs_serials_into_a_case(seller_user, batch):
    harvest(seller_user, batch)
    services.generate_serials(actor=seller_user, batch=batch, count=3)
    serials = list(batch.serials.all())
    packed = trace.record_event(
        actor=seller_user,
        event_type="AggregationEvent",
        batch=batch,
        serials=serials,
        biz_step="packing",
        disposition="in_progress",
        event_time=at(2),
    )
    document = packed.document
    assert document["action"] == "ADD"
    assert document["parentID"].startswith("urn:uuid:")
    assert document["childEPCs"] == [serial.digital_link() for serial in serials]
    assert packed.links.get().role == "parent"
    by_quantity = trace.record_event(
        actor=seller_user,
        event_type="AggregationEvent",
        batch=batch,
        biz_step="packing",
        disposition="in_progress",
        event_time=at(3),
        quantity=25,
    )
    assert by_quantity.document["childQuantityList"][0]["quantity"] == 25
    assert_valid(*stored_documents())


def test_an_event_with_a_photo(seller_user, batch):
    upload = SimpleUploadedFile("field.png", picture("PNG", size=(64, 48)), "image/png")
    event = harvest(seller_user, batch, photo=upload)
    assert event.photo.batch == batch
    assert batch.photos.get() == event.photo


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"event_time": datetime.datetime(2026, 10, 9, 9, 0)},
            ("event_time", "invalid_event_time"),
        ),
        ({"event_time": "2026-10-09"}, ("event_time", "invalid_event_time")),
        (
            {"event_time": timezone.now() + datetime.timedelta(hours=1)},
            ("event_time", "event_in_future"),
        ),
        ({"event_time": at(-1)}, ("event_time", "before_commissioning")),
        ({"biz_step": "harvesting"}, ("biz_step", "invalid_biz_step")),
        ({"disposition": "eaten"}, ("disposition", "invalid_disposition")),
        ({"event_type": "AssociationEvent"}, ("event_type", "invalid_event_type")),
        ({"quantity": "-2"}, ("quantity", "invalid_quantity")),
        ({"sensors": [Reading("temperature", Decimal(300))]}, ("sensors", "invalid_sensor")),
        ({"sensors": [Reading("pressure", Decimal(1))]}, ("sensors", "invalid_sensor")),
        ({"sensors": [Reading("temperature", Decimal("1.0001"))]}, ("sensors", "invalid_sensor")),
        ({"sensors": [Reading("temperature", Decimal("NaN"))]}, ("sensors", "invalid_sensor")),
    ],
)
def test_bad_events_are_coded_errors_and_write_nothing(seller_user, batch, changes, expected):
    before = rows()
    with pytest.raises(trace.DomainError) as caught:
        harvest(seller_user, batch, **changes)
    assert expected in codes(caught)
    assert rows() == before


def test_every_mistake_is_reported_at_once(seller_user, batch):
    with pytest.raises(trace.DomainError) as caught:
        harvest(seller_user, batch, biz_step="harvesting", disposition="eaten", quantity="0")
    assert {field for field, _code in codes(caught)} == {"biz_step", "disposition", "quantity"}


def test_an_event_before_the_commissioning_event_is_refused(seller_user, batch):
    harvest(seller_user, batch, event_time=at(0, 6))  # harvested that afternoon
    before = rows()
    with pytest.raises(trace.DomainError) as caught:
        observe(seller_user, batch, event_time=at(0, 2))
    assert codes(caught) == {("event_time", "before_commissioning")}
    assert rows() == before


def test_another_sellers_batch_is_refused(seller_user, other_batch, other_seller_user, farm):
    before = rows()
    with pytest.raises(NotAllowed):
        harvest(seller_user, other_batch, read_point=None)
    with pytest.raises(trace.DomainError) as caught:
        harvest(other_seller_user, other_batch, read_point=farm)
    assert codes(caught) == {("read_point", "wrong_seller")}
    assert rows() == before


def test_transforming_inputs_the_seller_does_not_own_is_refused(
    seller_user, batch, rice, other_batch, other_seller_user
):
    harvest(other_seller_user, other_batch, read_point=None)
    before = rows()
    with pytest.raises(trace.DomainError) as caught:
        trace.record_event(
            actor=seller_user,
            event_type="TransformationEvent",
            inputs=[batch, other_batch],
            outputs=[rice],
            biz_step="commissioning",
            disposition="active",
            event_time=at(12),
        )
    assert codes(caught) == {("inputs", "wrong_seller")}
    with pytest.raises(trace.DomainError) as caught:
        trace.record_event(
            actor=seller_user,
            event_type="TransformationEvent",
            outputs=[rice],
            biz_step="commissioning",
            disposition="active",
            event_time=at(12),
        )
    assert codes(caught) == {("inputs", "required")}
    assert rows() == before


def test_the_same_event_twice_is_refused(seller_user, batch):
    harvest(seller_user, batch)
    before = rows()
    with pytest.raises(trace.DomainError) as caught:
        harvest(seller_user, batch)
    assert codes(caught) == {(None, "unique")}
    assert rows() == before


# --- corrections ------------------------------------------------------------------------------


def test_a_correction_is_a_declaration_and_a_new_event(seller_user, batch):
    wrong = harvest(seller_user, batch, quantity="12505")
    original = dict(wrong.document)
    correction = trace.correct_event(
        actor=seller_user, event=wrong, reason="incorrect_data", quantity="1250.5"
    )
    declaration, corrective = correction.declaration, correction.corrective
    wrong.refresh_from_db()
    assert wrong.document == original  # never edited
    assert declaration.corrects == wrong
    assert declaration.document["eventID"] == wrong.document["eventID"]
    assert declaration.document["errorDeclaration"]["reason"] == "incorrect_data"
    assert declaration.document["errorDeclaration"]["correctiveEventIDs"] == [
        corrective.document["eventID"]
    ]
    assert corrective.document["quantityList"][0]["quantity"] == 1250.5
    assert corrective.document["bizStep"] == "commissioning"
    assert corrective.previous == {str(batch.pk): wrong.content_hash}
    assert declaration.previous == {str(batch.pk): corrective.content_hash}
    assert verification.verify_batch(batch).verdict.ok
    assert_valid(*stored_documents())
    before = rows()
    with pytest.raises(trace.DomainError) as caught:
        trace.correct_event(actor=seller_user, event=wrong, quantity="1200")
    assert codes(caught) == {("event", "already_corrected")}
    with pytest.raises(trace.DomainError) as caught:
        trace.correct_event(actor=seller_user, event=declaration, quantity="1200")
    assert ("event", "invalid") in codes(caught)
    assert rows() == before


def test_an_event_that_did_not_occur(seller_user, batch):
    harvest(seller_user, batch)
    shipped = observe(seller_user, batch, "shipping", "in_transit", event_time=at(3))
    correction = trace.correct_event(actor=seller_user, event=shipped, reason="did_not_occur")
    assert correction.corrective is None
    assert "correctiveEventIDs" not in correction.declaration.document["errorDeclaration"]
    assert_valid(*stored_documents())


def test_correcting_the_time_and_step(seller_user, batch):
    harvest(seller_user, batch)
    stored = observe(seller_user, batch, "storing", "sellable_not_accessible", event_time=at(2))
    later = datetime.datetime(2026, 10, 10, 6, 0, tzinfo=datetime.UTC)
    corrective = trace.correct_event(
        actor=seller_user,
        event=stored,
        event_time=later,
        biz_step="inspecting",
        sensors=[Reading("temperature", 12)],
    ).corrective
    assert corrective.document["eventTime"] == "2026-10-10T06:00:00+00:00"
    assert corrective.document["eventTimeZoneOffset"] == "+00:00"
    assert corrective.biz_step == "inspecting" and corrective.event_time == later
    assert corrective.document["sensorElementList"][0]["sensorReport"][0]["value"] == 12
    assert_valid(*stored_documents())


def test_bad_corrections_write_nothing(seller_user, batch, other_seller_user):
    event = harvest(seller_user, batch)
    before = rows()
    cases = [
        ({"reason": "typo", "quantity": "1"}, ("reason", "invalid")),
        ({}, (None, "required")),
        ({"reason": "did_not_occur", "quantity": "1"}, ("reason", "invalid")),
        ({"event_time": at(-3)}, ("event_time", "before_commissioning")),
        ({"biz_step": "harvesting"}, ("biz_step", "invalid_biz_step")),
    ]
    for changes, expected in cases:
        with pytest.raises(trace.DomainError) as caught:
            trace.correct_event(actor=seller_user, event=event, **changes)
        assert expected in codes(caught), changes
    with pytest.raises(NotAllowed):
        trace.correct_event(actor=other_seller_user, event=event, quantity="1")
    assert rows() == before


# --- append only ------------------------------------------------------------------------------


def test_no_code_path_updates_or_deletes(seller_user, batch):
    event = harvest(seller_user, batch)
    link = event.links.get()
    checkpoint = signing.sign_checkpoint(actor=SYSTEM)
    leaf = LogLeaf.objects.get(event_id=event.pk)
    for record in (event, link, checkpoint, leaf):
        with pytest.raises(AppendOnlyError):
            record.save()
        with pytest.raises(AppendOnlyError):
            record.delete()
    for model in (TraceEvent, TraceEventBatch, LogLeaf, LogNode, LogCheckpoint):
        with pytest.raises(AppendOnlyError):
            model.objects.update(pk=1)
        with pytest.raises(AppendOnlyError):
            model.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        TraceEvent.objects.bulk_update([event], ["document"])
    assert TraceEvent.objects.get().document == event.document


# --- the log and its checkpoints --------------------------------------------------------------


def test_every_batch_and_event_is_a_leaf_and_a_checkpoint_signs_their_root(
    seller_user, batch, rice
):
    events = [
        harvest(seller_user, batch),
        observe(seller_user, batch),
        harvest(seller_user, rice, event_time=at(12)),
    ]
    checkpoint = signing.sign_checkpoint(actor=SYSTEM)
    signed, _opened = open_checkpoint(checkpoint.note, [transparency.verifier()])
    leaves = [transparency.batch_leaf_hash(batch), transparency.batch_leaf_hash(rice)] + [
        transparency.leaf_hash(event.content_hash, [link.batch_id for link in event.links.all()])
        for event in events
    ]
    assert (signed.origin, signed.size) == ("127.0.0.1:8000/trace", 5)
    assert signed.root_hash == merkle.root_of(leaves) == bytes(checkpoint.root)
    assert list(LogLeaf.objects.values_list("batch_id", "event_id")) == [
        (batch.pk, None),
        (rice.pk, None),
        *((None, e.pk) for e in events),
    ]


def test_a_batch_record_is_its_facts_as_created(seller_user, batch):
    """What the page says of a batch (lot, code, dates, farm, quantity, product) is
    the record the log holds, written with the batch."""
    assert transparency.batch_record(batch) == {
        "batch": batch.pk,
        "code": batch.code,
        "lot": batch.lot,
        "seller": batch.seller_id,
        "variant": batch.variant_id,
        "farm": batch.farm_id,
        "harvestDate": batch.harvest_date.isoformat(),
        "bestBefore": batch.best_before.isoformat() if batch.best_before else None,
        "quantity": f"{batch.quantity:.3f}",
        "unit": batch.unit,
    }
    receipt = transparency.open_receipt(batch.receipt)
    leaf = LogLeaf.objects.get(batch_id=batch.pk)
    assert (receipt.index, receipt.leaf_hash) == (leaf.index, bytes(leaf.hash))
    assert bytes(leaf.hash) == transparency.batch_leaf_hash(Batch.objects.get(pk=batch.pk))


def test_each_event_carries_a_receipt_for_its_leaf(seller_user, batch):
    harvest(seller_user, batch)
    event = observe(seller_user, batch)
    receipt = transparency.open_receipt(event.receipt)
    assert receipt.index == 2  # the batch's record, the harvest, then this step
    assert receipt.leaf_hash == transparency.leaf_hash(event.content_hash, [batch.pk])
    assert abs((timezone.now() - receipt.recorded_at).total_seconds()) < 5


def test_the_write_has_the_log_signed_once_it_commits_and_a_read_never_signs(
    seller_user, batch, django_capture_on_commit_callbacks
):
    """The event is checkpointed within seconds of its commit (a worker signs;
    the embedded default at once); reading verification never signs."""
    with django_capture_on_commit_callbacks(execute=False) as pending:
        harvest(seller_user, batch)
    assert signing.newest_checkpoint() is None  # nothing signed before the commit
    assert verification.verify_batch(batch).checkpoint_at is None  # nor by the read
    for callback in pending:
        callback()
    signed = signing.newest_checkpoint()
    assert signed.size == 2  # the batch's record and the harvest
    result = verification.verify_batch(batch)
    assert result.verdict.ok and result.checkpoint_at == signed.signed_at


def test_the_beat_task_signs_only_when_the_log_grew(seller_user, batch):
    assert LogCheckpoint.objects.count() == 0
    from traceability.tasks import sign_trace_checkpoint

    assert sign_trace_checkpoint() == 1  # the batch's record
    assert sign_trace_checkpoint() == 1  # quiet: nothing new stored
    harvest(seller_user, batch)
    observe(seller_user, batch)
    assert sign_trace_checkpoint() == 3
    assert LogCheckpoint.objects.count() == 2


# --- concurrency (PostgreSQL) -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_events_on_one_chain_at_once_both_land_in_order(seller_user, batch):
    require_postgresql("the batch row lock is what orders the chain")
    harvest(seller_user, batch)
    steps = iter([("inspecting", 1), ("storing", 2)])

    def record():
        step, hours = next(steps)
        fresh = Batch.objects.select_related("variant").get(pk=batch.pk)
        return observe(seller_user, fresh, step, "conformant", event_time=at(1, hours))

    run_at_once(record, 2)
    events = list(TraceEvent.objects.order_by("pk"))
    assert len(events) == 3
    chain = [event.previous[str(batch.pk)] for event in events]
    assert chain == [None, events[0].content_hash, events[1].content_hash]
    assert verification.verify_batch(batch).verdict.ok


def test_a_new_public_address_keeps_every_record_verified(seller_user, batch, settings):
    """The platform moves to another address: what was recorded under the old one
    (farm URIs in the documents) still verifies, the log keeping its origin."""
    harvest(seller_user, batch)
    observe(seller_user, batch)
    signing.sign_checkpoint(actor=SYSTEM)
    settings.TRACE_LOG_ORIGIN = transparency.origin()
    settings.PUBLIC_BASE_URL = "https://market.example"
    assert verification.verify_batch(batch).verdict.ok


@pytest.mark.django_db(transaction=True)
def test_steps_on_different_batches_at_once_take_consecutive_leaves(
    seller_user, batch, rice, paddy2
):
    """Threat: two farmers recording at the same moment on different batches (no
    shared chain lock) take the same leaf, and one gets an error. Property: the
    log's lock orders them; every step lands with its own consecutive leaf."""
    require_postgresql("the log's row lock is what orders the appends")
    lots = iter([batch, rice, paddy2])

    def record():
        lot = Batch.objects.select_related("variant").get(pk=next(lots).pk)
        return harvest(seller_user, lot, event_time=at(12))

    run_at_once(record, 3)
    indices = sorted(LogLeaf.objects.values_list("index", flat=True))
    assert indices == list(range(len(indices))) and len(indices) == 6  # 3 records, 3 steps
    assert signing.sign_checkpoint(actor=SYSTEM).size == 6
    for lot in (batch, rice, paddy2):
        assert verification.verify_batch(lot).verdict.ok

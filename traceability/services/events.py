"""Trace events: recording and correcting (verifying and checkpoints: `traceability.services.verification`).

Every write follows `traceability.services.batches`: the acting user (`actor=`), the
policy enforced here, all input checked first (one DomainError, nothing
written), one transaction, cache tags bumped after commit. Events are only
ever added: a correction is a new error-declaration event (EPCIS 2.0) and, when
facts change, a new corrective event; `TraceEvent` refuses any other write.

Chains: an event belongs to the chain of every batch it touches, keyed by the
batch's id as a string (`chain_id`). The batches' rows are locked
(`shop.core.db.lock_rows`: in id order, so two writers never deadlock) while
the chain heads are read and the event inserted, so two events on one chain
serialise and each commits to the one before it (`integrity.event_hash`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.images import validate_upload
from catalog.models import Farm
from gs1 import epcis
from gs1.vocabulary import Action, BizStep, Disposition, ErrorReason, EventType
from shop.core.cache_tags import invalidate
from shop.core.db import lock_rows
from shop.core.errors import Checks, DomainError
from shop.core.roles import Actor, require
from traceability import cache, facts, integrity, transparency
from traceability.errors import TraceabilityErrorCode as Code
from traceability.models import Batch, Serial, TraceEvent, TraceEventBatch
from traceability.policies import can_manage_batches
from traceability.rules import clean_quantity
from traceability.services import batches as services
from traceability.services import log

Role = TraceEventBatch.Role
# A phone's clock may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=5)
# UN/CEFACT codes of the batch units; a jin is half a kilogram.
UOM = {"kg": "KGM", "g": "GRM", "l": "LTR", "piece": "H87", "box": "BX", "bag": "BG", "case": "CS"}
SUPPORTED = (EventType.OBJECT, EventType.TRANSFORMATION, EventType.AGGREGATION)
# The sensor readings recorded, with the range a farm can plausibly measure.
SENSORS = {
    "temperature": (epcis.SensorReport.temperature, Decimal(-80), Decimal(80)),
    "relative_humidity": (epcis.SensorReport.relative_humidity, Decimal(0), Decimal(100)),
}


@dataclass(frozen=True)
class Reading:
    """One sensor reading: `kind` is a key of SENSORS (°C, or % relative humidity)."""

    kind: str
    value: Decimal


def recorded_readings(event: TraceEvent) -> list[Reading]:
    """The event's sensor readings as `record_event` and `correct_event` take them."""
    kinds = {epcis.TEMPERATURE: "temperature", epcis.RELATIVE_HUMIDITY: "relative_humidity"}
    return [
        Reading(kinds[report["type"]], Decimal(str(report["value"])))
        for element in event.document.get("sensorElementList", ())
        for report in element.get("sensorReport", ())
        if report.get("type") in kinds and report.get("value") is not None
    ]


@dataclass(frozen=True)
class Correction:
    declaration: TraceEvent  # the wrong event declared wrong (EPCIS errorDeclaration)
    corrective: TraceEvent | None  # the corrected facts, none when it did not occur


def chain_id(batch_id: int) -> str:
    return str(batch_id)


def farm_uri(farm: Farm) -> str:
    """A farm as an EPCIS readPoint / bizLocation."""
    return f"{settings.PUBLIC_BASE_URL}/farms/{farm.pk}"


# --- checks ----------------------------------------------------------------------------------


def _clean_choice(value: Any, choices: Any, code: Code, field: str) -> str:
    if value not in choices.values:
        raise DomainError(code, _("Unknown value."), field)
    return str(value)


def _clean_time(value: Any) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise DomainError(
            Code.INVALID_EVENT_TIME, _("Give the time with its time-zone offset."), "event_time"
        )
    offset = value.utcoffset()
    if offset is None or offset % timedelta(minutes=1) or abs(offset) > timedelta(hours=14):
        raise DomainError(Code.INVALID_EVENT_TIME, _("Enter a valid time."), "event_time")
    if value > timezone.now() + CLOCK_SKEW:
        raise DomainError(
            Code.EVENT_IN_FUTURE, _("The event cannot be in the future."), "event_time"
        )
    return value


def _clean_sensors(readings: Iterable[Reading] | None) -> list[epcis.SensorReport]:
    reports = []
    for reading in readings or ():
        kind = SENSORS.get(getattr(reading, "kind", None) or "")
        value = getattr(reading, "value", None)
        if kind is None or not isinstance(value, int | Decimal) or isinstance(value, bool):
            raise DomainError(Code.INVALID_SENSOR, _("Unknown sensor reading."), "sensors")
        make, low, high = kind
        value = Decimal(value)
        exponent = value.as_tuple().exponent
        if not value.is_finite() or exponent < -3 or not low <= value <= high:  # type: ignore[operator]
            raise DomainError(
                Code.INVALID_SENSOR,
                _("A reading must be between %(low)s and %(high)s, with at most three decimals.")
                % {"low": low, "high": high},
                "sensors",
            )
        reports.append(make(value))
    return reports


def _check_read_point(checks: Checks, farm: Farm | None, seller_id: int) -> None:
    if farm is not None and farm.seller_id != seller_id:
        checks.add(Code.WRONG_SELLER, _("The farm belongs to another seller."), "read_point")


def _check_dates(
    batches: Iterable[Batch], event_time: datetime, *, ignoring: TraceEvent | None = None
) -> None:
    """Refuse an event dated before any batch's commissioning (or its harvest date).

    Runs under the batches' locks, so the commissioning it compares with is current.
    """
    for batch in batches:
        harvested = batch.harvest_date
        commissioned = (
            TraceEvent.objects.filter(
                links__batch=batch,
                links__role__in=(Role.SUBJECT, Role.OUTPUT),
                biz_step=BizStep.COMMISSIONING,
                corrects__isnull=True,
                corrections__isnull=True,
            )
            .exclude(pk=getattr(ignoring, "pk", None))
            .aggregate(first=Min("event_time"))["first"]
        )
        if event_time.date() < harvested or (commissioned and event_time < commissioned):
            raise DomainError(
                Code.BEFORE_COMMISSIONING,
                _("The event cannot be earlier than the batch %(lot)s was harvested or made.")
                % {"lot": batch.lot},
                "event_time",
            )


# --- documents -------------------------------------------------------------------------------


def _quantity(batch: Batch, amount: Decimal | None = None) -> epcis.Quantity:
    """The lot, in its unit, as EPCIS counts it (the whole batch unless `amount`)."""
    amount = batch.quantity if amount is None else amount
    if batch.unit == Batch.Unit.JIN:
        return epcis.Quantity(batch.digital_link(), amount / 2, epcis.KILOGRAM)
    return epcis.Quantity(batch.digital_link(), amount, UOM[batch.unit])


def _sensor_list(reports: Sequence[epcis.SensorReport]) -> list[epcis.SensorElement]:
    return [epcis.SensorElement(reports)] if reports else []


@dataclass
class _Draft:
    """What record_event checked, ready to become a document and rows."""

    event_type: EventType
    action: str
    biz_step: str
    disposition: str
    event_time: datetime
    read_point: Farm | None
    links: Sequence[tuple[Batch, str]]
    quantity: Decimal | None
    sensors: list[epcis.SensorReport]
    serials: list[Serial]
    photo: dict[str, str] | None  # its `facts.photo`

    def document(self, record_time: datetime) -> dict[str, Any]:
        """The EPCIS event, naming the photo (so its hash and eventID cover it)."""
        built = self._standard(record_time)
        if self.photo is None:
            return built
        content = {key: value for key, value in built.items() if key != "eventID"}
        content[facts.PHOTO] = self.photo
        return {"eventID": epcis.event_hash_id(content), **content}

    def _standard(self, record_time: datetime) -> dict[str, Any]:
        common: dict[str, Any] = {
            "event_time": self.event_time,
            "record_time": record_time,
            "biz_step": self.biz_step,
            "disposition": self.disposition,
            "sensors": _sensor_list(self.sensors),
        }
        if self.read_point is not None:
            common["read_point"] = common["biz_location"] = farm_uri(self.read_point)
        if self.event_type == EventType.TRANSFORMATION:
            inputs = [_quantity(batch) for batch, role in self.links if role == Role.INPUT]
            outputs = [
                _quantity(batch, self.quantity) for batch, role in self.links if role == Role.OUTPUT
            ]
            return epcis.transformation_event(inputs=inputs, outputs=outputs, **common)
        ((batch, _role),) = self.links
        if self.event_type == EventType.AGGREGATION:
            return epcis.aggregation_event(
                action=self.action,
                parent_id=epcis.uuid_event_id(),
                child_epcs=[serial.digital_link() for serial in self.serials],
                child_quantities=[] if self.serials else [_quantity(batch, self.quantity)],
                **common,
            )
        ilmd = None
        if self.action == Action.ADD and batch.best_before:
            ilmd = {"cbvmda:bestBeforeDate": batch.best_before.isoformat()}
        return epcis.object_event(
            action=self.action, quantities=[_quantity(batch, self.quantity)], ilmd=ilmd, **common
        )


def _built(build: Any, *args: Any) -> dict[str, Any]:
    """A builder's document; what the checks let through and EPCIS still refuses is coded."""
    try:
        document: dict[str, Any] = build(*args)
        return document
    except epcis.EPCISError as exc:
        raise DomainError(Code.INVALID, _("This event cannot be recorded."), exc.field) from exc


# --- writes ----------------------------------------------------------------------------------


def _lock(batch_ids: Iterable[int]) -> None:
    """Lock the chains of the batches (their rows) until the transaction ends."""
    lock_rows(Batch.objects.only("pk"), batch_ids)


def _heads(batch_ids: Iterable[int]) -> dict[str, str | None]:
    """Each chain's current head hash (None for an empty chain); call under the locks."""
    ids = list(batch_ids)
    heads = dict(
        TraceEventBatch.objects.filter(batch_id__in=ids)
        .values("batch_id")
        .annotate(head=Max("event_id"))
        .values_list("batch_id", "head")
    )
    hashes = dict(
        TraceEvent.objects.filter(pk__in=heads.values()).values_list("pk", "content_hash")
    )
    return {chain_id(i): hashes[heads[i]] if i in heads else None for i in ids}


def _append(
    *,
    actor: Actor,
    seller_id: int,
    document: dict[str, Any],
    links: Sequence[tuple[Batch, str]],
    fields: Mapping[str, Any],
) -> TraceEvent:
    """Insert the event on its chains and append it to the log, with its receipt."""
    previous = _heads(batch.pk for batch, _role in links)
    content_hash = integrity.event_hash(document, previous)
    chains = [batch.pk for batch, _role in links]
    leaf = log.reserve(transparency.leaf_hash(content_hash, chains))
    event = TraceEvent(
        seller_id=seller_id,
        recorded_by=actor,  # type: ignore[misc]  # signed in: require() checked it
        document=document,
        previous=previous,
        content_hash=content_hash,
        receipt=leaf.receipt,
        record_time=epcis.parse_time(document["recordTime"]),
        event_time_zone_offset=document["eventTimeZoneOffset"],
        **fields,
    )
    event.save()
    TraceEventBatch.objects.bulk_create(
        [TraceEventBatch(event=event, batch=batch, role=role) for batch, role in links]
    )
    log.commit(leaf, chains, event_id=event.pk)
    return event


def _refuse_duplicate(batch_ids: Sequence[int], event_id: str) -> None:
    """Refuse the same facts twice (a double tap): the eventID is a hash of them."""
    taken = TraceEvent.objects.filter(
        links__batch_id__in=batch_ids, corrects__isnull=True, document__eventID=event_id
    ).exists()
    if taken:
        raise DomainError(Code.UNIQUE, _("This event is already recorded."), None)


def _appended(batch_ids: Iterable[int]) -> None:
    """After the commit: the batches' cached answers go, and the log is checkpointed
    within seconds (a worker signs; the embedded default signs at once)."""
    from traceability import tasks

    invalidate(*{tag for batch_id in batch_ids for tag in cache.batch_changed(batch_id)})
    transaction.on_commit(tasks.sign_soon, robust=True)


def record_event(
    *,
    actor: Actor,
    event_type: str,
    biz_step: str,
    disposition: str,
    event_time: Any,
    batch: Batch | None = None,
    inputs: Sequence[Batch] = (),
    outputs: Sequence[Batch] = (),
    serials: Sequence[Serial] = (),
    read_point: Farm | None = None,
    sensors: Iterable[Reading] | None = None,
    quantity: Any = None,
    photo: Any = None,
) -> TraceEvent:
    """Record one EPCIS event on `batch` (object, aggregation) or `inputs` → `outputs`
    (transformation); a harvest is an ObjectEvent with bizStep commissioning.

    A commissioning object event adds the lot (action ADD); others observe it.
    An aggregation packs `serials` of the batch (or its `quantity`) into a new case.
    `quantity` is the batch's (or the transformation output's) amount, the whole batch
    by default. `photo` is an upload, checked as product pictures are; the document
    names it by its digest (`traceability.facts`), as the stored photo's row does.
    """
    transforming = event_type == EventType.TRANSFORMATION
    every = [*inputs, *outputs] if transforming else [batch] if batch else []
    if not every:
        field = "outputs" if transforming else "batch"
        raise DomainError(Code.REQUIRED, _("This field is required."), field)
    owner = (outputs or inputs)[0] if transforming else every[0]
    assert owner is not None
    require(
        actor,
        can_manage_batches(actor, owner.seller),
        _("You do not manage this seller."),
    )
    checks = Checks()
    if event_type not in SUPPORTED:
        checks.add(Code.INVALID_EVENT_TYPE, _("Unknown or unsupported event type."), "event_type")
    biz_step = checks.run(_clean_choice, biz_step, BizStep, Code.INVALID_BIZ_STEP, "biz_step")
    disposition = checks.run(
        _clean_choice, disposition, Disposition, Code.INVALID_DISPOSITION, "disposition"
    )
    event_time = checks.run(_clean_time, event_time)
    if quantity is not None:
        quantity = checks.run(clean_quantity, quantity)
    reports = checks.run(_clean_sensors, sensors)
    _check_read_point(checks, read_point, owner.seller_id)
    if transforming:
        if not inputs or not outputs:
            checks.add(
                Code.REQUIRED, _("Give inputs and outputs."), "inputs" if outputs else "outputs"
            )
        if len({b.pk for b in every}) != len(every):
            checks.add(Code.INVALID, _("A batch is listed twice."), "inputs")
        for field, listed in (("inputs", inputs), ("outputs", outputs)):
            if any(b.seller_id != owner.seller_id for b in listed):
                checks.add(Code.WRONG_SELLER, _("A batch belongs to another seller."), field)
    if any(serial.batch_id != owner.pk for serial in serials) or (
        serials and event_type != EventType.AGGREGATION
    ):
        checks.add(Code.INVALID, _("Only units of the batch can be packed."), "serials")
    if photo is not None:
        checks.run(validate_upload, photo)
    checks.done()
    roles = (
        [(b, Role.INPUT) for b in inputs] + [(b, Role.OUTPUT) for b in outputs]
        if transforming
        else [(owner, Role.PARENT if event_type == EventType.AGGREGATION else Role.SUBJECT)]
    )
    adding = event_type == EventType.AGGREGATION or biz_step == BizStep.COMMISSIONING
    draft = _Draft(
        event_type=EventType(event_type),
        action="" if transforming else Action.ADD if adding else Action.OBSERVE,
        biz_step=biz_step,
        disposition=disposition,
        event_time=event_time,
        read_point=read_point,
        links=roles,
        quantity=quantity,
        sensors=reports,
        serials=list(serials),
        photo=None if photo is None else facts.photo(facts.file_sha256(photo), photo.name),
    )
    ids = [b.pk for b in every]
    with transaction.atomic():
        _lock(ids)
        _check_dates(every, event_time)
        document = _built(draft.document, timezone.now())
        _refuse_duplicate(ids, document["eventID"])
        stored_photo = None
        if photo is not None:
            stored_photo = services.add_batch_photo(actor=actor, batch=owner, upload=photo)
        event = _append(
            actor=actor,
            seller_id=owner.seller_id,
            document=document,
            links=roles,
            fields={
                "event_type": draft.event_type,
                "action": draft.action,
                "biz_step": biz_step,
                "disposition": disposition,
                "event_time": event_time,
                "read_point": read_point,
                "photo": stored_photo,
            },
        )
        _appended(ids)
    return event


def _corrected_document(
    original: TraceEvent,
    *,
    event_time: datetime | None,
    biz_step: str | None,
    disposition: str | None,
    read_point: Farm | None,
    quantity: Decimal | None,
    sensors: list[epcis.SensorReport] | None,
    record_time: datetime,
) -> dict[str, Any]:
    """The original's facts with the given ones replaced, as a new event."""
    document = {
        key: value
        for key, value in original.document.items()
        if key not in ("eventID", "recordTime")
    }
    if event_time is not None:
        stamp = epcis.object_event(event_time=event_time, action=Action.OBSERVE, epcs=["urn:x:x"])
        document["eventTime"] = stamp["eventTime"]
        document["eventTimeZoneOffset"] = stamp["eventTimeZoneOffset"]
    if biz_step is not None:
        document["bizStep"] = biz_step
    if disposition is not None:
        document["disposition"] = disposition
    if read_point is not None:
        document["readPoint"] = document["bizLocation"] = {"id": farm_uri(read_point)}
    if quantity is not None:
        key = {
            EventType.OBJECT: "quantityList",
            EventType.TRANSFORMATION: "outputQuantityList",
            EventType.AGGREGATION: "childQuantityList",
        }[EventType(original.event_type)]
        if key not in document:
            raise DomainError(Code.INVALID, _("This event counts no quantity."), "quantity")
        link = original.links.filter(role__in=(Role.SUBJECT, Role.OUTPUT, Role.PARENT)).first()
        assert link is not None
        document[key] = [_quantity(link.batch, quantity).to_json(key), *document[key][1:]]
    if sensors is not None:
        document.pop("sensorElementList", None)
        if sensors:
            document["sensorElementList"] = [e.to_json() for e in _sensor_list(sensors)]
    document["recordTime"] = epcis.format_time(record_time, "recordTime")
    return {"eventID": epcis.event_hash_id(document), **document}


def correct_event(
    *,
    actor: Actor,
    event: TraceEvent,
    reason: str = ErrorReason.INCORRECT_DATA,
    event_time: Any = None,
    biz_step: str | None = None,
    disposition: str | None = None,
    read_point: Farm | None = None,
    quantity: Any = None,
    sensors: Iterable[Reading] | None = None,
) -> Correction:
    """Declare `event` wrong (EPCIS errorDeclaration), with a corrective event carrying
    the given fields (the rest as they were, its photo too) unless it did not occur at all.

    Both are new events on the same chains; the original stays as recorded. The
    declaration repeats the original's document, photo digest included, but shows
    no photo (`verification.check_columns`).
    """
    require(actor, can_manage_batches(actor, event.seller), _("You do not manage this seller."))
    checks = Checks()
    if event.corrects_id is not None:
        checks.add(Code.INVALID, _("An error declaration cannot be corrected."), "event")
    reason = checks.run(_clean_choice, reason, ErrorReason, Code.INVALID, "reason")
    if biz_step is not None:
        biz_step = checks.run(_clean_choice, biz_step, BizStep, Code.INVALID_BIZ_STEP, "biz_step")
    if disposition is not None:
        disposition = checks.run(
            _clean_choice, disposition, Disposition, Code.INVALID_DISPOSITION, "disposition"
        )
    if event_time is not None:
        event_time = checks.run(_clean_time, event_time)
    if quantity is not None:
        quantity = checks.run(clean_quantity, quantity)
    reports = None if sensors is None else checks.run(_clean_sensors, sensors)
    _check_read_point(checks, read_point, event.seller_id)
    given = [event_time, biz_step, disposition, read_point, quantity, sensors]
    changing = any(value is not None for value in given)
    if reason == ErrorReason.DID_NOT_OCCUR and changing:
        checks.add(Code.INVALID, _("An event that did not occur has no corrected facts."), "reason")
    if reason == ErrorReason.INCORRECT_DATA and not changing:
        checks.add(Code.REQUIRED, _("Give the corrected facts."), None)
    checks.done()
    links = [(link.batch, link.role) for link in event.links.select_related("batch__variant")]
    ids = [batch.pk for batch, _role in links]
    with transaction.atomic():
        _lock(ids)
        if TraceEvent.objects.filter(corrects=event).exists():
            raise DomainError(
                Code.ALREADY_CORRECTED, _("This event is already corrected."), "event"
            )
        now = timezone.now()
        corrective = None
        if changing:
            when = event_time or event.event_time
            _check_dates([batch for batch, _role in links], when, ignoring=event)
            document = _built(
                lambda: _corrected_document(
                    event,
                    event_time=event_time,
                    biz_step=biz_step,
                    disposition=disposition,
                    read_point=read_point,
                    quantity=quantity,
                    sensors=reports,
                    record_time=now,
                )
            )
            _refuse_duplicate(ids, document["eventID"])
            corrective = _append(
                actor=actor,
                seller_id=event.seller_id,
                document=document,
                links=links,
                fields={
                    "event_type": event.event_type,
                    "action": event.action,
                    "biz_step": biz_step or event.biz_step,
                    "disposition": disposition or event.disposition,
                    "event_time": when,
                    "read_point": read_point or event.read_point,
                    "photo": event.photo,
                },
            )
        declared = epcis.declare_error(
            event.document,
            declaration_time=now,
            corrective_event_ids=[corrective.event_id] if corrective else [],
            reason=reason,
        )
        declared["recordTime"] = epcis.format_time(now, "recordTime")
        try:
            with transaction.atomic():
                declaration = _append(
                    actor=actor,
                    seller_id=event.seller_id,
                    document=declared,
                    links=links,
                    fields={
                        "event_type": event.event_type,
                        "action": event.action,
                        "biz_step": event.biz_step,
                        "disposition": event.disposition,
                        "event_time": event.event_time,
                        "read_point": event.read_point,
                        "corrects": event,
                    },
                )
        except IntegrityError as exc:  # declared by another request a moment ago
            raise DomainError(
                Code.ALREADY_CORRECTED, _("This event is already corrected."), "event"
            ) from exc
        _appended(ids)
    return Correction(declaration, corrective)

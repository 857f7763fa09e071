"""What the public sees of a trace code: the record it names and its provenance.

A code is a GS1 Digital Link (`/01/{gtin}/10/{lot}[/21/{serial}]`) or a short
platform code (`/t/{code}`: 10 characters name a batch, 12 a serial); both
name the same record (`find_link`, `find_code`; `traceability.resolver.codes`
reads a code in any form). `provenance` reads what the page, the API and
the machine formats show of it, as plain dataclasses: the product, seller and
farm, the timeline of the batch's events and of the batches it was made from,
and the verification of those chains, in a constant handful of queries
(`verification.chain_events` reads the events once, for the timeline and for
the check). Nothing here writes; a correction is shown beside the event it
declares wrong, never instead of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from catalog import cache as catalog_cache
from catalog.images import THUMBNAIL_SIZES
from catalog.models import (
    Farm,
    Product,
    ProductImage,
    ProductImageThumbnail,
    ProductVariant,
    Seller,
)
from catalog.selectors import best_thumbnail, images_of, visible_products
from gs1 import epcis
from gs1.digital_link import DigitalLink
from gs1.vocabulary import BizStep, Disposition, ErrorReason, EventType
from traceability import cache
from traceability.integrity import Reason
from traceability.models import (
    BATCH_CODE_LENGTH,
    SERIAL_CODE_LENGTH,
    Batch,
    BatchPhoto,
    BatchRecall,
    Serial,
    TraceEvent,
    TraceEventBatch,
)
from traceability.services import verification
from traceability.services.witnesses import configured as configured_witnesses

Role = TraceEventBatch.Role
_RELATED = ("variant__product", "seller", "farm", "recall")
# What a buyer reads for the CBV steps a farm records; other steps show their CBV label.
STEP_TITLES: dict[str, Promise] = {
    BizStep.COMMISSIONING: _("Harvested or produced"),
    BizStep.INSPECTING: _("Inspected"),
    BizStep.STORING: _("Stored"),
    BizStep.PACKING: _("Packed"),
    BizStep.SHIPPING: _("Shipped"),
    BizStep.DEPARTING: _("Left for delivery"),
    BizStep.TRANSPORTING: _("On its way"),
    BizStep.ARRIVING: _("Arrived"),
    BizStep.RECEIVING: _("Received"),
    BizStep.ACCEPTING: _("Accepted"),
    BizStep.LOADING: _("Loaded"),
    BizStep.UNLOADING: _("Unloaded"),
    BizStep.SENSOR_REPORTING: _("Conditions measured"),
    BizStep.SAMPLING: _("Sampled for testing"),
    BizStep.COLLECTING: _("Collected"),
    BizStep.HOLDING: _("Held back"),
    BizStep.RETAIL_SELLING: _("Sold"),
}
SENSOR_UNITS = {epcis.CELSIUS: "°C", epcis.PERCENT: "%"}
SENSOR_NAMES = {epcis.TEMPERATURE: _("Temperature"), epcis.RELATIVE_HUMIDITY: _("Humidity")}


@dataclass(frozen=True)
class Record:
    """What a code names: a batch (variant, product, seller and farm loaded) and,
    for a unit's code, its serial."""

    batch: Batch
    serial: Serial | None = None

    @property
    def product_public(self) -> bool:
        """Whether its product is on the public catalogue (the finders annotate it)."""
        return bool(getattr(self.batch, "product_public", False))

    @property
    def uri(self) -> str:
        """The record's own link, as its QR code carries it."""
        return self.serial.digital_link() if self.serial else self.batch.digital_link()


def _public(product_id: str) -> Exists:
    """Whether the product is on the public catalogue (then it has a page to link)."""
    return Exists(visible_products(AnonymousUser()).filter(pk=OuterRef(product_id)))


def _batches() -> Any:
    return Batch.objects.select_related(*_RELATED).annotate(
        product_public=_public("variant__product_id")
    )


def _record_of_serial(serials: Any) -> Record | None:
    """One query: the serial with its batch and all the batch loads."""
    serial = (
        serials.select_related(*(f"batch__{name}" for name in _RELATED))
        .annotate(product_public=_public("batch__variant__product_id"))
        .first()
    )
    if serial is None:
        return None
    serial.batch.product_public = serial.product_public
    return Record(serial.batch, serial)


def find_link(link: DigitalLink) -> Record | None:
    """The record a parsed Digital Link names (a GTIN without its lot names none)."""
    if link.lot is None:
        return None
    if link.serial is None:
        batch = _batches().filter(variant__gtin=link.gtin, lot=link.lot).first()
        return Record(batch) if batch else None
    return _record_of_serial(
        Serial.objects.filter(
            batch__variant__gtin=link.gtin, batch__lot=link.lot, serial=link.serial
        )
    )


def find_code(code: str) -> Record | None:
    """The record of a short code: a batch's (10 characters) or a serial's (12)."""
    code = code.strip().upper()
    if len(code) == BATCH_CODE_LENGTH:
        batch = _batches().filter(code=code).first()
        return Record(batch) if batch else None
    if len(code) == SERIAL_CODE_LENGTH:
        return _record_of_serial(Serial.objects.filter(code=code))
    return None


# --- the public view ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Photo:
    url: str  # as the site serves it (relative to PUBLIC_BASE_URL unless absolute)
    width: int
    height: int
    alt: str

    @property
    def absolute_url(self) -> str:
        return self.url if "://" in self.url else f"{settings.PUBLIC_BASE_URL}{self.url}"


@dataclass(frozen=True)
class Reading:
    name: Promise
    value: Decimal
    unit: str


class StepKind(StrEnum):
    EVENT = "event"
    CORRECTION = "correction"  # an error declaration: an earlier step was wrong


@dataclass(frozen=True)
class Step:
    """One event on the timeline, in the words and local time of where it happened."""

    event_id: int
    kind: StepKind
    title: str
    biz_step: str
    disposition: str
    event_type: str
    time: datetime  # in the time zone of the place it happened
    time_zone_offset: str
    place: str
    lot: str
    upstream: bool  # the step of a batch this one was made from
    photo: Photo | None
    readings: tuple[Reading, ...]
    declared_wrong: bool = False  # a later correction says this record was wrong
    corrects: int | None = None  # for a correction, the event it declares wrong
    reason: str = ""  # for a correction, why (CBV error reason label)

    @property
    def local_time(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M}"

    @property
    def iso_time(self) -> str:
        return self.time.isoformat()


class Status(StrEnum):
    VERIFIED = "verified"  # intact and covered by a signed checkpoint
    FAILED = "failed"
    PENDING = "pending"  # intact, not yet covered by a checkpoint


# What a buyer reads when verification fails, by reason: naming the step when the
# verdict names one the page lists, else in general (a deleted step is not listed).
FAILURES_AT_STEP: dict[str, Promise] = {
    Reason.CHAINS_MISMATCH: _(
        "The record of “%(step)s” (%(time)s) now names other lots than when it was written."
    ),
    Reason.CONTENT_MISMATCH: _(
        "The record of “%(step)s” (%(time)s) was changed after it was written."
    ),
    Reason.BROKEN_LINK: _(
        "A step before “%(step)s” (%(time)s) was removed, added or moved after it was written."
    ),
    Reason.COLUMNS_MISMATCH: _(
        "What this page shows of “%(step)s” (%(time)s) differs from what was recorded."
    ),
    Reason.PHOTO_MISMATCH: _(
        "The photo of “%(step)s” (%(time)s) was changed, added or removed after it was recorded."
    ),
    Reason.NOT_IN_LOG: _(
        "“%(step)s” (%(time)s) is not in the platform's public log: it was added behind its back."
    ),
    Reason.NOT_AS_LOGGED: _(
        "“%(step)s” (%(time)s) differs from what the platform's public log recorded: it was "
        "changed afterwards."
    ),
    Reason.BAD_RECEIPT: _(
        "“%(step)s” (%(time)s) has no valid receipt from the platform's log: it may have been "
        "added behind its back."
    ),
}
FAILURES: dict[str, Promise] = {
    Reason.CHAINS_MISMATCH: _("A step now names other lots than when it was written."),
    Reason.CONTENT_MISMATCH: _("A step was changed after it was written."),
    Reason.BROKEN_LINK: _("A step was removed, added or moved after it was written."),
    Reason.COLUMNS_MISMATCH: _("What this page shows of a step differs from what was recorded."),
    Reason.PHOTO_MISMATCH: _("A step's photo was changed, added or removed after it was recorded."),
    Reason.BATCH_MISMATCH: _(
        "What this page says of the lot (its dates, quantity or farm) was changed after the lot "
        "was recorded."
    ),
    Reason.NOT_IN_LOG: _(
        "A step is not in the platform's public log: it was added behind its back."
    ),
    Reason.NOT_AS_LOGGED: _("A step differs from what the platform's public log recorded."),
    Reason.MISSING_EVENTS: _(
        "A step of this lot was removed from the record: the platform's public log still lists it."
    ),
    Reason.BAD_RECEIPT: _("A step has no valid receipt from the platform's log."),
    Reason.BAD_CHECKPOINT: _(
        "The platform's signed summary of its log was altered, so nothing here can be checked."
    ),
    Reason.LOG_DAMAGED: _(
        "The platform's public log has lost records, so nothing here can be checked until it "
        "is repaired."
    ),
}
UNKNOWN_FAILURE = _("The record does not match what was signed.")


@dataclass(frozen=True)
class Check:
    status: Status
    reason: str | None = None  # integrity.Reason when failed
    failing_step: Step | None = None
    failing_event_id: int | None = None
    checkpoint_at: datetime | None = None
    witnesses: int = 0  # configured witnesses that cosigned a checkpoint covering the record
    # Verified, and some configured witness has not cosigned yet: its cosignature,
    # when it comes, changes what the page says.
    awaiting_witnesses: bool = False

    @property
    def failure(self) -> str:
        """Why it failed, in a buyer's words (empty unless it failed)."""
        if self.status != Status.FAILED:
            return ""
        step = self.failing_step
        if step is not None and self.reason in FAILURES_AT_STEP:
            return str(FAILURES_AT_STEP[self.reason]) % {
                "step": step.title,
                "time": step.local_time,
            }
        return str(FAILURES.get(self.reason or "", UNKNOWN_FAILURE))


@dataclass(frozen=True)
class Link:
    """One link of the record's linkset: a GS1 link type and where it leads."""

    link_type: str  # "gs1:pip"
    href: str
    title: Promise | str
    media_type: str


@dataclass(frozen=True)
class Provenance:
    record: Record
    product: Product
    variant: ProductVariant
    seller: Seller
    farm: Farm
    product_public: bool
    image: ProductImage | None  # the product's main photo
    photo: Photo | None  # the same, as one URL
    steps: list[Step]
    check: Check
    batch_ids: frozenset[int]  # the batch and those it was made from
    events: list[TraceEvent] = field(repr=False)
    # What verification read besides the events, which the EPCIS evidence shows
    # (`evidence.add_evidence`) without reading it again: the events' links, the
    # leaves on the chains, and the batches in order.
    links: list[verification.Link] = field(repr=False)
    leaves: tuple[verification.LeafRow, ...] = field(repr=False)
    batches: tuple[Batch, ...] = field(repr=False)

    @property
    def batch(self) -> Batch:
        return self.record.batch

    @property
    def serial(self) -> Serial | None:
        return self.record.serial

    @property
    def uri(self) -> str:
        return self.record.uri

    @property
    def recall(self) -> BatchRecall | None:
        """The batch's recall, said first on every answer about it."""
        try:
            return self.record.batch.recall
        except BatchRecall.DoesNotExist:
            return None

    @property
    def cache_tags(self) -> tuple[str, ...]:
        """What a response showing this provenance hangs on."""
        tags = [cache.batch_tag(i) for i in sorted(self.batch_ids)]
        tags += [
            catalog_cache.product_tag(self.product.pk),
            catalog_cache.seller_tag(self.seller.pk),
        ]
        if self.check.status == Status.PENDING or self.check.awaiting_witnesses:
            tags.append(cache.CHECKPOINTS)
        return tuple(tags)


def _zone(offset: str) -> timezone:
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = offset.lstrip("+-").split(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def _batch_photo(photo: BatchPhoto | None, alt: str) -> Photo | None:
    if photo is None:
        return None
    return Photo(photo.image.url, photo.width, photo.height, photo.alt or alt)


def _product_photo(image: ProductImage | None, alt: str) -> Photo | None:
    """The largest JPEG thumbnail (the upload until thumbnails are made)."""
    if image is None:
        return None
    box = max(THUMBNAIL_SIZES)
    jpeg = best_thumbnail(image, box, ProductImageThumbnail.Format.JPEG)
    if jpeg is None:
        return Photo(image.image.url, image.width, image.height, image.alt or alt)
    scale = min(1.0, box / max(image.width or box, image.height or box))
    width, height = round((image.width or box) * scale), round((image.height or box) * scale)
    return Photo(jpeg.file.url, width, height, image.alt or alt)


def readings(document: dict[str, Any]) -> tuple[Reading, ...]:
    """An event document's temperature and humidity readings, as people read them."""
    found = []
    for element in document.get("sensorElementList", ()):
        for report in element.get("sensorReport", ()):
            kind, value = report.get("type"), report.get("value")
            if kind in SENSOR_NAMES and value is not None:
                unit = SENSOR_UNITS.get(report.get("uom", ""), report.get("uom", ""))
                found.append(Reading(SENSOR_NAMES[kind], Decimal(str(value)), unit))
    return tuple(found)


def _title(event: TraceEvent, outputs: bool) -> str:
    if event.event_type == EventType.TRANSFORMATION:
        return str(_("Processed into this batch") if outputs else _("Processed"))
    if event.event_type == EventType.AGGREGATION:
        return str(_("Packed into cases"))
    title = STEP_TITLES.get(event.biz_step)
    return str(title if title is not None else BizStep(event.biz_step).label)


def _place(farm: Farm | None) -> str:
    """The farm's name in the page's language, and its village."""
    if farm is None:
        return ""
    english = (get_language() or "").startswith("en")
    name = farm.name_en if english and farm.name_en else farm.name
    return f"{name}, {farm.village}" if farm.village else name


def _steps(events: list[TraceEvent], links: list[verification.Link], batch: Batch) -> list[Step]:
    chains: dict[int, list[tuple[int, str]]] = {}
    lots: dict[int, str] = {}
    for event_id, batch_id, role, lot in links:
        chains.setdefault(event_id, []).append((batch_id, role))
        lots[batch_id] = lot
    wrong = {event.corrects_id for event in events if event.corrects_id is not None}
    steps = []
    for event in events:
        mine = chains.get(event.pk, [])
        on_batch = [role for batch_id, role in mine if batch_id == batch.pk]
        shown_lot = lots[mine[0][0]] if mine and not on_batch else batch.lot
        declaration = event.corrects_id is not None
        reason = ""
        if declaration:
            declared = event.document.get("errorDeclaration", {}).get("reason", "")
            reason = str(ErrorReason(declared).label) if declared in ErrorReason.values else ""
        steps.append(
            Step(
                event_id=event.pk,
                kind=StepKind.CORRECTION if declaration else StepKind.EVENT,
                title=str(_("Correction"))
                if declaration
                else _title(event, Role.OUTPUT in on_batch),
                biz_step=event.biz_step,
                disposition=str(Disposition(event.disposition).label),
                event_type=event.event_type,
                time=event.event_time.astimezone(_zone(event.event_time_zone_offset)),
                time_zone_offset=event.event_time_zone_offset,
                place=_place(event.read_point),
                lot=shown_lot,
                upstream=not on_batch,
                photo=_batch_photo(event.photo, str(_title(event, False))),
                readings=readings(event.document),
                declared_wrong=event.pk in wrong,
                corrects=event.corrects_id,
                reason=str(reason),
            )
        )
    return steps


def _check(result: verification.Verification, steps: list[Step]) -> Check:
    verdict = result.verdict
    if not verdict.ok:
        failing = int(verdict.event_id) if verdict.event_id else None
        step = next((s for s in steps if s.event_id == failing), None)
        return Check(Status.FAILED, verdict.reason, step, failing)
    if result.checkpoint_at is None:
        return Check(Status.PENDING)
    return Check(
        Status.VERIFIED,
        checkpoint_at=result.checkpoint_at,
        witnesses=result.witnesses,
        awaiting_witnesses=result.witnesses < len(configured_witnesses()),
    )


def provenance(record: Record) -> Provenance:
    """The public view of `record` (from `find`): six queries (chains, events and
    links, checkpoint, photo and its thumbnails), one more per level of
    transformation the batch came through."""
    batch = record.batch
    product = batch.variant.product
    chains = verification.upstream_batches(batch)
    events, links = verification.chain_events(chains, related=("read_point", "photo"))
    check = verification.verify_events(chains, events, links, known=batch)
    steps = _steps(events, links, batch)
    images = images_of(product)
    image = images[0] if images else None
    return Provenance(
        record=record,
        product=product,
        variant=batch.variant,
        seller=batch.seller,
        farm=batch.farm,
        product_public=record.product_public,
        image=image,
        photo=_product_photo(image, product.name),
        steps=steps,
        check=_check(check, steps),
        batch_ids=frozenset(chains),
        events=events,
        links=links,
        leaves=check.leaves,
        batches=check.batches,
    )

"""Batches (lots) and the serials of their units.

A batch is one harvest or production run of one variant from one farm. Its
lot and its serials go into GS1 Digital Links (`gs1.digital_link`),
so the database keeps them in the GS1 82-character set; `code` is the short
random code of `{PUBLIC_BASE_URL}/t/{code}` for variants without a GTIN.
Batch codes and serial codes differ in length, so a `/t/` code names one
table. Stock stays on the variant: the batch keeps how much it yielded and
how much of it has been packed (a later issue allocates order lines).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Farm, ProductVariant, Seller
from gs1 import digital_link
from gs1.vocabulary import Action, BizStep, Disposition, EventType
from shop.core.append_only import AppendOnlyModel
from shop.core.storage import PrivateStorage
from traceability import regions
from traceability.models.log import (
    BatchVerdict,
    LogAlert,
    LogCheckpoint,
    LogCosignature,
    LogHead,
    LogLeaf,
    LogLeafChain,
    LogNode,
    TraceLog,
)

__all__ = [
    "BatchVerdict",
    "LogAlert",
    "LogCheckpoint",
    "LogCosignature",
    "LogHead",
    "LogLeaf",
    "LogLeafChain",
    "LogNode",
    "TraceLog",
]

# The GS1 82-character set as a regular expression both SQLite and PostgreSQL
# read alike ("-" last, no backslash); `traceability.rules` uses digital_link.CSET82.
GS1_VALUE_RE = r"""^[A-Za-z0-9!"%&'()*+,./:;<=>?_-]{1,20}$"""
# Codes are drawn from digits and capitals that cannot be misread for one
# another on a label (no 0/O, 1/I/L): all in the GS1 set, none needing escapes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BATCH_CODE_LENGTH = 10  # 31**10, about 2**49
SERIAL_LENGTH = 12  # 31**12, about 2**59
SERIAL_CODE_LENGTH = 12


def _code_re(length: int) -> str:
    return rf"^[{CODE_ALPHABET}]{{{length}}}$"


class Batch(models.Model):
    class Unit(models.TextChoices):
        KG = "kg", _("kg")
        JIN = "jin", _("jin (500 g)")
        GRAM = "g", _("g")
        LITRE = "l", _("litre")
        PIECE = "piece", _("piece")
        BOX = "box", _("box")
        BAG = "bag", _("bag")
        CASE = "case", _("case")

    seller = models.ForeignKey(
        Seller,
        on_delete=models.PROTECT,
        related_name="batches",
        verbose_name=_("seller"),
        help_text=_("Always the variant's seller."),
    )
    # A batch outlives what it describes: its record stays for the bags already sold.
    variant = models.ForeignKey(
        ProductVariant,
        on_delete=models.PROTECT,
        related_name="batches",
        verbose_name=_("product variant"),
    )
    farm = models.ForeignKey(
        Farm, on_delete=models.PROTECT, related_name="batches", verbose_name=_("farm")
    )
    lot = models.CharField(_("lot"), max_length=20)
    code = models.CharField(_("code"), max_length=BATCH_CODE_LENGTH, editable=False)
    harvest_date = models.DateField(_("harvest or production date"))
    best_before = models.DateField(_("best before"), null=True, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit of measure"), max_length=10, choices=Unit.choices)
    quantity_packed = models.DecimalField(
        _("quantity packed"), max_digits=12, decimal_places=3, default=Decimal("0.000")
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    # The log's signed promise to include the batch's record (`traceability.transparency`).
    receipt = models.TextField(_("receipt"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "lot"], name="batch_lot_unique_per_seller"),
            models.UniqueConstraint(fields=["code"], name="batch_code_unique"),
            models.CheckConstraint(condition=Q(lot__regex=GS1_VALUE_RE), name="batch_lot_gs1"),
            models.CheckConstraint(
                condition=Q(code__regex=_code_re(BATCH_CODE_LENGTH)), name="batch_code_format"
            ),
            models.CheckConstraint(
                condition=Q(best_before__isnull=True) | Q(best_before__gte=F("harvest_date")),
                name="batch_best_before_after_harvest",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="batch_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_packed__gte=0) & Q(quantity_packed__lte=F("quantity")),
                name="batch_packed_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return self.lot

    def digital_link(self) -> str:
        """What the batch's QR code carries: its GS1 Digital Link when the variant
        has a GTIN, else the platform's short link. Load `variant` first in lists."""
        gtin = self.variant.gtin
        if gtin:
            return digital_link.generate(settings.PUBLIC_BASE_URL, gtin, lot=self.lot)
        return short_link(self.code)


def short_link(code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/t/{code}"


class BatchPhoto(models.Model):
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="photos", verbose_name=_("batch")
    )
    image = models.ImageField(_("picture"), upload_to="batches/%Y/%m/")
    # As shown, after the EXIF orientation (catalog.images.validate_upload).
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    alt = models.CharField(_("alternative text"), max_length=200, blank=True)
    # Lowercase hex SHA-256 of the file's bytes as stored; a step's document names the
    # photo by it (`traceability.facts`). Blank only for a photo whose file was gone
    # when digests were introduced.
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    # The SHA-256 of the file as the audit last read it (`traceability.services.audit`):
    # another than `sha256` means the file was replaced in storage. Blank until audited.
    audited_sha256 = models.CharField(
        _("SHA-256 at the last audit"), max_length=64, blank=True, editable=False
    )
    # When the audit last read the file: each run reads the least recently read.
    audited_at = models.DateTimeField(_("audited at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("batch photo")
        verbose_name_plural = _("batch photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class Serial(models.Model):
    """One unit of a batch: `serial` goes into its Digital Link (AI 21), `code`
    into its short link. Both are random, so neither can be guessed from another."""

    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="serials", verbose_name=_("batch")
    )
    serial = models.CharField(_("serial"), max_length=20, editable=False)
    code = models.CharField(_("code"), max_length=SERIAL_CODE_LENGTH, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("serial")
        verbose_name_plural = _("serials")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "serial"], name="serial_unique_per_batch"),
            models.UniqueConstraint(fields=["code"], name="serial_code_unique"),
            models.CheckConstraint(condition=Q(serial__regex=GS1_VALUE_RE), name="serial_gs1"),
            models.CheckConstraint(
                condition=Q(code__regex=_code_re(SERIAL_CODE_LENGTH)), name="serial_code_format"
            ),
        ]

    def __str__(self) -> str:
        return self.serial

    def digital_link(self) -> str:
        """The unit's GS1 Digital Link (lot and serial) when the variant has a GTIN,
        else its short link. Load `batch` and the batch's `variant` first in lists."""
        batch = self.batch
        gtin = batch.variant.gtin
        if gtin:
            return digital_link.generate(
                settings.PUBLIC_BASE_URL, gtin, lot=batch.lot, serial=self.serial
            )
        return short_link(self.code)


class TraceEvent(AppendOnlyModel):
    """One EPCIS 2.0 event, as recorded by `traceability.services.events`.

    `document` is the event exactly as `gs1.epcis` built it (its
    eventID included) and `content_hash` is `integrity.event_hash(document,
    previous)`, where `previous` maps each of its batch chains (the batch's
    id as a string) to the hash of that chain's event before it. The other
    columns repeat what the document says, for queries. The primary key is
    the recording order (`sequence`): within a chain, events are inserted
    under the batch's row lock, so a chain's order is its key order.
    """

    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="trace_events", verbose_name=_("seller")
    )
    event_type = models.CharField(_("event type"), max_length=20, choices=EventType.choices)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices, blank=True)
    biz_step = models.CharField(_("business step"), max_length=30, choices=BizStep.choices)
    disposition = models.CharField(_("disposition"), max_length=30, choices=Disposition.choices)
    event_time = models.DateTimeField(_("event time"))
    event_time_zone_offset = models.CharField(_("time-zone offset"), max_length=6)
    record_time = models.DateTimeField(_("record time"))
    read_point = models.ForeignKey(
        Farm,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trace_events",
        verbose_name=_("read point"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    document = models.JSONField(_("EPCIS document"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    previous = models.JSONField(_("previous hashes"))
    # The log's signed promise to include the event (`traceability.transparency.receipt`).
    receipt = models.TextField(_("receipt"), blank=True, default="")
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("declares wrong"),
    )
    photo = models.ForeignKey(
        BatchPhoto,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trace_events",
        verbose_name=_("photo"),
    )
    batches: "models.ManyToManyField[Batch, TraceEventBatch]" = models.ManyToManyField(
        Batch, through="TraceEventBatch", related_name="trace_events", verbose_name=_("batches")
    )

    class Meta:
        verbose_name = _("trace event")
        verbose_name_plural = _("trace events")
        ordering = ["id"]
        constraints = [
            # One error declaration per event: a second would be a second truth.
            models.UniqueConstraint(fields=["corrects"], name="trace_event_corrected_once"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.biz_step} #{self.pk}"

    @property
    def sequence(self) -> int:
        return self.pk

    @property
    def event_id(self) -> str:
        return self.document["eventID"]


class TraceEventBatch(AppendOnlyModel):
    """Which batch chains an event belongs to, and as what."""

    class Role(models.TextChoices):
        SUBJECT = "subject", _("subject")
        INPUT = "input", _("input")
        OUTPUT = "output", _("output")
        PARENT = "parent", _("parent")
        CHILD = "child", _("child")

    event = models.ForeignKey(
        TraceEvent, on_delete=models.PROTECT, related_name="links", verbose_name=_("event")
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="trace_links", verbose_name=_("batch")
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)

    class Meta:
        verbose_name = _("trace event batch")
        verbose_name_plural = _("trace event batches")
        ordering = ["event_id", "batch_id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "batch"], name="trace_event_batch_once"),
        ]
        indexes = [models.Index(fields=["batch", "event"], name="trace_link_chain")]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.batch_id} {self.role}"


MAX_LABELS_PER_JOB = 10_000


class LabelJob(models.Model):
    """A sheet of labels rendered in the background (`traceability.services.labels`).

    The primary key is a random UUID, the one thing a download URL names; the
    view still checks that the user manages the seller. `progress` counts the
    labels drawn so far, so a client polling the job sees the bar move. The
    run rendering it holds a `lease` until `leased_until`, renewed after each
    page; `attempts` counts the runs that took it.
    """

    class Kind(models.TextChoices):
        BATCH = "batch", _("copies of the batch's label")
        SERIALS = "serials", _("one label per serial of the batch")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="label_jobs", verbose_name=_("seller")
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="label_jobs", verbose_name=_("batch")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    count = models.PositiveIntegerField(_("number of labels"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveIntegerField(_("labels drawn"), default=0)
    file = models.FileField(_("file"), storage=PrivateStorage(), upload_to="labels/", blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    lease = models.CharField(_("rendering run"), max_length=16, blank=True)
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("label job")
        verbose_name_plural = _("label jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(count__gte=1) & Q(count__lte=MAX_LABELS_PER_JOB),
                name="label_job_count_range",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=F("count")), name="label_job_progress_within_count"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} × {self.count}"


class LabelJobPage(models.Model):
    """The QR drawings of one finished page of a job of labels per serial, stored
    with the job's progress so that a run taking the job again resumes after
    its last finished page; deleted when the job is done."""

    job = models.ForeignKey(
        LabelJob, on_delete=models.CASCADE, related_name="pages", verbose_name=_("label job")
    )
    page = models.PositiveIntegerField(_("page"))
    drawings = models.BinaryField(_("QR drawings"))

    class Meta:
        verbose_name = _("finished page of a label job")
        verbose_name_plural = _("finished pages of label jobs")
        constraints = [
            models.UniqueConstraint(fields=["job", "page"], name="label_job_page_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} p{self.page}"


class Scan(AppendOnlyModel):
    """One resolve of a batch's or a serial's code: an observation, not a trace
    record (no hash, no trigger), inserted in bulk by `traceability.services.scans.flush_scans`
    and never changed (the append-only manager has no update path)."""

    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="scans", verbose_name=_("batch")
    )
    serial = models.ForeignKey(
        Serial,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scans",
        verbose_name=_("serial"),
    )
    scanned_at = models.DateTimeField(_("scanned at"))
    # NULL, not "": the place is optional, and `regions.clean_geo` says None for none.
    region = models.CharField(  # noqa: DJ001
        _("region"), max_length=2, null=True, blank=True, choices=regions.region_choices
    )
    # A keyed hash of the client's network (never the address itself): flags
    # count distinct clients, so one client cannot make a genuine unit look fake.
    client = models.CharField(_("client"), max_length=16, blank=True, default="")

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["scanned_at", "id"]
        indexes = [
            models.Index(fields=["batch", "scanned_at"], name="scan_batch_time"),
            models.Index(fields=["serial", "scanned_at"], name="scan_serial_time"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.serial_id} {self.scanned_at.isoformat()}"


class SerialFlag(AppendOnlyModel):
    """A serial scanned unusually often or from regions far apart, flagged once
    for the operators (`traceability.services.scans`); `batch` repeats the serial's batch
    so a batch's flags and the operators' queue read one table."""

    class Reason(models.TextChoices):
        TOO_MANY = "too_many", _("scanned unusually often")
        FAR_APART = "far_apart", _("scanned in regions far apart")

    serial = models.OneToOneField(
        Serial, on_delete=models.PROTECT, related_name="flag", verbose_name=_("serial")
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="serial_flags", verbose_name=_("batch")
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    flagged_at = models.DateTimeField(_("flagged at"))

    class Meta:
        verbose_name = _("flagged serial")
        verbose_name_plural = _("flagged serials")
        ordering = ["-id"]
        indexes = [models.Index(fields=["batch", "-id"], name="serial_flag_batch")]

    def __str__(self) -> str:
        return f"{self.serial_id} {self.reason}"


class SerialFlagClearance(AppendOnlyModel):
    """An operator found a flag unfounded (a family sharing a pack, a test) and
    said why: the buyer's notice goes, the flag and its scans stay."""

    flag = models.OneToOneField(
        SerialFlag, on_delete=models.PROTECT, related_name="clearance", verbose_name=_("flag")
    )
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cleared by"),
    )
    reason = models.CharField(_("reason"), max_length=500)
    cleared_at = models.DateTimeField(_("cleared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cleared flag")
        verbose_name_plural = _("cleared flags")

    def __str__(self) -> str:
        return f"{self.flag_id}: {self.reason}"


class BatchRecall(AppendOnlyModel):
    """A batch withdrawn from sale for safety: its provenance page and the
    resolver say so first, and the buyers of its orders are told."""

    batch = models.OneToOneField(
        Batch, on_delete=models.PROTECT, related_name="recall", verbose_name=_("batch")
    )
    reason = models.CharField(_("reason"), max_length=500)
    recalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recalled by"),
    )
    recalled_at = models.DateTimeField(_("recalled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("batch recall")
        verbose_name_plural = _("batch recalls")

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.reason}"

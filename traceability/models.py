"""Batches (lots) and the serials of their units.

A batch is one harvest or production run of one variant from one farm. Its
lot and its serials go into GS1 Digital Links (`traceability.digital_link`),
so the database keeps them in the GS1 82-character set; `code` is the short
random code of `{PUBLIC_BASE_URL}/t/{code}` for variants without a GTIN.
Batch codes and serial codes differ in length, so a `/t/` code names one
table. Stock stays on the variant: the batch keeps how much it yielded and
how much of it has been packed (a later issue allocates order lines).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Farm, ProductVariant, Seller
from traceability import digital_link

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

    def __str__(self):
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("batch photo")
        verbose_name_plural = _("batch photos")
        ordering = ["id"]

    def __str__(self):
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

    def __str__(self):
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

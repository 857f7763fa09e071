"""Orders: one per checkout, one fulfilment per seller, lines allocated to batches."""

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog.models import ProductVariant, Seller
from logistics.models import PickupPoint
from shop.core.append_only import AppendOnlyModel
from shop.orders.states import FulfilmentStatus, OrderStatus
from traceability.models import Batch

ZERO = Decimal("0.00")


def money(verbose_name: Any) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, default=ZERO)


class Order(models.Model):
    # The guest's link to the order: unguessable, never the number.
    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    # Completing one checkout twice finds this order instead of placing another.
    checkout_token = models.UUIDField(_("checkout"), unique=True, editable=False)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        verbose_name=_("buyer"),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.UNCONFIRMED
    )
    gateway = models.CharField(_("payment method"), max_length=20)
    pickup_point = models.ForeignKey(
        PickupPoint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("pickup point"),
    )
    # A home delivery: who, where, and the division code that chose the zone.
    recipient = models.CharField(_("recipient"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    division_code = models.CharField(_("division code"), max_length=12, blank=True)
    subtotal = money(_("subtotal"))
    shipping = money(_("shipping"))
    total = money(_("total"))
    amount_paid = money(_("paid"))
    amount_refunded = money(_("refunded"))
    created_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("shipping")), name="order_total_adds_up"
            ),
            models.CheckConstraint(
                condition=Q(subtotal__gte=0), name="order_subtotal_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount_paid")),
                name="order_refund_within_paid",
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__lte=F("total")), name="order_paid_within_total"
            ),
        ]
        indexes = [models.Index(fields=["buyer", "-id"])]

    def __str__(self) -> str:
        return f"#{self.pk}"


class Fulfilment(models.Model):
    """What one seller sends for an order."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="fulfilments", verbose_name=_("order")
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="fulfilments", verbose_name=_("seller")
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=FulfilmentStatus.choices,
        default=FulfilmentStatus.WAITING,
    )
    subtotal = money(_("subtotal"))
    shipping = money(_("shipping"))
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("fulfilment")
        verbose_name_plural = _("fulfilments")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seller"], name="fulfilment_one_per_seller")
        ]
        indexes = [models.Index(fields=["seller", "status", "-id"])]

    def __str__(self) -> str:
        return f"{self.order} / {self.seller}"


class OrderLine(models.Model):
    """A variant bought, with what the buyer saw copied: a later edit of the
    product changes no order."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    fulfilment = models.ForeignKey(
        Fulfilment, on_delete=models.CASCADE, related_name="lines", verbose_name=_("fulfilment")
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="+", verbose_name=_("seller")
    )
    variant = models.ForeignKey(
        ProductVariant,
        null=True,
        on_delete=models.SET_NULL,
        related_name="order_lines",
        verbose_name=_("variant"),
    )
    product_name = models.CharField(_("product"), max_length=200)
    variant_name = models.CharField(_("unit"), max_length=80)
    sku = models.CharField(_("SKU"), max_length=64)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField(_("quantity"))
    quantity_refunded = models.PositiveIntegerField(_("quantity refunded"), default=0)
    total = money(_("total"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(quantity_refunded__lte=F("quantity")),
                name="order_line_refund_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} {self.variant_name} × {self.quantity}"


class Allocation(models.Model):
    """How many units of a line come from one batch: the line's trace."""

    line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, related_name="allocations", verbose_name=_("line")
    )
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("batch")
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "batch"], name="allocation_one_per_batch"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="allocation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} × {self.quantity}"


class OrderEvent(AppendOnlyModel):
    """The order's history, as its buyer, its sellers and operators see it."""

    class Kind(models.TextChoices):
        PLACED = "placed", _("Order placed")
        PAYMENT_STARTED = "payment_started", _("Payment started")
        PAID = "paid", _("Paid")
        PAYMENT_FAILED = "payment_failed", _("Payment failed")
        STATUS = "status", _("Status changed")
        FULFILMENT = "fulfilment", _("Shipment updated")
        ALLOCATED = "allocated", _("Batches allocated")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")
        CASH = "cash", _("Cash received")
        RECALL = "recall", _("Batch recalled")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["id"]

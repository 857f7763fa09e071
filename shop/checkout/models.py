"""Checkouts (carts), their lines, and the stock their lines hold for a while."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import ProductVariant
from logistics.models import PickupPoint
from shop.orders.models import Order


class Checkout(models.Model):
    # The cart's name in a cookie or an API client: unguessable.
    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checkouts",
        verbose_name=_("buyer"),
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    pickup_point = models.ForeignKey(
        PickupPoint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("pickup point"),
    )
    recipient = models.CharField(_("recipient"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    division_code = models.CharField(_("division code"), max_length=12, blank=True)
    # Set once, by the completion that placed it: completing again returns it.
    order = models.OneToOneField(
        Order,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("order"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        ordering = ["-updated_at", "-id"]
        constraints = [
            # A signed-in buyer has one open cart, on every device.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(order__isnull=True, user__isnull=False),
                name="checkout_one_open_per_user",
            )
        ]

    def __str__(self) -> str:
        return str(self.token)


class CheckoutLine(models.Model):
    checkout = models.ForeignKey(
        Checkout, on_delete=models.CASCADE, related_name="lines", verbose_name=_("checkout")
    )
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, related_name="+", verbose_name=_("variant")
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("checkout line")
        verbose_name_plural = _("checkout lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["checkout", "variant"], name="checkout_line_once"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="checkout_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} × {self.quantity}"


class Reservation(models.Model):
    """Stock a line holds until `expires_at`: no one else can take it meanwhile."""

    line = models.OneToOneField(
        CheckoutLine, on_delete=models.CASCADE, related_name="reservation", verbose_name=_("line")
    )
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, related_name="+", verbose_name=_("variant")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        indexes = [models.Index(fields=["variant", "expires_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_positive")
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} × {self.quantity} until {self.expires_at}"

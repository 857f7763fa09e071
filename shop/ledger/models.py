"""A double-entry ledger: balances are sums of legs, and a transaction's legs sum to zero.

Why not django-hordak: it needs PostgreSQL or MySQL (the embedded default is
SQLite) and brings django-money and django-mptt for what is three tables
here. The same guarantees are kept: legs are append-only, and on PostgreSQL a
deferred constraint trigger refuses, at commit, a transaction whose legs do
not sum to zero (migration 0002); on SQLite the one posting function checks it.

A leg's amount is a debit when positive, a credit when negative.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Seller
from logistics.models import PickupPoint
from shop.core.append_only import AppendOnlyModel
from shop.orders.models import Order, OrderLine


class Account(models.Model):
    class Kind(models.TextChoices):
        # Money a gateway holds for us (card, Alipay, WeChat Pay, the test gateway).
        GATEWAY = "gateway", _("Payment gateway")
        # Cash a station took at pickup and has not handed over.
        STATION_CASH = "station_cash", _("Station cash")
        SELLER_PAYABLE = "seller_payable", _("Owed to seller")
        COMMISSION = "commission", _("Platform commission")
        SHIPPING = "shipping", _("Shipping")

    code = models.CharField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    seller = models.ForeignKey(
        Seller, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pickup_point = models.ForeignKey(
        PickupPoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Transaction(AppendOnlyModel):
    class Kind(models.TextChoices):
        SALE = "sale", _("Sale")
        REFUND = "refund", _("Refund")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="ledger_transactions", verbose_name=_("order")
    )
    # Posting twice for the same event (a retried task, a webhook sent twice) finds this one.
    key = models.CharField(_("key"), max_length=80, unique=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["id"]


class Leg(AppendOnlyModel):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="legs")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="legs")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    # Which seller's sale this money is: the impact reports sum it per seller.
    seller = models.ForeignKey(
        Seller, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order_line = models.ForeignKey(
        OrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("leg")
        verbose_name_plural = _("legs")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="leg_not_zero")]
        indexes = [models.Index(fields=["account", "transaction"])]

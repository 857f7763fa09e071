"""Posting to the ledger and reading balances. Only the system posts (the
payments app, when money moves); balances are sums of legs, never stored.

A sale of an order, paid through `source` (a gateway's account, or a
station's cash), posts one transaction:

    source                 +total
    each line:  seller     -(line total - commission)    (the line and its seller named)
                commission -round(line total × rate of the seller's kind)
    shipping               -shipping                      (per seller)

A refund posts the same legs, reversed, for the units and shipping given back.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils.translation import gettext_lazy as _

from catalog.models import Seller
from logistics.models import PickupPoint
from shop.core.roles import PLATFORM_ONLY, Actor, require
from shop.ledger.models import Account, Leg, Transaction
from shop.ledger.policies import can_post, can_view_books
from shop.orders.models import Order, OrderLine

CENT = Decimal("0.01")
HALF_CENT = Decimal("0.005")
COMMISSION = "platform:commission"
EARNING_KINDS = (Account.Kind.SELLER_PAYABLE, Account.Kind.COMMISSION)
SHIPPING = "platform:shipping"


class Unbalanced(Exception):
    """A posting whose legs do not sum to zero: a bug, never user input."""


@dataclass(frozen=True)
class LegSpec:
    account: str
    amount: Decimal
    seller_id: int | None = None
    line_id: int | None = None


def gateway_account(gateway: str) -> str:
    return f"gateway:{gateway}"


def station_cash_account(point: PickupPoint) -> str:
    return f"station:{point.pk}:cash"


def seller_account(seller_id: int) -> str:
    return f"seller:{seller_id}:payable"


def commission_rate(seller_kind: str) -> Decimal:
    rates: Mapping[str, str] = settings.COMMISSION_RATES
    return Decimal(rates.get(seller_kind, rates["default"]))


def _kind_of(code: str) -> tuple[str, dict[str, int]]:
    head, _sep, rest = code.partition(":")
    if head == "seller":
        return Account.Kind.SELLER_PAYABLE, {"seller_id": int(rest.split(":")[0])}
    if head == "station":
        return Account.Kind.STATION_CASH, {"pickup_point_id": int(rest.split(":")[0])}
    if head == "gateway":
        return Account.Kind.GATEWAY, {}
    return (Account.Kind.COMMISSION if code == COMMISSION else Account.Kind.SHIPPING), {}


def _accounts(codes: Iterable[str]) -> dict[str, Account]:
    """The accounts named, made on first use: one query once they all exist,
    three whatever their number the first time."""
    codes = set(codes)
    found = {a.code: a for a in Account.objects.filter(code__in=codes)}
    if codes <= found.keys():
        return found
    Account.objects.bulk_create(
        [Account(code=code, kind=_kind_of(code)[0], **_kind_of(code)[1]) for code in codes],
        ignore_conflicts=True,
    )
    return {a.code: a for a in Account.objects.filter(code__in=codes)}


def post(*, actor: Actor, kind: str, order: Order, key: str, legs: list[LegSpec]) -> Transaction:
    """Write one balanced transaction, once per `key`: posting the same key again
    returns the first transaction and writes nothing."""
    require(actor, can_post(actor), PLATFORM_ONLY)
    legs = [leg for leg in legs if leg.amount]
    if sum((leg.amount for leg in legs), Decimal(0)) != 0 or not legs:
        raise Unbalanced(f"legs of {key} sum to {sum(leg.amount for leg in legs)}")
    accounts = _accounts(leg.account for leg in legs)
    try:
        with transaction.atomic():
            posted = Transaction.objects.create(kind=kind, order=order, key=key)
            Leg.objects.bulk_create(
                Leg(
                    transaction=posted,
                    account=accounts[leg.account],
                    amount=leg.amount,
                    seller_id=leg.seller_id,
                    order_line_id=leg.line_id,
                )
                for leg in legs
            )
    except IntegrityError:
        return Transaction.objects.get(key=key)
    return posted


def _line_legs(line: OrderLine, units: int, seller_kind: str, sign: int) -> list[LegSpec]:
    amount = line.unit_price * units
    commission = (amount * commission_rate(seller_kind)).quantize(CENT, ROUND_HALF_UP)
    return [
        LegSpec(
            seller_account(line.seller_id), sign * (commission - amount), line.seller_id, line.pk
        ),
        LegSpec(COMMISSION, sign * -commission, line.seller_id, line.pk),
    ]


def _sale_legs(
    order: Order,
    source: str,
    units: Mapping[int, int],
    shipping: Mapping[int, Decimal],
    sign: int,
    lines: Iterable[OrderLine] | None = None,
) -> list[LegSpec]:
    if lines is None:
        lines = order.lines.select_related("seller")
    lines = [line for line in lines if units.get(line.pk)]
    legs: list[LegSpec] = []
    for line in lines:
        legs += _line_legs(line, units[line.pk], line.seller.kind, sign)
    legs += [LegSpec(SHIPPING, sign * -amount, seller) for seller, amount in shipping.items()]
    total = -sum((leg.amount for leg in legs), Decimal(0))
    return [LegSpec(source, total), *legs]


def record_sale(*, actor: Actor, order: Order, source: str) -> Transaction:
    """Book `order` as paid through `source`, once."""
    lines = list(order.lines.select_related("seller", "fulfilment"))
    units = {line.pk: line.quantity for line in lines}
    # Every fulfilment has lines: its shipping is read with them.
    shipping = {line.fulfilment.seller_id: line.fulfilment.shipping for line in lines}
    legs = _sale_legs(order, source, units, shipping, 1, lines)
    return post(
        actor=actor, kind=Transaction.Kind.SALE, order=order, key=f"sale:{order.pk}", legs=legs
    )


def record_refund(
    *,
    actor: Actor,
    order: Order,
    source: str,
    key: str,
    units: Mapping[int, int],
    shipping: Mapping[int, Decimal],
) -> Transaction:
    """Book giving back `units` (line pk → units) and `shipping` (seller pk → amount)."""
    legs = _sale_legs(order, source, units, shipping, -1)
    return post(actor=actor, kind=Transaction.Kind.REFUND, order=order, key=key, legs=legs)


def refund_amount(
    order: Order, units: Mapping[int, int], shipping: Mapping[int, Decimal]
) -> Decimal:
    """What giving back `units` and `shipping` returns to the buyer."""
    lines = order.lines.filter(pk__in=[pk for pk, n in units.items() if n])
    goods = sum((line.unit_price * units[line.pk] for line in lines), Decimal("0.00"))
    return goods + sum(shipping.values(), Decimal("0.00"))


def balance(code: str) -> Decimal:
    total = Leg.objects.filter(account__code=code).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


def seller_earnings(seller: Seller, since: object = None, until: object = None) -> Decimal:
    """What the seller has earned from sales net of refunds and commission in the period."""
    legs = Leg.objects.filter(account__code=seller_account(seller.pk))
    if since:
        legs = legs.filter(transaction__created_at__gte=since)
    if until:
        legs = legs.filter(transaction__created_at__lt=until)
    total = legs.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    return -total


def check_books() -> list[str]:
    """Every transaction that does not sum to zero (none, unless someone edited the tables)."""
    unbalanced = (
        Leg.objects.order_by()
        .values("transaction__key")
        .annotate(total=Sum("amount"))
        # SQLite sums decimals as floats: a fen is the smallest real difference.
        .filter(Q(total__gte=HALF_CENT) | Q(total__lte=-HALF_CENT))
        .values_list("transaction__key", flat=True)
    )
    return list(unbalanced)


GROUPINGS = {
    "seller": "seller_id",
    "county": "county",
    "month": "month",
}


def earnings_by(
    *, actor: Actor, by: str, since: object = None, until: object = None
) -> list[dict[str, Any]]:
    """Operators' totals of what sellers earned (net of refunds and commission)
    and of the commission, per seller, per county (the seller's 6-digit
    division code) or per month (Asia/Shanghai), from the legs' seller
    attribution."""
    require(actor, can_view_books(actor), _("Only platform operators may do this."))
    if by not in GROUPINGS:
        raise ValueError(f"cannot group by {by!r}")
    legs = Leg.objects.filter(seller__isnull=False, account__kind__in=EARNING_KINDS)
    if since:
        legs = legs.filter(transaction__created_at__gte=since)
    if until:
        legs = legs.filter(transaction__created_at__lt=until)
    legs = legs.annotate(
        county=Substr("seller__division_code", 1, 6),
        month=TruncMonth("transaction__created_at"),
    )
    rows = (
        legs.order_by()
        .values(GROUPINGS[by])
        .annotate(
            earned=Sum("amount", filter=Q(account__kind=Account.Kind.SELLER_PAYABLE)),
            commission=Sum("amount", filter=Q(account__kind=Account.Kind.COMMISSION)),
        )
        .order_by(GROUPINGS[by])
    )
    return [
        {
            "key": row[GROUPINGS[by]],
            "earned": -(row["earned"] or Decimal(0)),
            "commission": -(row["commission"] or Decimal(0)),
        }
        for row in rows
    ]

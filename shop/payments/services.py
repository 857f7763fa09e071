"""Money moving for orders: paying, provider events, cash at pickup, refunds, cancelling.

Locks follow `shop.core.db.lock_rows`: the order, then its payments, then
(cancelling) stock and batches. A provider is called with no lock held when
paying (the payment row is written first, so its webhook can find it), and
with the order and payment locked but never stock when refunding, so that
two refunds of one order cannot both pass the "at most what was paid" check.

Statuses only move forward (`RANK`): an event that arrives late or twice
changes nothing.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from shop.core.db import lock_all, lock_rows
from shop.core.errors import DomainError, NotAllowed
from shop.core.roles import SYSTEM, Actor, is_signed_in, is_system, require
from shop.ledger import services as ledger
from shop.orders import services as orders
from shop.orders.models import Order, OrderEvent, OrderLine
from shop.orders.states import OrderStatus
from shop.payments import gateways
from shop.payments.errors import PaymentErrorCode as Code
from shop.payments.gateways.base import Answer, Charge, GatewayError, Outcome, WebhookEvent
from shop.payments.models import Payment, ProviderEvent, Refund
from shop.payments.policies import can_pay, can_record_cash, can_refund

S = Payment.Status
RANK: dict[str, int] = {
    S.STARTED: 0,
    S.ACTION_REQUIRED: 1,
    S.PENDING: 2,
    S.FAILED: 3,
    S.SUCCEEDED: 4,
}
STATUS_OF = {
    Outcome.SUCCEEDED: S.SUCCEEDED,
    Outcome.ACTION_REQUIRED: S.ACTION_REQUIRED,
    Outcome.PENDING: S.PENDING,
    Outcome.FAILED: S.FAILED,
}
LIVE = (S.STARTED, S.ACTION_REQUIRED, S.PENDING, S.SUCCEEDED)
METHODS = {"stripe": ("card", "alipay", "wechat_pay")}
# What recording a provider's answer changes on a payment.
APPLIED = ["reference", "status", "message", "captured", "updated_at"]


@dataclass(frozen=True)
class Started:
    payment: Payment
    client_secret: str = ""


def _gateway(name: str) -> gateways.Gateway:
    gateway = gateways.get(name)
    if gateway is None:
        raise DomainError(Code.UNKNOWN_GATEWAY, _("This payment method is not offered."), "gateway")
    return gateway


def pay(
    *, actor: Actor, order: Order, gateway: str, scenario: str = "", token: object = None
) -> Started:
    """Start (or find again) the payment of `order` through `gateway`. Calling it
    twice for one order gives the same payment and sends the provider the same
    idempotency key, so it never charges twice. A guest shows the order's `token`."""
    if not can_pay(actor, order, token):
        raise NotAllowed(orders.NOT_YOURS, signed_in=is_signed_in(actor))
    _gateway(gateway)
    with transaction.atomic():
        locked = orders.lock_order(order)
        if locked.status not in (OrderStatus.UNCONFIRMED, OrderStatus.UNPAID):
            raise DomainError(
                Code.NOT_PAYABLE, _("This order is not waiting for payment."), "order"
            )
        live = locked.payments.filter(status__in=LIVE).order_by("-pk").first()
        if live and live.status == S.SUCCEEDED:
            raise DomainError(Code.ALREADY_PAID, _("This order is already paid."), "order")
        payment = live if live and live.gateway == gateway else _open(locked, gateway)
    return charge(payment=payment, scenario=scenario)


def _open(order: Order, gateway: str) -> Payment:
    payment = Payment.objects.create(
        order=order, gateway=gateway, amount=order.total - order.amount_paid
    )
    OrderEvent.objects.create(
        order=order, kind=OrderEvent.Kind.PAYMENT_STARTED, data={"gateway": gateway}
    )
    return payment


def open_payment(*, actor: Actor, order: Order, gateway: str) -> Payment:
    """The first payment of an order checkout has just placed, written in the
    same transaction (the provider is called after it commits, by `charge`)."""
    require(actor, is_system(actor), _("Only checkout opens an order's first payment."))
    _gateway(gateway)
    return _open(order, gateway)


def charge(*, payment: Payment, scenario: str = "") -> Started:
    """Ask the provider for `payment` (its row already written, so that a webhook
    finds it) and record the answer. No lock is held while the provider works."""
    order = payment.order
    provider = _gateway(payment.gateway)
    request = Charge(
        idempotency_key=str(payment.token),
        amount=payment.amount,
        methods=METHODS.get(payment.gateway, ("card",)),
        description=f"Order {order.pk}",
        metadata={"payment": str(payment.token), "order": str(order.pk)},
        scenario=scenario,
    )
    try:
        # A payment the provider already knows is read back, not created again.
        answer = (
            provider.retrieve(payment.reference) if payment.reference else provider.start(request)
        )
    except GatewayError:
        raise DomainError(
            Code.GATEWAY_UNAVAILABLE,
            _("The payment service did not answer. Try again in a moment."),
            "gateway",
        ) from None
    payment = apply(
        payment=payment, outcome=answer.outcome, reference=answer.reference, message=answer.message
    )
    return Started(payment, answer.client_secret)


def apply(*, payment: Payment, outcome: Outcome, reference: str = "", message: str = "") -> Payment:
    """Record what the provider says of `payment`, forward only; on success book
    the sale and confirm the order (or, if it was cancelled meanwhile, keep the
    money on record for a refund)."""
    with transaction.atomic():
        order = orders.lock_order(payment.order)
        locked = lock_rows(Payment, [payment.pk])[payment.pk]
        status = STATUS_OF[outcome]
        if reference and not locked.reference:
            locked.reference = reference
        if RANK[status] > RANK[locked.status] and locked.status != S.SUCCEEDED:
            locked.status = status
            locked.message = message[:255]
            if status == S.SUCCEEDED:
                _capture(order, locked, ledger.gateway_account(locked.gateway))
                if order.status == OrderStatus.CANCELLED:
                    # Paid after the order was cancelled (a late webhook): give it all back.
                    locked.save(update_fields=APPLIED)
                    _refund_locked(SYSTEM, order, *_everything(order))
                    locked.refresh_from_db()
            elif status == S.FAILED:
                OrderEvent.objects.create(
                    order=order, kind=OrderEvent.Kind.PAYMENT_FAILED, data={"message": message}
                )
        locked.save(update_fields=APPLIED)
    locked.order = order  # the order as this change left it
    return locked


def sync(*, payment: Payment) -> Payment:
    """Ask the provider how `payment` stands now and record it (forward only):
    the buyer's return from Stripe need not wait for the webhook."""
    if not payment.reference or payment.status == S.SUCCEEDED:
        return payment
    try:
        answer = _gateway(payment.gateway).retrieve(payment.reference)
    except GatewayError:
        return payment
    return apply(payment=payment, outcome=answer.outcome, message=answer.message)


def _capture(order: Order, payment: Payment, source: str) -> None:
    payment.status = S.SUCCEEDED
    payment.captured = payment.amount
    order.amount_paid += payment.amount
    ledger.record_sale(actor=SYSTEM, order=order, source=source)
    paid = OrderEvent(order=order, kind=OrderEvent.Kind.PAID, data={"gateway": payment.gateway})
    if order.status != OrderStatus.UNCONFIRMED:
        order.save(update_fields=["amount_paid", "updated_at"])
        paid.save()
    else:
        orders.move(order, OrderStatus.PAID, actor=SYSTEM, changed=["amount_paid"], events=[paid])
        orders.tell_buyer(
            order, _("Thank you! Your order %(number)s is paid."), {"number": order.pk}
        )
        orders.tell_sellers(order, _("New order %(number)s to pack."), {"number": order.pk})


def _everything(order: Order) -> tuple[dict[int, int], dict[int, Decimal]]:
    """Every unit and all shipping of `order`, to refund it whole."""
    units = {line.pk: line.quantity - line.quantity_refunded for line in order.lines.all()}
    return units, {f.seller_id: f.shipping for f in order.fulfilments.all()}


def handle_event(*, provider: str, event: WebhookEvent) -> bool:
    """Apply a provider's signed event once: False when it was seen before or
    names no payment of ours. The event's record and its effect commit together."""
    token = event.metadata.get("payment", "")
    payment = Payment.objects.filter(gateway=provider, token=token).first() if token else None
    payment = payment or Payment.objects.filter(gateway=provider, reference=event.reference).first()
    if payment is None:
        return False
    try:
        with transaction.atomic():
            ProviderEvent.objects.create(provider=provider, event_id=event.id, type=event.type)
            apply(payment=payment, outcome=event.outcome, reference=event.reference)
    except IntegrityError:
        return False
    return True


def record_cash(*, actor: Actor, order: Order, amount: Decimal) -> Payment:
    """Station staff took `amount` in cash as the buyer collected the order."""
    require(
        actor, can_record_cash(actor, order), _("You are not staff of this order's pickup point.")
    )
    with transaction.atomic():
        locked_order = orders.lock_order(order)
        payment = locked_order.payments.filter(gateway="cash", status__in=LIVE).first()
        if payment is None or payment.status == S.SUCCEEDED:
            raise DomainError(Code.NOT_PAYABLE, _("This order is not waiting for cash."), "order")
        payment = lock_rows(Payment, [payment.pk])[payment.pk]
        if amount != payment.amount:
            raise DomainError(
                Code.WRONG_AMOUNT,
                _("The order asks for ¥%(amount)s.") % {"amount": payment.amount},
                "amount",
            )
        _capture(locked_order, payment, _cash_account(locked_order))
        payment.save()
        OrderEvent.objects.create(
            order=locked_order,
            kind=OrderEvent.Kind.CASH,
            actor=orders.actor_user(actor),
            data={"amount": str(amount)},
        )
        if locked_order.status == OrderStatus.READY_FOR_PICKUP:
            orders.move(locked_order, OrderStatus.COLLECTED, actor=actor)
    return payment


def _cash_account(order: Order) -> str:
    """Cash is taken at the order's pickup point (checkout offers cash only there)."""
    if order.pickup_point is None:
        raise DomainError(Code.NOT_PAYABLE, _("Cash is paid at a pickup point."), "order")
    return ledger.station_cash_account(order.pickup_point)


def _refund_locked(
    actor: Actor, order: Order, units: Mapping[int, int], shipping: Mapping[int, Decimal]
) -> Decimal:
    """Give back `units` and `shipping` of the locked order through the gateway
    that was paid: provider first, then the records. Returns the amount."""
    amount = ledger.refund_amount(order, units, shipping)
    if amount <= 0:
        raise DomainError(Code.NOTHING_TO_REFUND, _("Choose what to refund."), "lines")
    paid = order.payments.filter(status=S.SUCCEEDED).values_list("pk", flat=True)
    payments = lock_rows(Payment, list(paid))
    payment = next((p for p in payments.values() if p.captured - p.refunded >= amount), None)
    if payment is None:
        raise DomainError(
            Code.REFUND_TOO_LARGE, _("That is more than was paid and not yet refunded."), "lines"
        )
    refund = Refund(payment=payment, amount=amount)
    try:
        answer: Answer = _gateway(payment.gateway).refund(
            reference=payment.reference, amount=amount, idempotency_key=str(refund.token)
        )
    except GatewayError:
        raise DomainError(
            Code.GATEWAY_UNAVAILABLE, _("The payment service did not answer. Try again."), "gateway"
        ) from None
    if answer.outcome == Outcome.FAILED:
        raise DomainError(
            Code.PAYMENT_FAILED, _("The payment service refused the refund."), "gateway"
        )
    refund.reference = answer.reference
    refund.save()
    payment.refunded += amount
    payment.save(update_fields=["refunded", "updated_at"])
    order.amount_refunded += amount
    order.save(update_fields=["amount_refunded", "updated_at"])
    source = (
        _cash_account(order)
        if payment.gateway == "cash"
        else ledger.gateway_account(payment.gateway)
    )
    ledger.record_refund(
        actor=SYSTEM,
        order=order,
        source=source,
        key=f"refund:{refund.token}",
        units=units,
        shipping=shipping,
    )
    OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind.REFUNDED,
        actor=orders.actor_user(actor),
        data={"amount": str(amount), "lines": {str(k): v for k, v in units.items() if v}},
    )
    return amount


def refund(*, actor: Actor, order: Order, lines: Mapping[OrderLine, int] | None = None) -> Decimal:
    """Refund whole (`lines` None: every unit not yet refunded, and shipping) or
    the units given per line. Sellers refund their own lines; operators any."""
    whole = lines is None
    chosen = (
        {line: line.quantity - line.quantity_refunded for line in order.lines.all()}
        if lines is None
        else dict(lines)
    )
    sellers = {line.seller_id for line in chosen}
    require(actor, can_refund(actor, order, sellers), _("You may not refund this order."))
    with transaction.atomic():
        locked = orders.lock_order(order)
        if locked.amount_paid <= locked.amount_refunded:
            raise DomainError(Code.NOTHING_TO_REFUND, _("Nothing paid is left to refund."), "order")
        fresh = lock_all(locked.lines.all())
        for line, count in chosen.items():
            current = fresh.get(line.pk)
            if current is None or count < 0 or count > current.quantity - current.quantity_refunded:
                raise DomainError(
                    Code.REFUND_TOO_LARGE, _("That is more than is left to refund."), "lines"
                )
        shipping = {f.seller_id: f.shipping for f in locked.fulfilments.all()} if whole else {}
        units = {line.pk: count for line, count in chosen.items() if count}
        amount = _refund_locked(actor, locked, units, shipping)
        for pk, n in units.items():
            fresh[pk].quantity_refunded += n
        OrderLine.objects.bulk_update(list(fresh.values()), ["quantity_refunded"])
        fully = whole and locked.amount_refunded == locked.amount_paid
        if fully and orders.may_move(locked.status, OrderStatus.REFUNDED):
            orders.move(locked, OrderStatus.REFUNDED, actor=actor)
        orders.tell_buyer(
            locked,
            _("¥%(amount)s of your order %(number)s is refunded."),
            {"amount": amount, "number": locked.pk},
        )
    return amount


def cancel(*, actor: Actor, order: Order, reason: str = "", token: object = None) -> Order:
    """Cancel `order`: refund what was paid, then give its stock back. A guest
    cancels by showing the order's `token` (`can_cancel_as_buyer`)."""
    with transaction.atomic():
        locked = orders.lock_order(order)
        orders.check_cancellable(actor, locked, token=token)
        if locked.amount_paid > locked.amount_refunded:
            _refund_locked(actor, locked, *_everything(locked))
        for payment in locked.payments.filter(status__in=(S.STARTED, S.PENDING, S.ACTION_REQUIRED)):
            payment.status = S.FAILED
            payment.message = "order cancelled"
            payment.save(update_fields=["status", "message", "updated_at"])
        orders.cancel_locked(actor, locked, reason, token=token)
    return locked

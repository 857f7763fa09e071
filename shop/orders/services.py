"""Writes on orders: placing (for checkout), status moves, fulfilment, batch
allocation, cancellation's stock, recall. Money is the payments app's.

Every status move goes through `_move`, under the order's row lock, checked
against the one table in `states.py`, and leaves an `OrderEvent`.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from catalog import services as catalog_services
from catalog.models import ProductVariant
from logistics.models import PickupPoint
from shop.core.db import lock_rows
from shop.core.errors import DomainError
from shop.core.notifications import notify
from shop.core.roles import SYSTEM, Actor, is_operator, is_system, require
from shop.orders.allocation import Want, allocate, candidate_batches, packed_amount
from shop.orders.errors import OrderErrorCode as Code
from shop.orders.models import Allocation, Fulfilment, Order, OrderEvent, OrderLine
from shop.orders.policies import can_cancel_as_buyer, can_handle_fulfilment, can_place_orders
from shop.orders.states import (
    ALLOCATION_OPEN,
    BUYER_MAY_CANCEL,
    FULFILMENT_MOVES,
    FULFILMENT_STAGES,
    STAFF_MAY_CANCEL,
    FulfilmentStatus,
    OrderStatus,
    may_move,
)
from traceability.models import Batch
from traceability.services.recalls import move_packed, recall_batch

NOT_YOURS = _("This is not your order.")
MAX_TRACKING = 40


@dataclass(frozen=True)
class Placed:
    """One line as checkout priced it."""

    variant: ProductVariant
    quantity: int


@dataclass(frozen=True)
class Delivery:
    pickup_point: PickupPoint | None = None
    recipient: str = ""
    address: str = ""
    division_code: str = ""


def actor_user(actor: Actor) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _event(order: Order, kind: str, actor: Actor, **data: Any) -> OrderEvent:
    return OrderEvent(order=order, kind=kind, actor=actor_user(actor), data=data)


def place_order(
    *,
    actor: Actor,
    checkout_token: Any,
    buyer: Any,
    email: str,
    phone: str,
    language: str,
    gateway: str,
    delivery: Delivery,
    lines: Sequence[Placed],
    shipping: Mapping[int, Decimal],
) -> Order:
    """Write the order, its fulfilments (one per seller, `shipping` by seller
    pk), lines and allocations, and take the stock: all in the caller's
    transaction, with the checkout and stock already locked by it. A constant
    number of queries whatever the number of lines."""
    require(actor, can_place_orders(actor), _("Only checkout places orders."))
    sellers = sorted({placed.variant.seller_id for placed in lines})
    subtotals = {pk: Decimal("0.00") for pk in sellers}
    for placed in lines:
        subtotals[placed.variant.seller_id] += placed.variant.price * placed.quantity
    subtotal = sum(subtotals.values(), Decimal("0.00"))
    shipping_total = sum((shipping.get(pk, Decimal("0.00")) for pk in sellers), Decimal("0.00"))
    cash = gateway == "cash"
    order = Order.objects.create(
        checkout_token=checkout_token,
        buyer=buyer,
        email=email,
        phone=phone,
        language=language,
        gateway=gateway,
        status=OrderStatus.UNPAID if cash else OrderStatus.UNCONFIRMED,
        pickup_point=delivery.pickup_point,
        recipient=delivery.recipient,
        address=delivery.address,
        division_code=delivery.division_code,
        subtotal=subtotal,
        shipping=shipping_total,
        total=subtotal + shipping_total,
    )
    fulfilments = Fulfilment.objects.bulk_create(
        Fulfilment(
            order=order,
            seller_id=pk,
            subtotal=subtotals[pk],
            shipping=shipping.get(pk, Decimal("0.00")),
        )
        for pk in sellers
    )
    by_seller = {f.seller_id: f for f in fulfilments}
    order_lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            fulfilment=by_seller[placed.variant.seller_id],
            seller_id=placed.variant.seller_id,
            variant=placed.variant,
            product_name=placed.variant.product.name,
            variant_name=placed.variant.name,
            sku=placed.variant.sku,
            unit_price=placed.variant.price,
            quantity=placed.quantity,
            total=placed.variant.price * placed.quantity,
        )
        for placed in lines
    )
    catalog_services.move_stock(
        actor=SYSTEM,
        deltas={placed.variant.pk: -placed.quantity for placed in lines},
        locked={placed.variant.pk: placed.variant for placed in lines},
    )
    _allocate_oldest_first(order_lines)
    OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.PLACED, actor=actor_user(buyer))
    return order


def _allocate_oldest_first(lines: Sequence[OrderLine]) -> None:
    wants = [
        Want(line.pk, line.variant.pk, line.variant.net_weight_grams, line.quantity)
        for line in lines
        if line.variant is not None
    ]
    plan = allocate(wants, candidate_batches(want.variant_id for want in wants))
    _write_allocations(plan, {line.pk: line for line in lines})


def _write_allocations(plan: Iterable[tuple[int, Batch, int]], lines: Mapping[int, Any]) -> None:
    plan = list(plan)
    packed: dict[int, Decimal] = {}
    for line_pk, batch, units in plan:
        amount = packed_amount(batch.unit, lines[line_pk].variant.net_weight_grams, units)
        packed[batch.pk] = packed.get(batch.pk, Decimal(0)) + amount
    move_packed(actor=SYSTEM, deltas=packed)
    Allocation.objects.bulk_create(
        Allocation(line_id=line_pk, batch=batch, quantity=units) for line_pk, batch, units in plan
    )


def _release(order: Order) -> None:
    """Give the stock and the batches' packed units of `order`'s lines back."""
    lines = list(order.lines.select_related("variant"))
    allocations = list(Allocation.objects.filter(line__order=order).select_related("batch"))
    by_line = {line.pk: line for line in lines}
    packed: dict[int, Decimal] = {}
    for allocation in allocations:
        line = by_line[allocation.line_id]
        grams = line.variant.net_weight_grams if line.variant else 0
        amount = packed_amount(allocation.batch.unit, grams, allocation.quantity)
        packed[allocation.batch_id] = packed.get(allocation.batch_id, Decimal(0)) - amount
    # Nothing left a seller's hands (cancelling stops there): every unit goes
    # back, refunded or not.
    catalog_services.move_stock(
        actor=SYSTEM,
        deltas={line.variant_id: line.quantity for line in lines if line.variant_id},
    )
    move_packed(actor=SYSTEM, deltas=packed)


def lock_order(order: Order) -> Order:
    return lock_rows(Order, [order.pk])[order.pk]


def move(
    locked: Order,
    to: str,
    *,
    actor: Actor,
    changed: Sequence[str] = (),
    events: Sequence[OrderEvent] = (),
    **data: Any,
) -> None:
    """Move the locked order to `to`, if the table allows it, with its event;
    the `changed` fields and other `events` are written in the same statements."""
    if not may_move(locked.status, to):
        raise DomainError(
            Code.INVALID_STATUS,
            _("An order that is %(status)s cannot become %(to)s.")
            % {"status": locked.get_status_display(), "to": OrderStatus(to).label},
            "status",
        )
    before = locked.status
    locked.status = to
    locked.save(update_fields=["status", "updated_at", *changed])
    moved = OrderEvent(
        order=locked,
        kind=OrderEvent.Kind.STATUS,
        actor=actor_user(actor),
        data={"from": before, "to": to, **data},
    )
    OrderEvent.objects.bulk_create([*events, moved])


def check_cancellable(actor: Actor, order: Order, *, token: object = None) -> None:
    """Who may cancel, and until when; raises NotAllowed or DomainError. A
    guest shows the order's `token` instead of signing in."""
    staff = (
        is_system(actor)
        or is_operator(actor)
        or any(can_handle_fulfilment(actor, f.seller) for f in order.fulfilments.all())
    )
    if not staff and not can_cancel_as_buyer(actor, order, token):
        # `require` would refuse a guest for not signing in even with the token.
        require(actor, False, NOT_YOURS)
    allowed = STAFF_MAY_CANCEL if staff else BUYER_MAY_CANCEL
    if order.status not in allowed:
        raise DomainError(
            Code.NOT_CANCELLABLE,
            _("This order can no longer be cancelled: it is %(status)s.")
            % {"status": order.get_status_display()},
            "order",
        )


def cancel_locked(actor: Actor, locked: Order, reason: str = "", *, token: object = None) -> None:
    """Cancel the locked order and give its stock back (the payments app refunds first)."""
    check_cancellable(actor, locked, token=token)
    _release(locked)
    move(locked, OrderStatus.CANCELLED, actor=actor, reason=reason)
    locked.fulfilments.update(status=FulfilmentStatus.CANCELLED)
    tell_buyer(locked, _("Your order %(number)s was cancelled."), {"number": locked.pk})


def tell_buyer(order: Order, text: Any, params: Mapping[str, Any] | None = None) -> None:
    """Send `text` (lazy, formatted with `params` in the buyer's language) to
    the order's buyer once the write commits."""
    to = order.phone or order.email
    if to:
        with translation.override(order.language):
            _notify_after_commit(to, str(text) % (params or {}))


def tell_sellers(order: Order, text: Any, params: Mapping[str, Any] | None = None) -> None:
    """Tell the members of every seller in `order` (by phone, else email), after
    commit; one query whatever the number of sellers."""
    members = get_user_model().objects.filter(sellers__fulfilments__order=order)
    for phone, email in members.values_list("phone", "email").distinct():
        to = str(phone or email or "")
        if to:
            _notify_after_commit(to, str(text) % (params or {}))


def _notify_after_commit(to: str, message: str) -> None:
    transaction.on_commit(partial(notify, to, message))


def update_fulfilment(
    *, actor: Actor, fulfilment: Fulfilment, status: str, tracking_number: str = ""
) -> Fulfilment:
    """Pack, ship (with a tracking number) or hand to the order's pickup point;
    the order's status follows its least advanced fulfilment."""
    require(
        actor, can_handle_fulfilment(actor, fulfilment.seller), _("You do not manage this seller.")
    )
    tracking_number = tracking_number.strip()
    if len(tracking_number) > MAX_TRACKING:
        raise DomainError(
            Code.INVALID_TRACKING_NUMBER, _("At most 40 characters."), "tracking_number"
        )
    with transaction.atomic():
        order = lock_order(fulfilment.order)
        locked = lock_rows(Fulfilment, [fulfilment.pk])[fulfilment.pk]
        if status not in FULFILMENT_MOVES.get(locked.status, ()) or status in (
            FulfilmentStatus.CANCELLED,
            FulfilmentStatus.DONE,
        ):
            raise DomainError(
                Code.INVALID_STATUS,
                _("This shipment cannot move to that status now."),
                "status",
            )
        if order.status in (OrderStatus.UNCONFIRMED, OrderStatus.CANCELLED):
            raise DomainError(Code.INVALID_STATUS, _("The order is not confirmed."), "status")
        if status == FulfilmentStatus.SHIPPED and not tracking_number:
            raise DomainError(
                Code.REQUIRED, _("Give the parcel's tracking number."), "tracking_number"
            )
        if status == FulfilmentStatus.AT_STATION and order.pickup_point_id is None:
            raise DomainError(
                Code.INVALID_STATUS, _("This order is delivered to an address."), "status"
            )
        if status == FulfilmentStatus.PACKING and _unallocated(locked):
            raise DomainError(
                Code.NOT_ALLOCATED,
                _("Allocate every unit to a batch before packing."),
                "status",
            )
        locked.status = status
        if tracking_number:
            locked.tracking_number = tracking_number
        locked.save(update_fields=["status", "tracking_number"])
        OrderEvent.objects.create(
            order=order,
            kind=OrderEvent.Kind.FULFILMENT,
            actor=actor_user(actor),
            data={"seller": locked.seller_id, "status": status, "tracking": tracking_number},
        )
        _follow_fulfilments(actor, order)
    return locked


ORDER_STATUS_AT_STAGE: dict[str, str] = {
    FulfilmentStatus.PACKING: OrderStatus.PACKING,
    FulfilmentStatus.SHIPPED: OrderStatus.SHIPPED,
    FulfilmentStatus.AT_STATION: OrderStatus.READY_FOR_PICKUP,
}


def _follow_fulfilments(actor: Actor, order: Order) -> None:
    statuses = [f.status for f in order.fulfilments.all() if f.status != FulfilmentStatus.CANCELLED]
    if not statuses:
        return
    least = min(statuses, key=FULFILMENT_STAGES.index)
    most = max(statuses, key=FULFILMENT_STAGES.index)
    # Packing starts with the first seller; shipping and arrival need every seller.
    stage = most if most == FulfilmentStatus.PACKING else least
    target = ORDER_STATUS_AT_STAGE.get(stage)
    if target and target != order.status and may_move(order.status, target):
        move(order, target, actor=actor)
        if target == OrderStatus.READY_FOR_PICKUP:
            tell_buyer(
                order,
                _("Your order %(number)s is ready for pickup at %(point)s."),
                {"number": order.pk, "point": order.pickup_point},
            )


def _unallocated(fulfilment: Fulfilment) -> bool:
    for line in fulfilment.lines.prefetch_related("allocations"):
        if sum(a.quantity for a in line.allocations.all()) < line.quantity:
            return True
    return False


def set_allocations(
    *, actor: Actor, line: OrderLine, allocations: Mapping[Batch, int]
) -> list[Allocation]:
    """Replace where a line's units come from, before packing: every unit from a
    batch of the line's variant with room for it."""
    require(actor, can_handle_fulfilment(actor, line.seller), _("You do not manage this seller."))
    if sum(allocations.values()) != line.quantity or any(n <= 0 for n in allocations.values()):
        raise DomainError(
            Code.INVALID_ALLOCATION,
            _("Allocate exactly the line's %(quantity)d units, each batch at least one.")
            % {"quantity": line.quantity},
            "allocations",
        )
    if any(batch.variant_id != line.variant_id or _is_recalled(batch) for batch in allocations):
        raise DomainError(
            Code.INVALID_ALLOCATION,
            _("Each batch must be of this product and not recalled."),
            "allocations",
        )
    with transaction.atomic():
        order = lock_order(line.order)
        if order.status not in ALLOCATION_OPEN:
            raise DomainError(
                Code.INVALID_STATUS, _("Batches can be changed only before packing."), "line"
            )
        packed: dict[int, Decimal] = {}
        grams = line.variant.net_weight_grams if line.variant else 0
        for old in Allocation.objects.filter(line=line).select_related("batch"):
            packed[old.batch_id] = packed.get(old.batch_id, Decimal(0)) - packed_amount(
                old.batch.unit, grams, old.quantity
            )
        for batch, units in allocations.items():
            packed[batch.pk] = packed.get(batch.pk, Decimal(0)) + packed_amount(
                batch.unit, grams, units
            )
        Allocation.objects.filter(line=line).delete()
        try:
            move_packed(actor=SYSTEM, deltas=packed)
        except DomainError:
            raise DomainError(
                Code.INVALID_ALLOCATION, _("A batch does not hold that much."), "allocations"
            ) from None
        created = Allocation.objects.bulk_create(
            Allocation(line=line, batch=batch, quantity=units)
            for batch, units in allocations.items()
        )
        OrderEvent.objects.create(
            order=order,
            kind=OrderEvent.Kind.ALLOCATED,
            actor=actor_user(actor),
            data={"line": line.pk, "batches": {str(b.pk): n for b, n in allocations.items()}},
        )
    return created


def _is_recalled(batch: Batch) -> bool:
    return Batch.objects.filter(pk=batch.pk, recall__isnull=False).exists()


def recall(*, actor: Actor, batch: Batch, reason: str) -> list[Order]:
    """Recall `batch` and tell the buyer of every order with units from it."""
    with transaction.atomic():
        record = recall_batch(actor=actor, batch=batch, reason=reason)
        orders = list(
            Order.objects.filter(lines__allocations__batch=batch).distinct().order_by("pk")
        )
        OrderEvent.objects.bulk_create(
            OrderEvent(
                order=order,
                kind=OrderEvent.Kind.RECALL,
                actor=actor_user(actor),
                data={"batch": batch.pk, "lot": batch.lot, "reason": record.reason},
            )
            for order in orders
        )
        for order in orders:
            tell_buyer(
                order,
                _(
                    "Recall: lot %(lot)s in your order %(number)s is withdrawn (%(reason)s). "
                    "Do not eat it; contact the seller for a refund."
                ),
                {"lot": batch.lot, "number": order.pk, "reason": record.reason},
            )
    return orders

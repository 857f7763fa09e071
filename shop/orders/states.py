"""The order's and the fulfilment's statuses and the one table of moves between them.

A plain table, not a state-machine library: the moves are few, every one is
made by `services` under the order's row lock, and a table is what the tests
and the README read. django-fsm, the usual library, is archived.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    # Placed; an online payment has not succeeded yet.
    UNCONFIRMED = "unconfirmed", _("Awaiting payment")
    # Confirmed, paid in cash when collected.
    UNPAID = "unpaid", _("Confirmed, pay at pickup")
    PAID = "paid", _("Paid")
    PACKING = "packing", _("Packing")
    SHIPPED = "shipped", _("Shipped")
    READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
    COLLECTED = "collected", _("Collected")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


S = OrderStatus
ORDER_MOVES: dict[str, frozenset[str]] = {
    S.UNCONFIRMED: frozenset({S.PAID, S.CANCELLED}),
    S.UNPAID: frozenset({S.PACKING, S.CANCELLED}),
    S.PAID: frozenset({S.PACKING, S.CANCELLED, S.REFUNDED}),
    S.PACKING: frozenset({S.SHIPPED, S.READY_FOR_PICKUP, S.CANCELLED, S.REFUNDED}),
    S.SHIPPED: frozenset({S.READY_FOR_PICKUP, S.DELIVERED, S.REFUNDED}),
    S.READY_FOR_PICKUP: frozenset({S.COLLECTED, S.REFUNDED}),
    S.COLLECTED: frozenset({S.REFUNDED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}
# A buyer may cancel until a seller starts packing.
BUYER_MAY_CANCEL = frozenset({S.UNCONFIRMED, S.UNPAID, S.PAID})
# Sellers and operators may cancel until something left a seller's hands.
STAFF_MAY_CANCEL = BUYER_MAY_CANCEL | {S.PACKING}
# Batches may be re-allocated only before packing.
ALLOCATION_OPEN = BUYER_MAY_CANCEL
OPEN = frozenset(status for status, moves in ORDER_MOVES.items() if moves)


def may_move(current: str, to: str) -> bool:
    return to in ORDER_MOVES[current]


class FulfilmentStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    PACKING = "packing", _("Packing")
    SHIPPED = "shipped", _("Shipped")
    AT_STATION = "at_station", _("At the pickup point")
    DONE = "done", _("Collected or delivered")
    CANCELLED = "cancelled", _("Cancelled")


F = FulfilmentStatus
FULFILMENT_MOVES: dict[str, frozenset[str]] = {
    F.WAITING: frozenset({F.PACKING, F.CANCELLED}),
    F.PACKING: frozenset({F.SHIPPED, F.AT_STATION, F.CANCELLED}),
    F.SHIPPED: frozenset({F.AT_STATION, F.DONE}),
    F.AT_STATION: frozenset({F.DONE}),
    F.DONE: frozenset(),
    F.CANCELLED: frozenset(),
}
# The order's status once every live fulfilment has reached at least this stage.
FULFILMENT_STAGES = (F.WAITING, F.PACKING, F.SHIPPED, F.AT_STATION, F.DONE)

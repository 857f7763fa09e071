"""Who may move money."""

from catalog.policies import can_manage_seller
from shop.core.roles import Actor, is_operator, is_signed_in, is_system
from shop.orders.models import Order
from shop.orders.policies import can_cancel_as_buyer


def can_pay(actor: Actor, order: Order, token: object = None) -> bool:
    """Checkout pays for the order it placed (the system); its buyer retries it,
    a guest by showing the order's unguessable `token`, as for cancelling."""
    return is_system(actor) or can_cancel_as_buyer(actor, order, token)


def can_record_cash(actor: Actor, order: Order) -> bool:
    """The staff of the order's pickup point take the cash at handover; operators too."""
    if is_operator(actor):
        return True
    point = order.pickup_point
    return bool(is_signed_in(actor) and point and point.staff.filter(pk=actor.pk).exists())


def can_refund(actor: Actor, order: Order, seller_ids: set[int]) -> bool:
    """Operators refund anything; a seller's managers refund their own lines."""
    if is_operator(actor):
        return True
    return bool(seller_ids) and all(
        can_manage_seller(actor, f.seller)
        for f in order.fulfilments.all()
        if f.seller_id in seller_ids
    )

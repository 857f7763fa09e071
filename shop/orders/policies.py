"""Who may see and change an order."""

from typing import cast

from catalog.models import Seller
from catalog.policies import can_manage_seller
from shop.core.roles import Actor, is_operator, is_signed_in, is_system
from shop.orders.models import Order


def can_view_order(actor: Actor, order: Order) -> bool:
    """Its buyer, the members of a seller in it, and operators. A guest
    reaches an order through its token instead (`selectors.order_by_token`)."""
    if is_operator(actor) or is_system(actor):
        return True
    if not is_signed_in(actor):
        return False
    if order.buyer_id == actor.pk:
        return True
    return order.fulfilments.filter(seller__members__pk=cast(int, actor.pk)).exists()


def can_cancel_as_buyer(actor: Actor, order: Order, token: object = None) -> bool:
    """Its signed-in buyer; for a guest order, whoever holds its unguessable
    `token` (the guest's only proof). An order with a buyer shows only to those
    who may view it, so its token alone proves nothing."""
    if is_signed_in(actor) and order.buyer_id == actor.pk:
        return True
    return order.buyer_id is None and token is not None and str(token) == str(order.token)


def can_handle_fulfilment(actor: Actor, seller: Seller) -> bool:
    """Pack, allocate, ship, hand over: the seller's managers, and operators."""
    return is_operator(actor) or can_manage_seller(actor, seller)


def can_place_orders(actor: Actor) -> bool:
    """Orders are placed by checkout, on the buyer's behalf: the system."""
    return is_system(actor)

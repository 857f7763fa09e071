"""Which orders and fulfilments a viewer may read: the same rule as
`policies.can_view_order`, as querysets for lists and `node(id)`."""

from typing import Any, cast

from django.db.models import Exists, OuterRef, Q, QuerySet

from catalog.models import Seller
from shop.core.roles import Actor, is_operator, is_signed_in, is_system
from shop.orders.models import Fulfilment, Order, OrderLine


def _member_of_seller(actor: Actor, seller_field: str) -> Exists:
    members = Seller.members.through.objects.filter(  # type: ignore[misc]
        seller_id=OuterRef(seller_field), user_id=actor.pk
    )
    return Exists(members)


def visible_orders(actor: Actor) -> QuerySet[Order]:
    """Operators see every order; a buyer their own; a seller's members the
    orders with a fulfilment of theirs; nobody else any."""
    if is_operator(actor) or is_system(actor):
        return Order.objects.all()
    if not is_signed_in(actor):
        return Order.objects.none()
    theirs = Fulfilment.objects.filter(order=OuterRef("pk")).filter(
        _member_of_seller(actor, "seller_id")
    )
    return Order.objects.filter(Q(buyer_id=actor.pk) | Exists(theirs))


def visible_fulfilments(actor: Actor) -> QuerySet[Fulfilment]:
    return Fulfilment.objects.filter(order__in=visible_orders(actor))


def visible_lines(actor: Actor) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(order__in=visible_orders(actor))


def order_by_token(token: Any) -> Order | None:
    """A guest's order through its unguessable link."""
    return Order.objects.filter(token=token).first()


def orders_of_buyer(user: Any) -> QuerySet[Order]:
    return Order.objects.filter(buyer_id=user.pk)


def fulfilments_handled_by(
    actor: Actor, seller: Seller | None = None, status: str | None = None
) -> QuerySet[Fulfilment]:
    """`seller`'s fulfilments (the caller checked the actor may handle them), or
    those of every seller the actor is a member of (operators: of every seller)."""
    if seller is not None:
        found = Fulfilment.objects.filter(seller=seller)
    elif is_operator(actor):
        found = Fulfilment.objects.all()
    elif is_signed_in(actor):
        found = Fulfilment.objects.filter(_member_of_seller(actor, "seller_id"))
    else:
        found = Fulfilment.objects.none()
    return found.filter(order__status=status) if status else found


def orders_at_points_of(actor: Actor) -> QuerySet[Order]:
    """Orders to be collected at a pickup point the actor staffs (cash at handover)."""
    if not is_signed_in(actor):
        return Order.objects.none()
    return Order.objects.filter(pickup_point__staff__pk=cast(int, actor.pk))

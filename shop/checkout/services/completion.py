"""Completing a cart into an order. Completing locks the checkout, then its
lines, then every variant in primary-key order, checks availability again (a
reservation may have expired) and places the order in the same transaction. A
checkout already completed returns its order: completing twice never makes two
orders. The payment starts after that transaction commits: no provider is
called while stock is locked."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.checkout import totals as money
from shop.checkout.errors import CheckoutErrorCode as Code
from shop.checkout.models import Checkout, Reservation
from shop.checkout.services.carts import check_point, require_cart
from shop.checkout.services.stock import BUYABLE, for_sale, reserved_by_others
from shop.core.db import lock_all, lock_rows
from shop.core.errors import DomainError
from shop.core.roles import SYSTEM, Actor, require
from shop.orders import services as orders
from shop.orders.models import Order
from shop.orders.states import OrderStatus
from shop.payments import gateways
from shop.payments import services as payments
from shop.payments.errors import PaymentErrorCode


def complete(
    *, actor: Actor, checkout: Checkout, gateway: str, scenario: str = ""
) -> tuple[Order, payments.Started | None]:
    """Place the order and start its payment; completing again returns the same order."""
    require_cart(actor, checkout)
    if gateways.get(gateway) is None:
        raise DomainError(
            PaymentErrorCode.UNKNOWN_GATEWAY, _("This payment method is not offered."), "gateway"
        )
    opened = None
    with transaction.atomic():
        with_order = Checkout.objects.select_related("user", "order")
        locked = lock_rows(with_order, [checkout.pk])[checkout.pk]
        if locked.order is None:
            order = _place(locked, gateway)
            opened = payments.open_payment(actor=SYSTEM, order=order, gateway=gateway)
        else:  # Completed before: the same order again, never a second one.
            order = locked.order
    if opened is not None:
        started = payments.charge(payment=opened, scenario=scenario)
    elif order.gateway == gateway and order.status == OrderStatus.UNCONFIRMED:
        started = payments.pay(actor=SYSTEM, order=order, gateway=gateway, scenario=scenario)
    else:
        return order, None
    # The order as its payment left it (paid, or still waiting).
    return started.payment.order, started


def _place(locked: Checkout, gateway: str) -> Order:
    lines = list(lock_all(locked.lines.all()).values())
    if not lines:
        raise DomainError(Code.EMPTY, _("The cart is empty."), "lines")
    if not (locked.email or locked.phone or locked.user_id):
        raise DomainError(Code.CONTACT_REQUIRED, _("Give a mobile number or an email."), "phone")
    variants = lock_rows(BUYABLE, [line.variant_id for line in lines])
    if not all(for_sale(variant) for variant in variants.values()):
        raise DomainError(
            Code.PRODUCT_UNAVAILABLE, _("A product in the cart is not for sale."), "lines"
        )
    held = reserved_by_others(variants, locked)
    for line in lines:
        if line.quantity > variants[line.variant_id].stock_quantity - held.get(line.variant_id, 0):
            raise DomainError(
                Code.INSUFFICIENT_STOCK, _("A product in the cart has sold out."), "lines"
            )
    placed = [orders.Placed(variants[line.variant_id], line.quantity) for line in lines]
    totals = money.compute(
        [(p.variant, p.quantity) for p in placed],
        to_pickup_point=locked.pickup_point_id is not None,
        division_code=locked.division_code,
    )
    if locked.pickup_point_id is None and not locked.division_code:
        raise DomainError(
            Code.DELIVERY_REQUIRED, _("Choose a pickup point or an address."), "delivery"
        )
    if gateway == "cash" and locked.pickup_point_id is None:
        raise DomainError(
            Code.DELIVERY_REQUIRED, _("Cash is paid when you collect at a pickup point."), "gateway"
        )
    if totals.outside_zones:
        raise DomainError(
            Code.ADDRESS_OUTSIDE_ZONES, _("We do not deliver to this area yet."), "division_code"
        )
    if locked.pickup_point is not None:
        check_point(locked.pickup_point, totals.cold_chain)
    user = locked.user
    order = orders.place_order(
        actor=SYSTEM,
        checkout_token=locked.token,
        buyer=user,
        email=locked.email or (user.email if user else "") or "",
        phone=locked.phone or (str(user.phone) if user and user.phone else ""),
        language=locked.language,
        gateway=gateway,
        delivery=orders.Delivery(
            locked.pickup_point, locked.recipient, locked.address, locked.division_code
        ),
        lines=placed,
        shipping={s.seller_id: s.shipping for s in totals.sellers},
    )
    Reservation.objects.filter(line__checkout=locked).delete()
    locked.order = order
    locked.save(update_fields=["order", "updated_at"])
    return order


def cancel_unpaid_orders(*, actor: Actor) -> int:
    """Cancel orders whose online payment never succeeded, freeing their stock."""
    require(actor, actor is SYSTEM, _("Only the platform itself may do this."))
    cutoff = timezone.now() - timedelta(minutes=settings.UNPAID_ORDER_MINUTES)
    stale = Order.objects.filter(status=OrderStatus.UNCONFIRMED, created_at__lt=cutoff)
    count = 0
    for order in stale:
        try:
            payments.cancel(actor=SYSTEM, order=order, reason="unpaid")
            count += 1
        except DomainError:
            continue
    return count

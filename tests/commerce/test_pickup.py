"""Delivery to a pickup point and cash at pickup: the point must be open, have
room and, for a cold-chain cart, cold storage; the station's staff take the
cash as the buyer collects, and the books show it in the station's drawer."""

from decimal import Decimal

import pytest

from catalog import services as catalog_services
from logistics.models import PickupPoint
from shop.checkout import services as checkout
from shop.checkout.errors import CheckoutErrorCode
from shop.core.errors import DomainError, NotAllowed
from shop.ledger import services as ledger
from shop.orders import services as orders
from shop.orders.states import OrderStatus
from shop.payments import services as payments
from shop.payments.errors import PaymentErrorCode


@pytest.fixture
def point(station_staff):
    return PickupPoint.objects.get(staff=station_staff)


def to_point(buyer, point, *lines):
    basket = checkout.create_checkout(actor=buyer, lines=list(lines))
    return checkout.set_delivery(actor=buyer, checkout=basket, pickup_point=point)


def test_cash_at_pickup_is_taken_by_the_station_and_booked_to_its_drawer(
    customer,
    rice,
    kiwi,
    rice_batches,
    kiwi_batch,
    point,
    station_staff,
    seller_user,
    other_seller_user,
    operator,
):
    basket = to_point(customer, point, (rice, 1), (kiwi, 1))
    order, _ = checkout.complete(actor=customer, checkout=basket, gateway="cash")
    assert order.status == OrderStatus.UNPAID and order.shipping == Decimal("6.00")
    for fulfilment, user in zip(
        order.fulfilments.order_by("seller_id"), (seller_user, other_seller_user), strict=True
    ):
        orders.update_fulfilment(actor=user, fulfilment=fulfilment, status="packing")
        orders.update_fulfilment(actor=user, fulfilment=fulfilment, status="at_station")
    order.refresh_from_db()
    assert order.status == OrderStatus.READY_FOR_PICKUP
    with pytest.raises(NotAllowed):
        payments.record_cash(actor=customer, order=order, amount=order.total)
    with pytest.raises(DomainError) as short:
        payments.record_cash(actor=station_staff, order=order, amount=order.total - 1)
    assert short.value.code == PaymentErrorCode.WRONG_AMOUNT
    payments.record_cash(actor=station_staff, order=order, amount=order.total)
    order.refresh_from_db()
    assert order.status == OrderStatus.COLLECTED and order.amount_paid == order.total
    assert ledger.balance(ledger.station_cash_account(point)) == order.total
    assert ledger.check_books() == []
    with pytest.raises(DomainError) as twice:
        payments.record_cash(actor=station_staff, order=order, amount=order.total)
    assert twice.value.code == PaymentErrorCode.NOT_PAYABLE


def test_cash_needs_a_pickup_point(customer, rice):
    basket = checkout.create_checkout(actor=customer, lines=[(rice, 1)])
    basket = checkout.set_delivery(
        actor=customer,
        checkout=basket,
        recipient="李华",
        address="宣风镇 8 号",
        division_code="360323100000",
    )
    with pytest.raises(DomainError) as refused:
        checkout.complete(actor=customer, checkout=basket, gateway="cash")
    assert refused.value.code == CheckoutErrorCode.DELIVERY_REQUIRED


def test_a_closed_point_is_refused(customer, rice, point):
    point.is_active = False
    point.save()
    with pytest.raises(DomainError) as refused:
        to_point(customer, point, (rice, 1))
    assert refused.value.code == CheckoutErrorCode.POINT_UNAVAILABLE


def test_a_full_point_is_refused_at_choice_and_at_completion(customer, seller_user, rice, point):
    point.parcel_capacity = 1
    point.save()
    waiting = to_point(customer, point, (rice, 1))
    second = to_point(seller_user, point, (rice, 1))
    checkout.complete(actor=customer, checkout=waiting, gateway="cash")
    with pytest.raises(DomainError) as full:
        checkout.complete(actor=seller_user, checkout=second, gateway="cash")
    assert full.value.code == CheckoutErrorCode.POINT_FULL
    with pytest.raises(DomainError) as chosen:
        to_point(seller_user, point, (rice, 1))
    assert chosen.value.code == CheckoutErrorCode.POINT_FULL
    assert rice.order_lines.count() == 1


def test_a_cold_chain_cart_needs_cold_storage(customer, rice, seller_user, point):
    catalog_services.update_variant(actor=seller_user, variant=rice, cold_chain=True)
    with pytest.raises(DomainError) as refused:
        to_point(customer, point, (rice, 1))
    assert refused.value.code == CheckoutErrorCode.NO_COLD_STORAGE
    point.cold_storage = True
    point.save()
    assert to_point(customer, point, (rice, 1)).pickup_point == point

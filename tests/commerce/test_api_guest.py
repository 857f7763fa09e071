"""A guest pays again and cancels through the API with the order's link token,
which the checkout returned; a wrong token, or the token of another buyer's
order, finds nothing and changes nothing."""

import uuid

from shop.orders.models import Order
from shop.orders.states import OrderStatus
from tests.commerce.api import COMPLETE, DELIVERY, HOME, create, line
from tests.helpers.api import GraphQLClient

PAY = """mutation($token: UUID, $id: ID) {
  orderPay(token: $token, id: $id, gateway: "test") { order { status } errors { code } }
}"""
CANCEL = """mutation($token: UUID) {
  orderCancel(token: $token, reason: "买错了") { order { status } errors { code } }
}"""


def guest_order(client, rice, scenario):
    token = create(client, line(rice, 1))["checkout"]["token"]
    client.execute(DELIVERY, {"token": token, "address": HOME})
    client.execute(COMPLETE, {"token": token, "gateway": "test", "scenario": scenario})
    return Order.objects.get()


def test_a_guest_pays_again_and_cancels_with_the_order_token(db, rice):
    guest = GraphQLClient()
    order = guest_order(guest, rice, "fail")
    assert order.status == OrderStatus.UNCONFIRMED
    paid = guest.execute(PAY, {"token": str(order.token)})["orderPay"]
    assert paid == {"order": {"status": "PAID"}, "errors": []}
    cancelled = guest.execute(CANCEL, {"token": str(order.token)})["orderCancel"]
    assert cancelled == {"order": {"status": "CANCELLED"}, "errors": []}


def test_a_wrong_token_or_no_order_named_finds_nothing(db, rice, customer):
    guest = GraphQLClient()
    order = guest_order(guest, rice, "fail")
    assert guest.error_code(PAY, {"token": str(uuid.uuid4())}) == "NOT_FOUND"
    assert guest.error_code(PAY, {}) == "INVALID_ARGUMENT"
    Order.objects.filter(pk=order.pk).update(buyer=customer)
    assert guest.error_code(CANCEL, {"token": str(order.token)}) == "NOT_FOUND"
    order.refresh_from_db()
    assert order.status == OrderStatus.UNCONFIRMED and order.payments.count() == 1

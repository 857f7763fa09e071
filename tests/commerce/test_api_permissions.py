"""Every commerce mutation as anonymous, customer (the buyer), station staff (of
the order's pickup point), another seller, the right seller and an operator.
Someone else's order or cart is NOT_FOUND, never a hint that it exists."""

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from catalog.models import ProductVariant
from logistics.models import PickupPoint
from shop.checkout import services as checkout
from shop.checkout.models import Checkout, CheckoutLine
from shop.orders.models import Allocation, Fulfilment, Order
from shop.payments.models import Payment
from tests.helpers.ids import gid
from tests.helpers.users import ROLES
from traceability.models import BatchRecall

OK = "ok"
ANON = "UNAUTHENTICATED"
DENIED = "PERMISSION_DENIED"
HIDDEN = "NOT_FOUND"  # a top-level error: an order the user may not see
CART_HIDDEN = "payload NOT_FOUND"  # a cart that is not the user's


def order_of(customer, rice, point, gateway="test", scenario=""):
    basket = checkout.create_checkout(actor=customer, lines=[(rice, 1)], phone="13900139000")
    checkout.set_delivery(actor=customer, checkout=basket, pickup_point=point)
    order, _started = checkout.complete(
        actor=customer, checkout=basket, gateway=gateway, scenario=scenario
    )
    return order


@pytest.fixture
def world(users_by_role, rice, rice_batches):
    """The customer's paid order of one bag of rice to the station's point, a
    failed one, one to pay in cash, and an open cart of theirs."""
    customer = users_by_role["customer"]
    point = PickupPoint.objects.get(staff=users_by_role["station_staff"])
    paid = order_of(customer, rice, point)
    failed = order_of(customer, rice, point, scenario="fail")
    cash = order_of(customer, rice, point, gateway="cash")
    cart = checkout.create_checkout(actor=customer, lines=[(rice, 1)], phone="13900139000")
    checkout.set_delivery(actor=customer, checkout=cart, pickup_point=point)
    guest_cart = checkout.create_checkout(actor=AnonymousUser(), lines=[(rice, 1)])
    return SimpleNamespace(
        rice=rice,
        guest_cart=guest_cart,
        paid=paid,
        failed=failed,
        cash=cash,
        cart=cart,
        old=rice_batches[0],
        new=rice_batches[1],
    )


def state():
    """Everything a refused mutation must leave as it was."""
    return {
        "orders": list(
            Order.objects.order_by("pk").values_list(
                "pk", "status", "amount_paid", "amount_refunded"
            )
        ),
        "fulfilments": list(Fulfilment.objects.order_by("pk").values_list("pk", "status")),
        "allocations": list(
            Allocation.objects.order_by("pk").values_list("pk", "batch", "quantity")
        ),
        "payments": list(Payment.objects.order_by("pk").values_list("pk", "status")),
        "carts": list(
            Checkout.objects.order_by("pk").values_list("pk", "email", "pickup_point", "user")
        ),
        "lines": list(CheckoutLine.objects.order_by("pk").values_list("pk", "quantity")),
        "recalls": BatchRecall.objects.count(),
        "stock": list(ProductVariant.objects.order_by("pk").values_list("pk", "stock_quantity")),
    }


@dataclass
class Case:
    name: str
    document: str
    variables: Any  # world -> dict
    outcomes: dict  # role -> OK or the refusal's code

    def __str__(self):
        return self.name


def cart_only(owner="customer"):
    """A cart's mutations: its owner may, every other role finds no such cart."""
    return {role: OK if role == owner else CART_HIDDEN for role in ROLES}


ORDER_STAFF = {
    "anonymous": ANON,
    "customer": DENIED,
    "station_staff": HIDDEN,
    "other_seller": HIDDEN,
    "seller": OK,
    "operator": OK,
}
CASES = [
    Case(
        "checkoutCreate",
        """mutation($variant: ID!) { checkoutCreate(input: {
          lines: [{variantId: $variant, quantity: 1}], phone: "13900139001"}) {
          checkout { token } errors { field code } } }""",
        lambda w: {"variant": gid(w.rice)},
        dict.fromkeys(ROLES, OK),
    ),
    Case(
        "checkoutLinesAdd",
        """mutation($token: UUID!, $variant: ID!) {
          checkoutLinesAdd(token: $token, lines: [{variantId: $variant, quantity: 1}]) {
          checkout { token } errors { field code } } }""",
        lambda w: {"token": str(w.cart.token), "variant": gid(w.rice)},
        cart_only(),
    ),
    Case(
        "checkoutLinesUpdate",
        """mutation($token: UUID!, $variant: ID!) {
          checkoutLinesUpdate(token: $token, lines: [{variantId: $variant, quantity: 3}]) {
          checkout { token } errors { field code } } }""",
        lambda w: {"token": str(w.cart.token), "variant": gid(w.rice)},
        cart_only(),
    ),
    Case(
        "checkoutLinesDelete",
        """mutation($token: UUID!, $variant: ID!) {
          checkoutLinesDelete(token: $token, variantIds: [$variant]) {
          checkout { token } errors { field code } } }""",
        lambda w: {"token": str(w.cart.token), "variant": gid(w.rice)},
        cart_only(),
    ),
    Case(
        "checkoutContactUpdate",
        """mutation($token: UUID!) {
          checkoutContactUpdate(token: $token, email: "li@example.cn") {
          checkout { token } errors { field code } } }""",
        lambda w: {"token": str(w.cart.token)},
        cart_only(),
    ),
    Case(
        "checkoutDeliveryMethodUpdate",
        """mutation($token: UUID!) {
          checkoutDeliveryMethodUpdate(token: $token, address: {
            recipient: "李华", address: "芦溪县宣风镇 8 号", divisionCode: "360323100000"}) {
          checkout { token } errors { field code } } }""",
        lambda w: {"token": str(w.cart.token)},
        cart_only(),
    ),
    Case(
        "checkoutComplete",
        """mutation($token: UUID!) { checkoutComplete(token: $token, gateway: "test") {
          order { number } errors { field code } } }""",
        lambda w: {"token": str(w.cart.token)},
        cart_only(),
    ),
    Case(
        "checkoutCustomerAttach",
        """mutation($token: UUID!) { checkoutCustomerAttach(token: $token) {
          checkout { token } errors { field code } } }""",
        lambda w: {"token": str(w.guest_cart.token)},
        {role: ANON if role == "anonymous" else OK for role in ROLES},
    ),
    Case(
        "orderPay",
        """mutation($id: ID!) { orderPay(id: $id, gateway: "test") {
          order { status } errors { field code } } }""",
        lambda w: {"id": gid(w.failed)},
        {**ORDER_STAFF, "customer": OK, "seller": DENIED, "operator": DENIED},
    ),
    Case(
        "orderCancel",
        """mutation($id: ID!) { orderCancel(id: $id, reason: "买错了") {
          order { status } errors { field code } } }""",
        lambda w: {"id": gid(w.paid)},
        {**ORDER_STAFF, "customer": OK},
    ),
    Case(
        "orderRefund",
        """mutation($id: ID!) { orderRefund(id: $id) {
          amount { amount } errors { field code } } }""",
        lambda w: {"id": gid(w.paid)},
        ORDER_STAFF,
    ),
    Case(
        "orderCashRecord",
        """mutation($id: ID!, $amount: Decimal!) { orderCashRecord(id: $id, amount: $amount) {
          payment { status } errors { field code } } }""",
        lambda w: {"id": gid(w.cash), "amount": str(w.cash.total)},
        {**ORDER_STAFF, "station_staff": OK, "seller": DENIED},
    ),
    Case(
        "fulfilmentUpdate",
        """mutation($id: ID!) { fulfilmentUpdate(id: $id, status: PACKING) {
          fulfilment { status } errors { field code } } }""",
        lambda w: {"id": gid(w.paid.fulfilments.get())},
        ORDER_STAFF,
    ),
    Case(
        "orderLineAllocate",
        """mutation($line: ID!, $batch: ID!) {
          orderLineAllocate(lineId: $line, allocations: [{batchId: $batch, quantity: 1}]) {
          line { allocations { lot } } errors { field code } } }""",
        lambda w: {"line": gid(w.paid.lines.get()), "batch": gid(w.new)},
        ORDER_STAFF,
    ),
    Case(
        "batchRecall",
        """mutation($batch: ID!) { batchRecall(batchId: $batch, reason: "检出霉变") {
          affectedOrders errors { field code } } }""",
        lambda w: {"batch": gid(w.old)},
        {**ORDER_STAFF, "customer": DENIED, "station_staff": DENIED, "other_seller": DENIED},
    ),
]


def test_every_commerce_mutation_is_in_the_matrix():
    from shop.schema import schema

    mutations = set(schema.graphql_schema.mutation_type.fields)
    commerce = {
        name
        for name in mutations
        if name.startswith(("checkout", "order", "fulfilment")) or name == "batchRecall"
    }
    assert commerce == {case.name for case in CASES}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_mutation_permissions(world, client_as, case, role):
    before = state()
    status, body = client_as(role).post(case.document, case.variables(world))
    expected = case.outcomes[role]
    assert status == 200, body
    if expected == OK:
        assert "errors" not in body, body
        assert body["data"][case.name]["errors"] == []
        assert state() != before
    elif expected == CART_HIDDEN:
        assert body["data"][case.name]["errors"] == [{"field": "token", "code": "NOT_FOUND"}]
        assert state() == before
    else:
        assert [e["extensions"]["code"] for e in body["errors"]] == [expected], body
        assert body["data"] == {case.name: None}
        assert state() == before


def test_a_guests_cart_is_open_to_whoever_holds_its_token(client_as, rice):
    cart = checkout.create_checkout(actor=AnonymousUser(), lines=[(rice, 1)])
    added = client_as("seller").execute(
        """mutation($token: UUID!) { checkoutContactUpdate(token: $token, phone: "13900139000") {
          checkout { phone } errors { code } } }""",
        {"token": str(cart.token)},
    )
    assert added["checkoutContactUpdate"] == {
        "checkout": {"phone": "+8613900139000"},
        "errors": [],
    }

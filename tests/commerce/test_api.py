"""Buying through the GraphQL API: a cart from two sellers, its totals from the
checkout services, completion into an order paid with the test gateway, and
the order as its buyer, its sellers and operators read it. Refusals are coded."""

from decimal import Decimal

from catalog.models import ProductVariant
from logistics.models import PickupPoint
from shop.checkout.models import Checkout
from shop.orders.models import Order
from tests.commerce.api import COMPLETE, CREATE, DELIVERY, HOME, ORDER, buy, create, line
from tests.helpers.ids import gid

ADD = """mutation($token: UUID!, $lines: [CheckoutLineInput!]!) {
  checkoutLinesAdd(token: $token, lines: $lines) {
    checkout { lines { quantity variant { sku } } } errors { field code } } }"""
UPDATE = """mutation($token: UUID!, $lines: [CheckoutLineInput!]!) {
  checkoutLinesUpdate(token: $token, lines: $lines) {
    checkout { lines { quantity variant { sku } } } errors { field code } } }"""
DELETE = """mutation($token: UUID!, $ids: [ID!]!) {
  checkoutLinesDelete(token: $token, variantIds: $ids) {
    checkout { lines { quantity } } errors { field code } } }"""
CONTACT = """mutation($token: UUID!, $email: String, $phone: String) {
  checkoutContactUpdate(token: $token, email: $email, phone: $phone) {
    checkout { email phone } errors { field code } } }"""
READ_CHECKOUT = "query($token: UUID!) { checkout(token: $token) { token lines { quantity } } }"
READ_ORDER = "query($id: ID!) { order(id: $id) { " + ORDER + " } }"
BY_TOKEN = "query($token: UUID!) { orderByToken(token: $token) { number token status } }"


def stock(variant):
    return ProductVariant.objects.get(pk=variant.pk).stock_quantity


def test_a_cart_from_two_sellers_is_priced_per_seller_by_the_services(gql, customer, rice, kiwi):
    client = gql(customer, role="customer")
    created = create(client, line(rice, 2), line(kiwi, 1))
    assert created["errors"] == []
    token = created["checkout"]["token"]
    assert {
        (each["variant"]["sku"], each["quantity"]) for each in created["checkout"]["lines"]
    } == {
        ("ZM-5KG", 2),
        ("MHT-3KG", 1),
    }
    assert all(each["reservedUntil"] for each in created["checkout"]["lines"])
    assert created["checkout"]["totals"]["shipping"]["amount"] == "0.00"
    delivered = client.execute(DELIVERY, {"token": token, "address": HOME})
    totals = delivered["checkoutDeliveryMethodUpdate"]["checkout"]["totals"]
    # As test_buying: rice ¥176 + ¥26 shipping in Jiangxi, kiwi ¥59 + ¥20 from Sichuan.
    assert totals["total"]["amount"] == "281.00"
    assert sorted(s["shipping"]["amount"] for s in totals["perSeller"]) == ["20.00", "26.00"]
    me = client.execute("{ me { checkout { token } } }")
    assert me["me"]["checkout"]["token"] == token


def test_lines_are_added_updated_and_deleted(gql, rice, kiwi):
    client = gql()
    token = create(client, line(rice, 1))["checkout"]["token"]
    added = client.execute(ADD, {"token": token, "lines": [line(rice, 2), line(kiwi, 1)]})
    lines = added["checkoutLinesAdd"]["checkout"]["lines"]
    assert {(x["variant"]["sku"], x["quantity"]) for x in lines} == {
        ("ZM-5KG", 3),
        ("MHT-3KG", 1),
    }
    updated = client.execute(UPDATE, {"token": token, "lines": [line(rice, 0), line(kiwi, 4)]})
    assert updated["checkoutLinesUpdate"]["checkout"]["lines"] == [
        {"quantity": 4, "variant": {"sku": "MHT-3KG"}}
    ]
    deleted = client.execute(DELETE, {"token": token, "ids": [gid(kiwi)]})
    assert deleted["checkoutLinesDelete"]["checkout"]["lines"] == []
    contact = client.execute(CONTACT, {"token": token, "email": "Li@Example.cn", "phone": ""})
    assert contact["checkoutContactUpdate"]["checkout"] == {"email": "li@example.cn", "phone": ""}


def test_buying_places_a_paid_order_its_buyer_reads(gql, customer, rice, kiwi, rice_batches):
    client = gql(customer, role="customer")
    done = buy(client, line(rice, 2), line(kiwi, 1))
    assert done["errors"] == [] and done["payment"] == {"status": "SUCCEEDED", "gateway": "test"}
    assert done["order"]["status"] == "PAID" and done["order"]["total"]["amount"] == "281.00"
    assert stock(rice) == 8 and stock(kiwi) == 4
    order = client.execute(READ_ORDER, {"id": done["order"]["id"]})["order"]
    assert order["number"] == Order.objects.get().pk and order["token"]
    assert order["amountPaid"]["amount"] == "281.00"
    rice_line = next(x for x in order["lines"] if x["sku"] == "ZM-5KG")
    assert rice_line["unitPrice"]["amount"] == "88.00" and rice_line["total"]["amount"] == "176.00"
    # The buyer sees the lot but not the seller's batch record.
    assert rice_line["allocations"] == [{"lot": "OLD1", "quantity": 2, "batch": None}]
    assert len(order["fulfilments"]) == 2
    assert [e["kind"] for e in order["events"]][:1] == ["PLACED"]
    mine = client.execute("{ me { orders(first: 5) { edges { node { number } } } } }")
    assert [e["node"]["number"] for e in mine["me"]["orders"]["edges"]] == [order["number"]]


def test_completing_twice_returns_the_same_order(gql, rice):
    client = gql()
    token = create(client, line(rice, 1))["checkout"]["token"]
    client.execute(DELIVERY, {"token": token, "address": HOME})
    first = client.execute(COMPLETE, {"token": token, "gateway": "test"})["checkoutComplete"]
    again = client.execute(COMPLETE, {"token": token, "gateway": "test"})["checkoutComplete"]
    assert again["order"]["number"] == first["order"]["number"]
    assert Order.objects.count() == 1 and stock(rice) == 9


def test_a_guest_reads_the_order_by_its_link_and_nobody_else_by_id(
    gql, rice, customer, other_seller_user
):
    guest = gql()
    done = buy(guest, line(rice, 1))
    token = done["order"]["token"]
    assert token
    found = guest.execute(BY_TOKEN, {"token": token})["orderByToken"]
    assert found["number"] == done["order"]["number"] and found["token"] == token
    assert guest.execute(BY_TOKEN, {"token": "6f1c1b9e-2a4c-4f43-9d6a-0c7b3e9b8a11"}) == {
        "orderByToken": None
    }
    for client in (guest, gql(customer, role="customer"), gql(other_seller_user, role="x")):
        assert client.execute(READ_ORDER, {"id": done["order"]["id"]}) == {"order": None}


def test_another_buyers_cart_is_not_found(gql, customer, seller_user, rice):
    token = create(gql(customer, role="customer"), line(rice, 1))["checkout"]["token"]
    for client in (gql(), gql(seller_user, role="seller")):
        added = client.execute(ADD, {"token": token, "lines": [line(rice, 1)]})
        assert added["checkoutLinesAdd"]["errors"] == [{"field": "token", "code": "NOT_FOUND"}]
        assert client.execute(READ_CHECKOUT, {"token": token}) == {"checkout": None}
    assert Checkout.objects.get().lines.get().quantity == 1


def test_bad_input_gets_coded_errors_and_changes_nothing(gql, rice, kiwi, seller_user):
    client = gql()
    cases = [
        ([line(rice, 0)], "INVALID_QUANTITY"),
        ([line(rice, 11)], "INSUFFICIENT_STOCK"),
        ([{"variantId": "UHJvZHVjdFZhcmlhbnQ6OTk5OTk=", "quantity": 1}], "NOT_FOUND"),
        ([{"variantId": gid(rice.product), "quantity": 1}], "NOT_FOUND"),
    ]
    for lines, code in cases:
        status, body = client.post(CREATE, {"input": {"lines": lines}})
        assert status == 200, body
        assert [e["code"] for e in body["data"]["checkoutCreate"]["errors"]] == [code]
    status, body = client.post(CREATE, {"input": {"lines": [line(rice, 1)], "phone": "12345"}})
    assert [e["code"] for e in body["data"]["checkoutCreate"]["errors"]] == ["INVALID_PHONE"]
    assert not Checkout.objects.exists() and stock(rice) == 10
    token = create(client, line(rice, 1))["checkout"]["token"]
    outside = client.execute(
        DELIVERY, {"token": token, "address": {**HOME, "divisionCode": "810000000000"}}
    )
    assert [e["code"] for e in outside["checkoutDeliveryMethodUpdate"]["errors"]] == [
        "ADDRESS_OUTSIDE_ZONES"
    ]
    neither = client.execute(DELIVERY, {"token": token})
    assert [e["code"] for e in neither["checkoutDeliveryMethodUpdate"]["errors"]] == [
        "DELIVERY_REQUIRED"
    ]
    undelivered = client.execute(COMPLETE, {"token": token, "gateway": "test"})
    assert [e["code"] for e in undelivered["checkoutComplete"]["errors"]] == ["DELIVERY_REQUIRED"]
    unknown = client.execute(COMPLETE, {"token": token, "gateway": "bitcoin"})
    assert [e["code"] for e in unknown["checkoutComplete"]["errors"]] == ["UNKNOWN_GATEWAY"]
    status, body = client.post(READ_CHECKOUT, {"token": "not-a-uuid"})
    assert status == 400 and body["errors"]
    assert not Order.objects.exists()


def test_a_failed_payment_is_retried_with_order_pay(gql, customer, rice):
    client = gql(customer, role="customer")
    done = buy(client, line(rice, 1), scenario="fail")
    assert done["payment"]["status"] == "FAILED" and done["order"]["status"] == "UNCONFIRMED"
    paid = client.execute(
        """mutation($id: ID!) { orderPay(id: $id, gateway: "test") {
          order { status } payment { status } errors { code } } }""",
        {"id": done["order"]["id"]},
    )["orderPay"]
    assert paid == {"order": {"status": "PAID"}, "payment": {"status": "SUCCEEDED"}, "errors": []}


def test_sellers_see_their_part_and_operators_every_order(
    gql, customer, seller_user, other_seller_user, operator, seller, rice, kiwi
):
    buy(gql(customer, role="customer"), line(rice, 1), line(kiwi, 1))
    query = """query($seller: ID!) { sellerOrders(seller: $seller, first: 5) {
      edges { node { status seller { name } lines { sku } order { number } } } } }"""
    mine = gql(seller_user, role="seller").execute(query, {"seller": gid(seller)})
    [edge] = mine["sellerOrders"]["edges"]
    assert edge["node"]["lines"] == [{"sku": "ZM-5KG"}] and edge["node"]["status"] == "WAITING"
    code = gql(customer, role="customer").error_code(query, {"seller": gid(seller)})
    assert code == "PERMISSION_DENIED"
    every = "{ orders(first: 5, status: PAID) { totalCount edges { node { number } } } }"
    assert gql(operator, role="operator").execute(every)["orders"]["totalCount"] == 1
    assert gql(other_seller_user, role="x").execute(every)["orders"]["totalCount"] == 1
    assert gql(seller_user, role="seller").execute(every)["orders"]["totalCount"] == 1
    assert gql().execute(every)["orders"]["totalCount"] == 0
    unpaid = "{ orders(first: 5, status: UNPAID) { totalCount } }"
    assert gql(operator, role="operator").execute(unpaid)["orders"]["totalCount"] == 0
    # Without `seller`: the parts of every seller the viewer manages.
    all_mine = "{ sellerOrders(first: 5) { edges { node { lines { sku } } } } }"
    theirs = gql(other_seller_user, role="x").execute(all_mine)["sellerOrders"]["edges"]
    assert [e["node"]["lines"] for e in theirs] == [[{"sku": "MHT-3KG"}]]
    assert gql().execute(all_mine) == {"sellerOrders": {"edges": []}}


def test_seller_earnings_follow_the_ledger(gql, customer, seller_user, seller, rice):
    buy(gql(customer, role="customer"), line(rice, 2))
    query = "query($seller: ID!) { sellerEarnings(seller: $seller) { amount currency } }"
    earned = gql(seller_user, role="seller").execute(query, {"seller": gid(seller)})
    expected = str(Decimal("176.00") - Decimal("8.80"))
    assert earned["sellerEarnings"] == {"amount": expected, "currency": "CNY"}
    assert gql(customer, role="customer").error_code(query, {"seller": gid(seller)}) == (
        "PERMISSION_DENIED"
    )


ALLOCATE = """mutation($line: ID!, $allocations: [AllocationInput!]!) {
  orderLineAllocate(lineId: $line, allocations: $allocations) {
    line { allocations { lot quantity } } errors { field code } } }"""
FULFIL = """mutation($id: ID!, $status: FulfilmentStep!, $tracking: String) {
  fulfilmentUpdate(id: $id, status: $status, trackingNumber: $tracking) {
    fulfilment { status trackingNumber } order { status } errors { field code } } }"""
REFUND = """mutation($id: ID!, $lines: [RefundLineInput!]) {
  orderRefund(id: $id, lines: $lines) {
    amount { amount } order { status amountRefunded { amount } } errors { field code } } }"""
CANCEL = """mutation($id: ID!) { orderCancel(id: $id, reason: "不要了") {
  order { status } errors { field code } } }"""
RECALL = """mutation($batch: ID!) { batchRecall(batchId: $batch, reason: "检出霉变") {
  affectedOrders batch { lot } errors { field code } } }"""


def test_a_seller_allocates_packs_and_ships_and_then_no_one_can_cancel(
    gql, customer, seller_user, rice, rice_batches
):
    old, new = rice_batches
    done = buy(gql(customer, role="customer"), line(rice, 2))
    order = Order.objects.get()
    seller = gql(seller_user, role="seller")
    rice_line, fulfilment = gid(order.lines.get()), gid(order.fulfilments.get())
    wrong = seller.execute(
        ALLOCATE, {"line": rice_line, "allocations": [{"batchId": gid(new), "quantity": 3}]}
    )
    assert wrong["orderLineAllocate"]["errors"] == [
        {"field": "allocations", "code": "INVALID_ALLOCATION"}
    ]
    twice = [{"batchId": gid(new), "quantity": 1}] * 2
    refused = seller.execute(ALLOCATE, {"line": rice_line, "allocations": twice})
    assert refused["orderLineAllocate"]["errors"][0]["code"] == "INVALID_ALLOCATION"
    split = [{"batchId": gid(old), "quantity": 1}, {"batchId": gid(new), "quantity": 1}]
    allocated = seller.execute(ALLOCATE, {"line": rice_line, "allocations": split})
    assert allocated["orderLineAllocate"]["line"]["allocations"] == [
        {"lot": "OLD1", "quantity": 1},
        {"lot": "NEW1", "quantity": 1},
    ]
    packed = seller.execute(FULFIL, {"id": fulfilment, "status": "PACKING"})["fulfilmentUpdate"]
    assert packed["order"]["status"] == "PACKING" and packed["errors"] == []
    untracked = seller.execute(FULFIL, {"id": fulfilment, "status": "SHIPPED"})
    assert untracked["fulfilmentUpdate"]["errors"] == [
        {"field": "trackingNumber", "code": "REQUIRED"}
    ]
    shipped = seller.execute(
        FULFIL, {"id": fulfilment, "status": "SHIPPED", "tracking": "SF1234567"}
    )["fulfilmentUpdate"]
    assert shipped["fulfilment"] == {"status": "SHIPPED", "trackingNumber": "SF1234567"}
    assert shipped["order"]["status"] == "SHIPPED"
    for who in (gql(customer, role="customer"), seller):
        refused = who.execute(CANCEL, {"id": done["order"]["id"]})["orderCancel"]
        assert refused["errors"] == [{"field": "order", "code": "NOT_CANCELLABLE"}]
    assert stock(rice) == 8


def test_refunds_by_line_then_whole_never_exceed_what_was_paid(
    gql, customer, seller_user, operator, rice, kiwi
):
    done = buy(gql(customer, role="customer"), line(rice, 2), line(kiwi, 1))
    rice_line = gid(Order.objects.get().lines.get(variant=rice))
    seller = gql(seller_user, role="seller")
    one = seller.execute(
        REFUND, {"id": done["order"]["id"], "lines": [{"lineId": rice_line, "quantity": 1}]}
    )
    assert one["orderRefund"]["amount"] == {"amount": "88.00"}
    too_many = seller.execute(
        REFUND, {"id": done["order"]["id"], "lines": [{"lineId": rice_line, "quantity": 2}]}
    )
    assert too_many["orderRefund"]["errors"] == [{"field": "lines", "code": "REFUND_TOO_LARGE"}]
    # The rest, shipping included, by an operator: the order is refunded.
    rest = gql(operator, role="operator").execute(REFUND, {"id": done["order"]["id"]})[
        "orderRefund"
    ]
    assert rest["order"]["status"] == "REFUNDED"
    assert rest["order"]["amountRefunded"] == {"amount": "281.00"}


def test_a_buyer_cancels_and_gets_stock_and_money_back(gql, customer, rice):
    done = buy(gql(customer, role="customer"), line(rice, 3))
    cancelled = gql(customer, role="customer").execute(CANCEL, {"id": done["order"]["id"]})
    assert cancelled["orderCancel"] == {"order": {"status": "CANCELLED"}, "errors": []}
    assert stock(rice) == 10
    assert Order.objects.get().amount_refunded == Order.objects.get().total


def test_a_recall_counts_the_orders_it_reaches(gql, customer, seller_user, rice, rice_batches):
    old, _new = rice_batches
    buy(gql(customer, role="customer"), line(rice, 1))
    buy(gql(), line(rice, 1))
    seller = gql(seller_user, role="seller")
    recalled = seller.execute(RECALL, {"batch": gid(old)})["batchRecall"]
    assert recalled == {"affectedOrders": 2, "batch": {"lot": "OLD1"}, "errors": []}
    again = seller.execute(RECALL, {"batch": gid(old)})["batchRecall"]
    assert again["errors"] == [{"field": "batch", "code": "ALREADY_RECALLED"}]


def test_cash_is_recorded_at_the_pickup_point_for_exactly_the_total(
    gql, customer, station_staff, rice
):
    point = PickupPoint.objects.get(staff=station_staff)
    client = gql(customer, role="customer")
    token = create(client, line(rice, 1))["checkout"]["token"]
    client.execute(DELIVERY, {"token": token, "point": gid(point)})
    done = client.execute(COMPLETE, {"token": token, "gateway": "cash"})["checkoutComplete"]
    assert done["order"]["status"] == "UNPAID" and done["payment"]["gateway"] == "cash"
    record = """mutation($id: ID!, $amount: Decimal!) { orderCashRecord(id: $id, amount: $amount) {
      order { status amountPaid { amount } } payment { status } errors { field code } } }"""
    staff = gql(station_staff, role="station_staff")
    wrong = staff.execute(record, {"id": done["order"]["id"], "amount": "1.00"})
    assert wrong["orderCashRecord"]["errors"] == [{"field": "amount", "code": "WRONG_AMOUNT"}]
    total = done["order"]["total"]["amount"]
    paid = staff.execute(record, {"id": done["order"]["id"], "amount": total})["orderCashRecord"]
    assert paid["payment"] == {"status": "SUCCEEDED"}
    assert paid["order"]["amountPaid"] == {"amount": total}


def test_a_cart_read_by_its_token_is_never_served_from_the_public_cache(gql, rice, settings):
    settings.PUBLIC_CACHE_SECONDS = 60
    client = gql()
    token = create(client, line(rice, 1))["checkout"]["token"]
    assert client.execute(READ_CHECKOUT, {"token": token})["checkout"]["lines"] == [{"quantity": 1}]
    client.execute(UPDATE, {"token": token, "lines": [line(rice, 4)]})
    assert client.execute(READ_CHECKOUT, {"token": token})["checkout"]["lines"] == [{"quantity": 4}]

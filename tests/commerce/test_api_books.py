"""Reading the books through the API: an order's payments for whoever may see
the order, and operators' earnings per seller, county and month."""

from tests.commerce.api import buy, line
from tests.helpers.ids import gid

PAYMENTS = (
    """query($id: ID!) { order(id: $id) { payments { status gateway amount { amount } } } }"""
)
EARNINGS = """query($by: EarningsGrouping!) {
  earnings(by: $by) { key earned { amount } commission { amount } } }"""


def test_an_order_lists_every_attempt_to_pay_it(client_as, rice):
    customer = client_as("customer")
    order = buy(customer, line(rice, 1), scenario="fail")["order"]
    customer.execute(
        'mutation($id: ID!) { orderPay(id: $id, gateway: "test") { errors { code } } }',
        {"id": order["id"]},
    )
    payments = customer.execute(PAYMENTS, {"id": order["id"]})["order"]["payments"]
    assert [(p["status"], p["gateway"]) for p in payments] == [
        ("FAILED", "test"),
        ("SUCCEEDED", "test"),
    ]


def test_operators_read_earnings_per_seller_county_and_month(client_as, rice, kiwi):
    buy(client_as("customer"), line(rice, 2), line(kiwi, 1))
    operator = client_as("operator")
    by_seller = {
        row["key"]: row for row in operator.execute(EARNINGS, {"by": "SELLER"})["earnings"]
    }
    assert by_seller[gid(rice.seller)]["earned"] == {"amount": "167.20"}
    assert by_seller[gid(kiwi.seller)]["commission"] == {"amount": "4.72"}
    counties = operator.execute(EARNINGS, {"by": "COUNTY"})["earnings"]
    assert {row["key"] for row in counties} == {"360323", "510824"}
    (month,) = operator.execute(EARNINGS, {"by": "MONTH"})["earnings"]
    assert len(month["key"]) == 7 and month["earned"] == {"amount": "221.48"}
    assert client_as("seller").error_code(EARNINGS, {"by": "SELLER"}) == "PERMISSION_DENIED"

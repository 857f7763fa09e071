"""The commerce operations the API tests send, and a whole purchase through them."""

from tests.helpers.ids import gid

HOME = {"recipient": "李华", "address": "芦溪县宣风镇 8 号", "divisionCode": "360323100000"}

CHECKOUT = """
  token email phone recipient address divisionCode availableGateways
  pickupPoint { name }
  lines { quantity reservedUntil variant { sku } }
  totals {
    subtotal { amount } shipping { amount } total { amount }
    perSeller { seller { name } subtotal { amount } shipping { amount } total { amount } }
  }
"""
CREATE = (
    """mutation($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) { checkout { """
    + CHECKOUT
    + """ } errors { field code message } } }"""
)
DELIVERY = (
    """mutation($token: UUID!, $point: ID, $address: AddressInput) {
  checkoutDeliveryMethodUpdate(token: $token, pickupPointId: $point, address: $address) {
    checkout { """
    + CHECKOUT
    + """ } errors { field code } } }"""
)
COMPLETE = """mutation($token: UUID!, $gateway: String!, $scenario: String) {
  checkoutComplete(token: $token, gateway: $gateway, scenario: $scenario) {
    order { id number token status total { amount } amountPaid { amount } }
    payment { status gateway } clientSecret errors { field code } } }"""
ORDER = """
  id number token status gateway createdAt
  subtotal { amount } shipping { amount } total { amount }
  amountPaid { amount } amountRefunded { amount }
  pickupPoint { name }
  lines { id productName variantName sku quantity quantityRefunded
          unitPrice { amount } total { amount } allocations { lot quantity batch { lot } } }
  fulfilments { id status trackingNumber seller { name } lines { sku } }
  events { kind at data }
"""


def line(variant, quantity):
    return {"variantId": gid(variant), "quantity": quantity}


def create(client, *lines, phone="13900139000"):
    """A checkout through the API; returns the payload."""
    status, body = client.post(CREATE, {"input": {"lines": list(lines), "phone": phone}})
    assert status == 200 and "errors" not in body, body
    return body["data"]["checkoutCreate"]


def buy(client, *lines, gateway="test", scenario=None):
    """Create, deliver home, complete: the checkoutComplete payload."""
    token = create(client, *lines)["checkout"]["token"]
    delivered = client.execute(DELIVERY, {"token": token, "address": HOME})
    assert delivered["checkoutDeliveryMethodUpdate"]["errors"] == []
    done = client.execute(COMPLETE, {"token": token, "gateway": gateway, "scenario": scenario})
    return done["checkoutComplete"]

"""The Stripe payment page: the checkout page hands a Stripe order to it; it
carries the PaymentIntent's client secret for Stripe's Payment Element (the
one page whose Content-Security-Policy lets js.stripe.com in), tells phone
buyers plainly that WeChat Pay needs a second phone, and on the buyer's
return asks Stripe how the payment stands instead of waiting for the webhook."""

import stripe
from django.test import Client

from logistics import services as logistics_services
from shop.orders.models import Order
from shop.orders.states import OrderStatus
from tests.helpers.logistics import POINT
from tests.helpers.workbench import token

PHONE = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Mobile Safari/537.36"
WECHAT = f"{PHONE} MicroMessenger/8.0.47"


def placed_with_stripe(client, rice, operator):
    point = logistics_services.create_point(actor=operator, **POINT)
    client.post("/cart/add/", {"variant": rice.pk, "quantity": 1})
    client.post(
        "/checkout/", {"phone": "13900139000", "delivery": "pickup", "pickup_point": point.pk}
    )
    answer = client.post(
        "/checkout/pay/", {"gateway": "stripe", "submission": token(client, "/checkout/pay/")}
    )
    assert answer.status_code == 302, answer.content.decode()
    order = Order.objects.get()
    assert answer.url == f"/orders/{order.token}/stripe/"
    return order


def test_the_stripe_page_draws_the_payment_element_and_a_return_confirms_the_order(
    with_stripe, settings, rice, operator
):
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_pages"
    client = Client()
    order = placed_with_stripe(client, rice, operator)
    page = client.get(f"/orders/{order.token}/stripe/")
    html = page.content.decode()
    payment = order.payments.get()
    assert page.status_code == 200, html
    assert f'data-secret="{payment.reference}_secret' in html, html[html.find("<main") :]
    assert 'data-key="pk_test_pages"' in html and "<noscript>" in html
    policy = page["Content-Security-Policy"]
    assert "script-src 'self' https://js.stripe.com" in policy
    assert "js.stripe.com" not in client.get("/cart/")["Content-Security-Policy"]
    assert 'id="wechat-note"' not in html
    for agent in (PHONE, WECHAT):
        phone_page = client.get(f"/orders/{order.token}/stripe/", HTTP_USER_AGENT=agent)
        assert 'id="wechat-note"' in phone_page.content.decode()
    # Loading the page again finds the same PaymentIntent (its idempotency key).
    client.get(f"/orders/{order.token}/stripe/")
    assert order.payments.count() == 1

    browser = stripe.StripeClient(
        with_stripe.secret_key, base_addresses={"api": with_stripe.api_base}
    )
    browser.v1.payment_intents.update(payment.reference, {"payment_method": "pm_card_visa"})
    browser.v1.payment_intents.confirm(payment.reference)
    back = client.get(f"/orders/{order.token}/stripe/?payment_intent={payment.reference}")
    assert back.status_code == 302 and back.url == f"/orders/{order.token}/"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.amount_paid == order.total


def test_the_stripe_page_is_only_for_stripe_orders(with_stripe, settings, rice, operator):
    settings.STRIPE_PUBLISHABLE_KEY = ""
    client = Client()
    order = placed_with_stripe(client, rice, operator)
    assert client.get(f"/orders/{order.token}/stripe/").status_code == 404

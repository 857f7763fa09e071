"""Paying with Stripe end to end against localstripe: the order is placed, the
PaymentIntent created with the payment's idempotency key, the buyer confirms
it, and localstripe's signed webhook, posted to the live server, marks the
order paid, once, whatever arrives twice, late or forged.

Threats: a stranger posting forged events (bad signature: 400, nothing
written); Stripe resending an event (recorded once with its effect); events
out of order (a late `processing` never undoes `succeeded`); a webhook that
beats `checkoutComplete` back (the payment row exists before the provider is
called, and the event finds it by its token in the metadata)."""

import json
import time
import urllib.error
import urllib.request

import pytest
import stripe

from shop.checkout import services as checkout
from shop.checkout.models import Checkout
from shop.ledger.models import Transaction
from shop.orders.models import Order
from shop.orders.states import OrderStatus
from shop.payments import services as payments
from shop.payments.models import Payment, ProviderEvent, Refund

HOME = {"recipient": "李华", "address": "芦溪县宣风镇 8 号", "division_code": "360323100000"}
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ledger_emptied")]


def placed_with_stripe(customer, rice, kiwi):
    basket = checkout.create_checkout(actor=customer, lines=[(rice, 1), (kiwi, 1)])
    basket = checkout.set_delivery(actor=customer, checkout=basket, **HOME)
    return checkout.complete(actor=customer, checkout=basket, gateway="stripe")


def signed(event, secret):
    body = json.dumps(event)
    return body.encode(), stripe.WebhookSignature.generate_signature_header(body, secret)


def intent_event(event_id, kind, payment):
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {
            "object": {
                "id": payment.reference,
                "object": "payment_intent",
                "amount": int(payment.amount * 100),
                "currency": "cny",
                "status": kind.rpartition(".")[2],
                "metadata": {"payment": str(payment.token)},
            }
        },
    }


def send(url, body=None, headers=None):
    """The HTTP status of a request to the live server (GET without a body)."""
    request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def post(live_server, body, header):
    headers = {"Stripe-Signature": header, "Content-Type": "application/json"}
    return send(f"{live_server.url}/webhooks/stripe/", body, headers)


def test_a_card_payment_confirmed_by_the_buyer_is_booked_by_the_signed_webhook(
    live_server, with_stripe, customer, rice, kiwi, operator
):
    with_stripe.send_webhooks_to(f"{live_server.url}/webhooks/stripe/", "whsec_tests_0123456789")
    order, started = placed_with_stripe(customer, rice, kiwi)
    assert started.client_secret and started.payment.reference.startswith("pi_")
    assert order.status == OrderStatus.UNCONFIRMED
    browser = stripe.StripeClient(
        with_stripe.secret_key, base_addresses={"api": with_stripe.api_base}
    )
    # Stripe.js's part in the buyer's browser: attach a card and confirm.
    browser.v1.payment_intents.update(started.payment.reference, {"payment_method": "pm_card_visa"})
    browser.v1.payment_intents.confirm(started.payment.reference)
    for _ in range(100):
        order.refresh_from_db()
        if order.status == OrderStatus.PAID:
            break
        time.sleep(0.1)
    assert order.status == OrderStatus.PAID and order.amount_paid == order.total
    assert Transaction.objects.filter(order=order).count() == 1
    # Completing again finds the same order and the same PaymentIntent.
    again, _ = checkout.complete(
        actor=customer, checkout=Checkout.objects.get(order=order), gateway="stripe"
    )
    assert again.pk == order.pk and Payment.objects.filter(order=order).count() == 1
    # A refund goes back through Stripe, with its own idempotency key.
    assert payments.refund(actor=operator, order=order) == order.total
    refund = Refund.objects.get()
    assert refund.reference.startswith("re_")
    assert browser.v1.refunds.retrieve(refund.reference).amount == int(order.total * 100)


def test_forged_replayed_and_late_events_change_nothing(
    live_server, with_stripe, customer, rice, kiwi
):
    order, started = placed_with_stripe(customer, rice, kiwi)
    payment = started.payment
    succeeded = intent_event("evt_paid", "payment_intent.succeeded", payment)

    body, header = signed(succeeded, "whsec_someone_else")
    assert post(live_server, body, header) == 400
    assert post(live_server, body, "") == 400
    tampered = body.replace(b"succeeded", b"succeedeX")
    assert post(live_server, tampered, signed(succeeded, "whsec_tests_0123456789")[1]) == 400
    assert not ProviderEvent.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.UNCONFIRMED

    body, header = signed(succeeded, "whsec_tests_0123456789")
    assert post(live_server, body, header) == 200
    assert post(live_server, body, header) == 200
    late = intent_event("evt_late", "payment_intent.processing", payment)
    assert post(live_server, *signed(late, "whsec_tests_0123456789")) == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID and payment.status == Payment.Status.SUCCEEDED
    assert order.amount_paid == order.total
    assert Transaction.objects.filter(order=order).count() == 1
    assert ProviderEvent.objects.count() == 2


def test_an_event_naming_no_payment_of_ours_is_accepted_and_ignored(live_server, with_stripe):
    stranger = Payment(reference="pi_unknown", amount=1)
    event = intent_event("evt_x", "payment_intent.succeeded", stranger)
    assert post(live_server, *signed(event, "whsec_tests_0123456789")) == 200
    assert not ProviderEvent.objects.exists() and not Order.objects.exists()


def test_the_webhook_is_off_until_stripe_is_configured(live_server, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert send(f"{live_server.url}/webhooks/stripe/", b"{}") == 404
    assert send(f"{live_server.url}/webhooks/stripe/") == 405

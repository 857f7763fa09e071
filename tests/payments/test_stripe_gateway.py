"""The card path end to end against a Stripe-compatible server: localstripe on
127.0.0.1 (started here), or the endpoint `STRIPE_API_BASE` names. What localstripe
does not implement (Alipay, WeChat Pay, idempotency keys) is checked against the
requests themselves in test_stripe_requests.py."""

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import stripe

from shop.payments.gateways.base import Charge, GatewayError, Outcome
from shop.payments.gateways.stripe import BadSignature, parse_webhook

WEBHOOK_SECRET = "whsec_localstripe_tests"


def card_charge(amount="128.50"):
    return Charge(
        idempotency_key=f"payment-{uuid.uuid4()}",
        amount=Decimal(amount),
        metadata={"order": "42"},
    )


def pay(buyer, reference, payment_method):
    """Stripe.js's part: attach the buyer's card and confirm."""
    buyer.v1.payment_intents.update(reference, {"payment_method": payment_method})
    buyer.v1.payment_intents.confirm(reference)


def test_a_card_payment_succeeds_and_is_refunded_in_part(gateway, buyer):
    answer = gateway.start(card_charge())

    assert answer.outcome == Outcome.ACTION_REQUIRED
    assert answer.reference.startswith("pi_")
    assert answer.client_secret.startswith(f"{answer.reference}_secret_")
    intent = buyer.v1.payment_intents.retrieve(answer.reference)
    assert (intent.amount, intent.currency, intent.metadata.to_dict()) == (
        12850,
        "cny",
        {"order": "42"},
    )

    pay(buyer, answer.reference, "pm_card_visa")
    assert gateway.retrieve(answer.reference).outcome == Outcome.SUCCEEDED

    refund = gateway.refund(
        reference=answer.reference, amount=Decimal("20.05"), idempotency_key="refund-1"
    )
    assert refund.outcome == Outcome.SUCCEEDED
    stored = buyer.v1.refunds.retrieve(refund.reference)
    assert (stored.amount, stored.payment_intent) == (2005, answer.reference)


def test_a_declined_card_leaves_the_intent_waiting_for_another(gateway, buyer):
    answer = gateway.start(card_charge())
    with pytest.raises(stripe.CardError):
        pay(buyer, answer.reference, "pm_card_chargeCustomerFail")

    after = gateway.retrieve(answer.reference)
    assert after.outcome == Outcome.ACTION_REQUIRED
    assert after.message == "Your card was declined."
    with pytest.raises(GatewayError, match="InvalidRequestError"):
        gateway.refund(reference=answer.reference, amount=Decimal("1.00"), idempotency_key="r-2")


def test_an_unknown_intent_is_a_gateway_error(gateway):
    with pytest.raises(GatewayError, match="InvalidRequestError"):
        gateway.retrieve("pi_doesnotexist")


def test_signed_webhooks_from_the_server_verify(endpoint, gateway, buyer, loopback):
    if not endpoint.is_localstripe:
        pytest.skip("only localstripe can be told where to post webhooks")
    inbox = loopback(lambda seen: (200, {}))
    endpoint.send_webhooks_to(f"{inbox.url}/webhooks/stripe/", WEBHOOK_SECRET)
    paid, declined = gateway.start(card_charge()), gateway.start(card_charge("9.99"))
    pay(buyer, paid.reference, "pm_card_visa")
    with pytest.raises(stripe.CardError):
        pay(buyer, declined.reference, "pm_card_chargeCustomerFail")

    for answer, kind, outcome, amount in [
        (paid, "payment_intent.succeeded", Outcome.SUCCEEDED, Decimal("128.50")),
        (declined, "payment_intent.payment_failed", Outcome.FAILED, Decimal("9.99")),
    ]:
        seen = inbox.wait_for(
            lambda seen, ref=answer.reference, kind=kind: (
                ref.encode() in seen.body and kind.encode() in seen.body
            )
        )
        assert (seen.method, seen.path) == ("POST", "/webhooks/stripe/")
        event = parse_webhook(seen.body, seen.headers["stripe-signature"], WEBHOOK_SECRET)
        assert event is not None
        assert (event.type, event.reference, event.outcome) == (kind, answer.reference, outcome)
        assert (event.amount, event.metadata) == (amount, {"order": "42"})
        assert event.id.startswith("evt_")

        with pytest.raises(BadSignature):
            parse_webhook(seen.body, seen.headers["stripe-signature"], "whsec_wrong")
        tampered = seen.body.replace(b'"cny"', b'"usd"')
        with pytest.raises(BadSignature):
            parse_webhook(tampered, seen.headers["stripe-signature"], WEBHOOK_SECRET)


def listening_addresses(port):
    """The local addresses of the sockets listening on `port` (Linux's /proc)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


def test_localstripe_listens_on_loopback_only(endpoint):
    if not endpoint.is_localstripe:
        pytest.skip("STRIPE_API_BASE names another server")
    port = int(endpoint.api_base.rsplit(":", 1)[1])
    assert listening_addresses(port) == ["0100007F"]  # 127.0.0.1, and no IPv6 socket

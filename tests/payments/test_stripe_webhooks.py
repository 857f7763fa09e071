"""Webhook bodies signed with the stripe library's own signing helper, read by
`parse_webhook`: what each event type means, and every way a body is refused."""

import json
import time
from decimal import Decimal

import pytest
import stripe

from shop.payments.gateways.base import Outcome
from shop.payments.gateways.stripe import BadSignature, parse_webhook

SECRET = "whsec_test_0123456789abcdef"


def signed(event, secret=SECRET, timestamp=None):
    body = json.dumps(event) if isinstance(event, dict) else event
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp)
    return body.encode(), header


def intent_event(kind, amount=12850, **changes):
    event = {
        "id": "evt_1",
        "object": "event",
        "type": kind,
        "created": 1_790_000_000,
        "data": {
            "object": {
                "id": "pi_1",
                "object": "payment_intent",
                "amount": amount,
                "currency": "cny",
                "metadata": {"order": "42"},
            }
        },
    }
    return event | changes


@pytest.mark.parametrize(
    ("kind", "outcome"),
    [
        ("payment_intent.succeeded", Outcome.SUCCEEDED),
        ("payment_intent.payment_failed", Outcome.FAILED),
        ("payment_intent.processing", Outcome.PENDING),
        ("payment_intent.canceled", Outcome.FAILED),
        ("payment_intent.requires_action", Outcome.ACTION_REQUIRED),
    ],
)
def test_intent_events(kind, outcome):
    event = parse_webhook(*signed(intent_event(kind)), SECRET)
    assert event is not None
    assert (event.id, event.type, event.reference, event.outcome) == (
        "evt_1",
        kind,
        "pi_1",
        outcome,
    )
    assert event.amount == Decimal("128.50")
    assert (event.created, event.metadata) == (1_790_000_000, {"order": "42"})


def test_a_refund_names_the_intent_and_the_total_refunded():
    event = intent_event("charge.refunded")
    event["data"]["object"] = {
        "id": "ch_1",
        "object": "charge",
        "amount": 12850,
        "amount_refunded": 2005,
        "payment_intent": "pi_1",
        "metadata": {},
    }
    parsed = parse_webhook(*signed(event), SECRET)
    assert parsed is not None
    assert (parsed.reference, parsed.outcome, parsed.amount) == (
        "pi_1",
        Outcome.SUCCEEDED,
        Decimal("20.05"),
    )


def test_types_we_do_not_act_on_are_none_once_signed():
    assert parse_webhook(*signed(intent_event("payment_intent.created")), SECRET) is None
    body, _ = signed(intent_event("payment_intent.created"))
    with pytest.raises(BadSignature):
        parse_webhook(body, "t=1,v1=00", SECRET)


def test_a_tampered_body_or_another_secret_is_refused():
    body, header = signed(intent_event("payment_intent.succeeded"))
    with pytest.raises(BadSignature, match="expected signature"):
        parse_webhook(body.replace(b"12850", b"12851"), header, SECRET)
    with pytest.raises(BadSignature, match="expected signature"):
        parse_webhook(body, header, "whsec_someone_else")


def test_an_old_timestamp_is_refused_within_the_tolerance_it_passes():
    ten_minutes_ago = int(time.time()) - 600
    body, header = signed(intent_event("payment_intent.succeeded"), timestamp=ten_minutes_ago)
    with pytest.raises(BadSignature, match="tolerance"):
        parse_webhook(body, header, SECRET)
    assert parse_webhook(body, header, SECRET, tolerance=900) is not None


def test_a_rotated_secret_passes_with_either_signature():
    body, old = signed(intent_event("payment_intent.succeeded"), secret="whsec_old")
    _, new = signed(intent_event("payment_intent.succeeded"), timestamp=int(old[2:12]))
    both = f"{new},v1={old.split('v1=')[1]}"
    assert parse_webhook(body, both, SECRET) is not None
    assert parse_webhook(body, both, "whsec_old") is not None


@pytest.mark.parametrize("header", ["", "nonsense", "t=abc,v1=00", "t=1"])
def test_a_missing_or_garbled_header_is_refused(header):
    body, _ = signed(intent_event("payment_intent.succeeded"))
    with pytest.raises(BadSignature):
        parse_webhook(body, header, SECRET)


def test_an_empty_secret_refuses_everything():
    body, header = signed(intent_event("payment_intent.succeeded"), secret=" ")
    with pytest.raises(BadSignature, match="secret"):
        parse_webhook(body, header, " ")


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        json.dumps({"type": "payment_intent.succeeded"}),
        json.dumps(intent_event("payment_intent.succeeded", amount="12850")),
        json.dumps(intent_event("payment_intent.succeeded", amount=True)),
        json.dumps(intent_event("payment_intent.succeeded", id="")),
        json.dumps(intent_event("payment_intent.succeeded", created="yesterday")),
        json.dumps(intent_event("payment_intent.succeeded", data={"object": None})),
    ],
)
def test_a_signed_body_that_is_no_stripe_event_is_refused(body):
    with pytest.raises(BadSignature, match="not a Stripe event"):
        parse_webhook(*signed(body), SECRET)


def test_a_body_that_is_not_utf8_is_refused():
    with pytest.raises(BadSignature):
        parse_webhook(b"\xff\xfe{}", "t=1,v1=00", SECRET)

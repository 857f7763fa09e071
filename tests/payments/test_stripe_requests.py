"""What the stripe library actually sends for the gateway, recorded by a loopback
server standing in for Stripe: the parts localstripe does not check (idempotency
keys, Alipay and WeChat Pay, the API version) and how answers and failures map."""

from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
import stripe

from shop.payments.gateways.base import Answer, Charge, Gateway, GatewayError, Outcome
from shop.payments.gateways.stripe import StripeGateway
from tests.helpers.services import free_port

SECRET = "sk_test_recorder_9f8e7d6c5b4a"


def like_stripe(status="requires_payment_method"):
    """A reply with the minimal objects the gateway reads, as Stripe would answer."""

    def reply(seen):
        form = dict(parse_qsl(seen.body.decode()))
        if seen.path == "/v1/refunds":
            return 200, {"id": "re_recorded", "object": "refund", "status": "succeeded"}
        return 200, {
            "id": "pi_recorded",
            "object": "payment_intent",
            "amount": int(form.get("amount", 100)),
            "currency": "cny",
            "status": status,
            "client_secret": "pi_recorded_secret_abc",
            "last_payment_error": None,
        }

    return reply


def form_of(seen):
    return parse_qsl(seen.body.decode(), strict_parsing=True)


def charge(**changes):
    values = {
        "idempotency_key": "payment-42-attempt-1",
        "amount": Decimal("128.50"),
        "methods": ("card", "alipay", "wechat_pay"),
        "metadata": {"order": "42"},
    }
    return Charge(**(values | changes))


def test_it_offers_the_gateway_interface() -> None:
    gateway: Gateway = StripeGateway(SECRET)  # mypy checks the protocol here
    assert gateway.name == "stripe"


def test_a_create_carries_fen_cny_the_methods_and_the_idempotency_key(loopback):
    recorder = loopback(like_stripe())
    answer = StripeGateway(SECRET, recorder.url).start(charge())

    assert answer == Answer(
        Outcome.ACTION_REQUIRED, reference="pi_recorded", client_secret="pi_recorded_secret_abc"
    )
    (seen,) = recorder.seen
    assert (seen.method, seen.path) == ("POST", "/v1/payment_intents")
    assert seen.headers["idempotency-key"] == "payment-42-attempt-1"
    assert seen.headers["authorization"] == f"Bearer {SECRET}"
    # The library pins API version endive, which refuses `payment_method_types` on
    # create: the methods go as `allowed_payment_method_types`.
    assert seen.headers["stripe-version"] == stripe.api_version
    assert form_of(seen) == [
        ("amount", "12850"),
        ("currency", "cny"),
        ("allowed_payment_method_types[0]", "card"),
        ("allowed_payment_method_types[1]", "alipay"),
        ("allowed_payment_method_types[2]", "wechat_pay"),
        ("metadata[order]", "42"),
    ]


def test_a_description_is_sent_only_when_given(loopback):
    recorder = loopback(like_stripe())
    StripeGateway(SECRET, recorder.url).start(charge(description="山村集市 订单 42"))
    assert ("description", "山村集市 订单 42") in form_of(recorder.seen[0])


def test_a_dropped_connection_is_retried_with_the_same_key(loopback):
    answers = like_stripe()
    recorder = loopback(lambda seen: None if len(recorder.seen) == 1 else answers(seen))
    answer = StripeGateway(SECRET, recorder.url).start(charge())

    assert answer.reference == "pi_recorded"
    first, retry = recorder.seen
    assert first.headers["idempotency-key"] == retry.headers["idempotency-key"]
    assert first.headers["idempotency-key"] == "payment-42-attempt-1"
    assert first.body == retry.body


def test_server_errors_are_retried_twice_then_reported(loopback):
    recorder = loopback(lambda seen: (500, {"error": {"type": "api_error", "message": "down"}}))
    with pytest.raises(GatewayError, match="APIError: down"):
        StripeGateway(SECRET, recorder.url).start(charge())
    assert len(recorder.seen) == 3
    assert {seen.headers["idempotency-key"] for seen in recorder.seen} == {"payment-42-attempt-1"}


def test_a_refund_carries_its_key_and_the_amount_in_fen(loopback):
    recorder = loopback(like_stripe())
    answer = StripeGateway(SECRET, recorder.url).refund(
        reference="pi_recorded", amount=Decimal("20.05"), idempotency_key="refund-7"
    )

    assert (answer.outcome, answer.reference) == (Outcome.SUCCEEDED, "re_recorded")
    (seen,) = recorder.seen
    assert (seen.method, seen.path) == ("POST", "/v1/refunds")
    assert seen.headers["idempotency-key"] == "refund-7"
    assert form_of(seen) == [("payment_intent", "pi_recorded"), ("amount", "2005")]


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("requires_payment_method", Outcome.ACTION_REQUIRED),
        ("requires_confirmation", Outcome.ACTION_REQUIRED),
        ("requires_action", Outcome.ACTION_REQUIRED),
        ("processing", Outcome.PENDING),
        ("succeeded", Outcome.SUCCEEDED),
        ("canceled", Outcome.FAILED),
    ],
)
def test_intent_statuses_map_to_outcomes(loopback, status, outcome):
    recorder = loopback(like_stripe(status))
    assert StripeGateway(SECRET, recorder.url).start(charge()).outcome == outcome


def test_an_unknown_status_is_a_gateway_error(loopback):
    recorder = loopback(like_stripe("requires_magic"))
    with pytest.raises(GatewayError, match="requires_magic"):
        StripeGateway(SECRET, recorder.url).start(charge())


def test_a_refusal_is_a_gateway_error_without_the_secret_key(loopback):
    refusal = {"error": {"type": "invalid_request_error", "message": f"Invalid API Key: {SECRET}"}}
    recorder = loopback(lambda seen: (401, refusal))
    with pytest.raises(GatewayError) as raised:
        StripeGateway(SECRET, recorder.url).start(charge())
    assert "Invalid API Key: [secret key]" in str(raised.value)
    assert SECRET not in repr(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_an_unreachable_endpoint_is_a_gateway_error():
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(GatewayError, match="APIConnectionError") as raised:
        StripeGateway(SECRET, closed).start(charge())
    assert SECRET not in str(raised.value)


def test_the_key_is_the_gateways_own(loopback):
    """No global `stripe.api_key`: two gateways with two keys each send their own."""
    recorder = loopback(like_stripe())
    StripeGateway(SECRET, recorder.url).start(charge())
    StripeGateway("sk_test_other", recorder.url).start(charge())
    assert stripe.api_key is None
    keys = [seen.headers["authorization"] for seen in recorder.seen]
    assert keys == [f"Bearer {SECRET}", "Bearer sk_test_other"]


@pytest.mark.parametrize(
    "wrong",
    [
        charge(amount=Decimal("1.005")),
        charge(amount=Decimal("0")),
        charge(amount=Decimal("-5.00")),
        charge(currency="USD"),
        charge(methods=()),
    ],
)
def test_a_wrong_charge_is_refused_before_any_request(loopback, wrong):
    recorder = loopback(like_stripe())
    with pytest.raises(ValueError):
        StripeGateway(SECRET, recorder.url).start(wrong)
    assert recorder.seen == []

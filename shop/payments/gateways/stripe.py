"""Stripe: PaymentIntents (card, Alipay, WeChat Pay) in CNY, refunds, signed webhooks.

Free of the database and of global state: each gateway holds its own
`stripe.StripeClient`, so the secret key never lands in `stripe.api_key` and a
test can point one gateway at localstripe or a recorder (`api_base`). Amounts
are Decimal CNY on our side and integer fen on Stripe's.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import stripe
from stripe.params import PaymentIntentCreateParams

from shop.payments.gateways.base import Answer, Charge, GatewayError, Outcome, WebhookEvent

# Short: a buyer waits on the checkout mutation. Retries are safe because every
# create carries the caller's idempotency key.
TIMEOUT_SECONDS = 10
MAX_NETWORK_RETRIES = 2

INTENT_OUTCOMES = {
    "requires_payment_method": Outcome.ACTION_REQUIRED,
    "requires_confirmation": Outcome.ACTION_REQUIRED,
    "requires_action": Outcome.ACTION_REQUIRED,
    "processing": Outcome.PENDING,
    # Only with manual capture, which we do not ask for.
    "requires_capture": Outcome.PENDING,
    "succeeded": Outcome.SUCCEEDED,
    "canceled": Outcome.FAILED,
}

REFUND_OUTCOMES = {
    "pending": Outcome.PENDING,
    "requires_action": Outcome.ACTION_REQUIRED,
    "succeeded": Outcome.SUCCEEDED,
    "failed": Outcome.FAILED,
    "canceled": Outcome.FAILED,
}

# The webhook events we act on; any other type parses to None.
EVENT_OUTCOMES = {
    "payment_intent.succeeded": Outcome.SUCCEEDED,
    "payment_intent.payment_failed": Outcome.FAILED,
    "payment_intent.processing": Outcome.PENDING,
    "payment_intent.canceled": Outcome.FAILED,
    "payment_intent.requires_action": Outcome.ACTION_REQUIRED,
    # The refund went through; the amount is the total refunded so far.
    "charge.refunded": Outcome.SUCCEEDED,
}


class BadSignature(ValueError):
    """A webhook whose signature is missing, wrong or too old, or whose body is not
    a Stripe event: answer 400 and record nothing."""


def to_fen(amount: Decimal) -> int:
    """CNY to fen, exactly (no rounding context involved); more than 2 decimals is refused."""
    sign, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(f"not a finite amount: {amount}")
    units = int("".join(map(str, digits)))
    if exponent >= -2:
        fen = units * 10 ** (exponent + 2)
    else:
        whole, rest = divmod(units, 10 ** (-2 - exponent))
        if rest:
            raise ValueError(f"more than 2 decimals: {amount}")
        fen = whole
    return -fen if sign else fen


def from_fen(fen: int) -> Decimal:
    """Fen to CNY with 2 decimals (12850 -> Decimal("128.50"))."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise ValueError(f"not a whole number of fen: {fen!r}")
    # Built from its digits: exact at any size, where `fen / 100` rounds past 28 digits.
    sign, digits, _ = Decimal(fen).as_tuple()
    return Decimal((sign, digits, -2))


class StripeGateway:
    name = "stripe"

    def __init__(self, secret_key: str, api_base: str | None = None) -> None:
        self._secret_key = secret_key
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else {},
            max_network_retries=MAX_NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
        )

    def start(self, charge: Charge) -> Answer:
        """Create a PaymentIntent; the buyer's browser confirms it with the client secret."""
        if charge.currency.upper() != "CNY":
            raise ValueError(f"Stripe charges here are in CNY, not {charge.currency}")
        if charge.amount <= 0:
            raise ValueError(f"a charge must be positive: {charge.amount}")
        if not charge.methods:
            raise ValueError("a charge names at least one payment method")
        params: PaymentIntentCreateParams = {
            "amount": to_fen(charge.amount),
            "currency": "cny",
            # API version endive (the library's pin) refuses `payment_method_types`
            # on create; this keeps only the methods the account can take.
            "allowed_payment_method_types": list(charge.methods),
            "metadata": dict(charge.metadata),
        }
        if charge.description:
            params["description"] = charge.description
        with self._errors():
            intent = self._client.v1.payment_intents.create(
                params,
                {"idempotency_key": charge.idempotency_key},
            )
        return _intent_answer(intent)

    def retrieve(self, reference: str) -> Answer:
        """The PaymentIntent's state now: the truth when webhooks come late or out of order."""
        with self._errors():
            intent = self._client.v1.payment_intents.retrieve(reference)
        return _intent_answer(intent)

    def refund(self, *, reference: str, amount: Decimal, idempotency_key: str) -> Answer:
        """Refund `amount` of the PaymentIntent `reference`; the answer's reference is the refund's id."""
        if amount <= 0:
            raise ValueError(f"a refund must be positive: {amount}")
        with self._errors():
            refund = self._client.v1.refunds.create(
                {"payment_intent": reference, "amount": to_fen(amount)},
                {"idempotency_key": idempotency_key},
            )
        outcome = REFUND_OUTCOMES.get(refund.status or "")
        if outcome is None:
            raise GatewayError(f"Stripe answered a refund with status {refund.status!r}")
        return Answer(outcome=outcome, reference=refund.id)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """The stripe library's errors as GatewayError, with the secret key scrubbed."""
        try:
            yield
        except stripe.StripeError as error:
            text = error.user_message or str(error) or "no message"
            if self._secret_key:
                text = text.replace(self._secret_key, "[secret key]")
            raise GatewayError(f"Stripe {type(error).__name__}: {text}") from None


def _intent_answer(intent: stripe.PaymentIntent) -> Answer:
    outcome = INTENT_OUTCOMES.get(intent.status)
    if outcome is None:
        raise GatewayError(f"Stripe answered a PaymentIntent with status {intent.status!r}")
    error = getattr(intent, "last_payment_error", None)
    message = (error.message or "") if error else ""
    return Answer(
        outcome=outcome,
        reference=intent.id,
        client_secret=intent.client_secret or "",
        message=message,
    )


def parse_webhook(
    payload: bytes, signature_header: str, secret: str, tolerance: int = 300
) -> WebhookEvent | None:
    """Check the `Stripe-Signature` header on the raw body with the stripe library's own
    code, then read the event. None for event types we do not act on (answer 200
    all the same, or Stripe retries them for days)."""
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance)
        event = json.loads(payload)
        kind = event["type"]
        outcome = EVENT_OUTCOMES.get(kind)
        if outcome is None:
            return None
        source = event["data"]["object"]
        if kind == "charge.refunded":
            reference, fen = source["payment_intent"], source["amount_refunded"]
        else:
            reference, fen = source["id"], source["amount"]
        metadata = source.get("metadata") or {}
        return WebhookEvent(
            id=_text(event["id"]),
            type=kind,
            reference=_text(reference),
            outcome=outcome,
            amount=from_fen(fen),
            created=_whole(event["created"]),
            metadata={str(key): str(value) for key, value in metadata.items()},
        )
    except stripe.SignatureVerificationError as error:
        raise BadSignature(str(error)) from None
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise BadSignature(f"not a Stripe event: {error}") from None


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected an id, got {value!r}")
    return value


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a timestamp, got {value!r}")
    return value

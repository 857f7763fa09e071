"""The one interface every payment gateway offers, free of the database.

A gateway is chosen by configuration (`PAYMENT_GATEWAYS`); services hand it a
`Charge` and record what it answers. Amounts are Decimal CNY here; a gateway
converts them at its own boundary (Stripe takes fen).
"""

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    # The buyer still has to act (Stripe's Payment Element, a QR code to scan).
    ACTION_REQUIRED = "action_required"
    # Paid later: cash at pickup, or a provider that answers by webhook.
    PENDING = "pending"
    FAILED = "failed"


class GatewayError(Exception):
    """The provider could not be reached or refused the request itself."""


@dataclass(frozen=True)
class Charge:
    """What to charge. `idempotency_key` is the same for every retry of one
    payment, so a retried create never makes a second charge."""

    idempotency_key: str
    amount: Decimal
    currency: str = "CNY"
    methods: tuple[str, ...] = ("card",)
    description: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    # For the test gateway: "succeed", "fail" or "pending".
    scenario: str = ""


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    # The provider's id of the charge or refund (a PaymentIntent's `pi_…`).
    reference: str = ""
    # Handed to the buyer's browser (Stripe's client secret); never stored.
    client_secret: str = ""
    message: str = ""


@dataclass(frozen=True)
class WebhookEvent:
    """A provider's notice that a charge changed, after its signature was checked."""

    id: str
    type: str
    reference: str
    outcome: Outcome
    amount: Decimal
    created: int
    metadata: dict[str, str] = field(default_factory=dict)


class Gateway(Protocol):
    name: str

    def start(self, charge: Charge) -> Answer:
        """Create the charge (at most once per idempotency key)."""
        ...

    def refund(self, *, reference: str, amount: Decimal, idempotency_key: str) -> Answer:
        """Give back `amount` of the charge `reference`."""
        ...

    def retrieve(self, reference: str) -> Answer:
        """How the charge `reference` stands now (PENDING when the gateway cannot say)."""
        ...

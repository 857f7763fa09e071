"""The embedded default: succeeds, fails or stays pending, as asked."""

from decimal import Decimal

from shop.payments.gateways.base import Answer, Charge, Outcome

SCENARIOS = {"succeed": Outcome.SUCCEEDED, "fail": Outcome.FAILED, "pending": Outcome.PENDING}


class TestGateway:
    name = "test"

    def start(self, charge: Charge) -> Answer:
        outcome = SCENARIOS.get(charge.scenario or "succeed", Outcome.FAILED)
        message = "declined by the test gateway" if outcome == Outcome.FAILED else ""
        return Answer(outcome, reference=f"test_{charge.idempotency_key}", message=message)

    def refund(self, *, reference: str, amount: Decimal, idempotency_key: str) -> Answer:
        return Answer(Outcome.SUCCEEDED, reference=f"test_refund_{idempotency_key}")

    def retrieve(self, reference: str) -> Answer:
        return Answer(Outcome.PENDING, reference=reference)


class CashGateway:
    """Cash at pickup: nothing happens until station staff take the money."""

    name = "cash"

    def start(self, charge: Charge) -> Answer:
        return Answer(Outcome.PENDING)

    def refund(self, *, reference: str, amount: Decimal, idempotency_key: str) -> Answer:
        return Answer(Outcome.SUCCEEDED, reference=f"cash_refund_{idempotency_key}")

    def retrieve(self, reference: str) -> Answer:
        return Answer(Outcome.PENDING, reference=reference)

"""Provider events are applied by a task: acknowledged only after it ran, and
safe to run twice (the event's id is recorded with its effect)."""

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from shop.core.tasks import durable_task
from shop.payments import services
from shop.payments.gateways.base import Outcome, WebhookEvent


def as_message(event: WebhookEvent) -> dict[str, Any]:
    return {**asdict(event), "amount": str(event.amount)}


@durable_task(idempotent=True)
def apply_provider_event(provider: str, event: dict[str, Any]) -> bool:
    parsed = WebhookEvent(
        **{**event, "amount": Decimal(event["amount"]), "outcome": Outcome(event["outcome"])}
    )
    return services.handle_event(provider=provider, event=parsed)

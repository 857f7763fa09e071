"""Beat tasks of commerce, acting as the system; each may run twice and ends as if once."""

from shop.checkout import services
from shop.core.roles import SYSTEM
from shop.core.tasks import durable_task


@durable_task(idempotent=True)
def release_expired_reservations() -> int:
    return services.release_expired_reservations(actor=SYSTEM)


@durable_task(idempotent=True)
def cancel_unpaid_orders() -> int:
    return services.cancel_unpaid_orders(actor=SYSTEM)

"""Checking a farmer's receipt against the trace log, for anyone.

A receipt (`traceability.transparency`) is the log's signed promise that a
step is its leaf; `traceability.services.log.check_receipt` says whether the
log keeps it. Anyone may ask, without signing in, so each client network may
check `CHECKS.count` receipts in `CHECKS.seconds`: each check verifies a
signature and an inclusion proof. While the counters cannot be read, checks
are refused (the limit fails closed, as the resolver's guesses do).
"""

from django.utils.translation import gettext_lazy as _

from shop.core.throttling import Limit, LimitsUnavailable
from traceability.services import log

CHECKS = Limit("trace-receipt-checks", count=30, seconds=600)
REFUSED = _("Too many receipts were checked from your address: try again in a few minutes.")


class TooManyChecks(Exception):
    """The network used up its checks; try again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many receipt checks; retry after {retry_after} s")
        self.retry_after = retry_after


def check(text: str, *, network: str) -> log.ReceiptCheck:
    """What the log says of the receipt `text`, for the client `network`
    (`shop.core.throttling.client_network`); `TooManyChecks` past the limit."""
    try:
        refused = CHECKS.reached(network)
    except LimitsUnavailable:
        refused = True
    if refused:
        raise TooManyChecks(CHECKS.seconds)
    CHECKS.hit(network)
    return log.check_receipt(text)

"""Checking a farmer's receipt against the trace log, for anyone.

A receipt (`traceability.transparency`) is the log's signed promise that a
step is its leaf; `check_receipt` says whether the
log keeps it. Anyone may ask, without signing in, so each client network may
check `CHECKS.count` receipts in `CHECKS.seconds`: each check verifies a
signature and an inclusion proof. While the counters cannot be read, checks
are refused (the limit fails closed, as the resolver's guesses do).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from shop.core.throttling import Limit, LimitsUnavailable
from tlog import merkle
from traceability import transparency
from traceability.models import LogAlert, LogCheckpoint, LogLeaf
from traceability.services import log, signing

CHECKS = Limit("trace-receipt-checks", count=30, seconds=600)
REFUSED = _("Too many receipts were checked from your address: try again in a few minutes.")


class TooManyChecks(Exception):
    """The network used up its checks; try again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many receipt checks; retry after {retry_after} s")
        self.retry_after = retry_after


def check(text: str, *, network: str) -> ReceiptCheck:
    """What the log says of the receipt `text`, for the client `network`
    (`shop.core.throttling.client_network`); `TooManyChecks` past the limit."""
    try:
        refused = CHECKS.reached(network)
    except LimitsUnavailable:
        refused = True
    if refused:
        raise TooManyChecks(CHECKS.seconds)
    CHECKS.hit(network)
    return check_receipt(text)


class ReceiptStatus(StrEnum):
    INCLUDED = "included"  # in the newest checkpoint (the proof shows it)
    PENDING = "pending"  # logged, not yet checkpointed
    MISSING = "missing"  # the log does not hold what it promised: a record was removed
    INVALID = "invalid"  # not a receipt of this log


@dataclass(frozen=True)
class ReceiptCheck:
    status: ReceiptStatus
    receipt: transparency.Receipt | None = None
    event_id: int | None = None
    checkpoint: LogCheckpoint | None = None
    proof: tuple[bytes, ...] = ()


def check_receipt(text: str) -> ReceiptCheck:
    """What the log says of a receipt a farmer kept. A receipt is only handed out
    once its leaf is written in the same transaction as the event, so a valid
    receipt whose leaf is absent or different proves that a record was removed:
    the operators are alerted."""
    try:
        promised = transparency.open_receipt(text)
    except ValueError:
        return ReceiptCheck(ReceiptStatus.INVALID)
    if promised.origin != transparency.origin():
        return ReceiptCheck(ReceiptStatus.INVALID)
    leaf = LogLeaf.objects.filter(index=promised.index).first()
    if leaf is None or bytes(leaf.hash) != promised.leaf_hash:
        return _broken_promise(promised, None)
    newest = signing.newest_checkpoint()
    if newest is None or promised.index >= newest.size:
        return ReceiptCheck(ReceiptStatus.PENDING, promised, leaf.event_id)
    store = log.DatabaseStore(newest.size)
    try:
        proof = merkle.inclusion_proof(store, promised.index, newest.size)
        signed = signing.check_stored(newest)
    except (log.MissingNode, signing.Refused):
        return _broken_promise(promised, leaf.event_id)
    if not merkle.verify_inclusion(
        promised.index, newest.size, promised.leaf_hash, proof, signed.root_hash
    ):
        return _broken_promise(promised, leaf.event_id)
    return ReceiptCheck(ReceiptStatus.INCLUDED, promised, leaf.event_id, newest, tuple(proof))


def _broken_promise(promised: transparency.Receipt, event_id: int | None) -> ReceiptCheck:
    recorded = promised.recorded_at.isoformat()
    signing.alert(
        LogAlert.Kind.RECEIPT_MISSING,
        signing.Refused(
            "receipt_missing",
            f"a genuine receipt of leaf {promised.index} (recorded {recorded}) is not in the log",
            event_id=event_id,
            leaf=promised.index,
        ),
    )
    return ReceiptCheck(ReceiptStatus.MISSING, promised, event_id)

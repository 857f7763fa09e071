"""A record's EPCIS document and its evidence, checked against the log.

The checks run in the market's own order (its `traceVerify`), so that both
name the same first failure: an event the log holds that the record lacks;
each event's chains, hash and link to the event before it on each chain; each
batch's facts against its logged record; each event against its leaf, its
receipt and the signed tree. The reasons are the market's names.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from traceverify import canonical, merkle, notes

NS = "trace:"
EVENT_KEYS = tuple(
    NS + name for name in ("sequence", "hash", "previous", "chains", "leaf", "receipt")
)
REASONS = {
    "malformed": "the answer lacks what a verifier needs",
    "missing_events": "the log holds an event that the record no longer shows",
    "chains_mismatch": "its batches are not the chains its hash covers",
    "content_mismatch": "its content or previous links are not what its hash covers",
    "broken_link": "it does not follow the event before it on this chain",
    "not_in_log": "it is not in the log: recorded behind the log's back",
    "bad_receipt": "its receipt is not the log's promise for its leaf",
    "not_as_logged": "it is not what the log recorded",
    "batch_mismatch": "the batch's facts are not the record logged when it was created",
}


class Malformed(ValueError):
    """The document does not carry the evidence in the documented shape."""


@dataclass(frozen=True)
class Failure:
    reason: str
    detail: str
    sequence: int | None = None
    event_id: str | None = None
    batch: int | None = None


@dataclass(frozen=True)
class Event:
    sequence: int
    event_id: str | None
    content: dict[str, Any]
    hash: str
    previous: list[list[Any]]
    chains: list[int]
    leaf: int | None
    receipt: str | None


@dataclass(frozen=True)
class BatchRecord:
    record: dict[str, Any]
    leaf: int | None
    receipt: str | None

    @property
    def batch(self) -> int:
        return int(self.record["batch"])


@dataclass(frozen=True)
class Record:
    origin: str
    events: list[Event]
    batches: list[BatchRecord]
    logged: list[tuple[int, int]]  # (leaf, sequence) of every event the log holds on the chains


def _number(value: Any, what: str, optional: bool = False) -> Any:
    if (value is None and optional) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise Malformed(f"{what} is a whole number")


def _text(value: Any, what: str, optional: bool = False) -> Any:
    if (value is None and optional) or isinstance(value, str):
        return value
    raise Malformed(f"{what} is a string")


def _event(entry: Mapping[str, Any]) -> Event:
    previous = entry.get(NS + "previous")
    chains = entry.get(NS + "chains")
    if not isinstance(previous, list) or not all(
        isinstance(pair, list) and len(pair) == 2 for pair in previous
    ):
        raise Malformed("trace:previous is a list of [chain, hash] pairs")
    if not isinstance(chains, list):
        raise Malformed("trace:chains is a list of batch ids")
    content = {key: value for key, value in entry.items() if key not in EVENT_KEYS}
    return Event(
        sequence=_number(entry.get(NS + "sequence"), "trace:sequence"),
        event_id=content.get("eventID") if isinstance(content.get("eventID"), str) else None,
        content=content,
        hash=_text(entry.get(NS + "hash"), "trace:hash"),
        previous=previous,
        chains=[_number(chain, "a chain") for chain in chains],
        leaf=_number(entry.get(NS + "leaf"), "trace:leaf", optional=True),
        receipt=_text(entry.get(NS + "receipt"), "trace:receipt", optional=True),
    )


def _batch(entry: Mapping[str, Any]) -> BatchRecord:
    record = entry.get(NS + "record")
    if not isinstance(record, dict) or not isinstance(record.get("batch"), int):
        raise Malformed("trace:record is a batch's record")
    return BatchRecord(
        record,
        _number(entry.get(NS + "leaf"), "trace:leaf", optional=True),
        _text(entry.get(NS + "receipt"), "trace:receipt", optional=True),
    )


def read(document: Any) -> Record:
    """The evidence of an EPCIS document (`docs/trace-log.md`); `Malformed` if absent."""
    try:
        log = document[NS + "log"]
        events = [_event(entry) for entry in document["epcisBody"]["eventList"]]
        batches = [_batch(entry) for entry in document[NS + "batches"]]
        logged = [
            (_number(e[NS + "leaf"], "trace:leaf"), _number(e[NS + "sequence"], "trace:sequence"))
            for e in document[NS + "logged"]
        ]
        return Record(_text(log[NS + "origin"], "trace:origin"), events, batches, logged)
    except (KeyError, TypeError, AttributeError) as error:
        raise Malformed(f"no {error} where the evidence should be") from None


@dataclass(frozen=True)
class Tree:
    """The signed tree the record is checked against (None: no checkpoint yet)."""

    key: notes.Key
    origin: str
    checkpoint: notes.Checkpoint | None
    inclusion: Callable[[int, int], list[bytes] | None]  # (index, size) → proof


@dataclass(frozen=True)
class Result:
    failure: Failure | None
    pending: int  # records newer than the checkpoint, vouched for by their receipts only


def check(record: Record, tree: Tree) -> Result:
    """The first failure in the market's order (module docstring), or none."""
    checks = (_missing, _chains, lambda r: _batches(r, tree))
    for step in checks:
        failure = step(record)
        if failure is not None:
            return Result(failure, 0)
    pending = 0
    for event in record.events:
        outcome = _logged(event, tree)
        if isinstance(outcome, Failure):
            return Result(outcome, 0)
        pending += outcome
    pending += sum(1 for b in record.batches if b.leaf is not None and not _covered(b.leaf, tree))
    return Result(None, pending)


def _of(event: Event, reason: str, batch: int | None = None) -> Failure:
    return Failure(reason, REASONS[reason], event.sequence, event.event_id, batch)


def _missing(record: Record) -> Failure | None:
    shown = {event.sequence for event in record.events}
    for leaf, sequence in record.logged:
        if sequence not in shown:
            detail = f"{REASONS['missing_events']} (leaf {leaf})"
            return Failure("missing_events", detail, sequence)
    return None


def _chains(record: Record) -> Failure | None:
    """verify_chain: links are checked on the chains of the document's batches."""
    checked = {str(batch.batch) for batch in record.batches}
    heads: dict[str, str] = {}
    for event in record.events:
        linked = [str(chain) for chain, _hash in event.previous]
        if sorted(linked) != sorted({str(chain) for chain in event.chains}):
            return _of(event, "chains_mismatch")
        try:
            recomputed = canonical.event_hash(event.content, event.previous)
        except (TypeError, ValueError):
            return _of(event, "content_mismatch")
        if recomputed != event.hash:
            return _of(event, "content_mismatch")
        for chain, before in sorted(event.previous, key=lambda pair: str(pair[0])):
            if str(chain) not in checked:
                continue
            if before != heads.get(str(chain)):
                return _of(event, "broken_link", int(chain))
            heads[str(chain)] = event.hash
    return None


def _covered(leaf: int, tree: Tree) -> bool:
    return tree.checkpoint is not None and leaf < tree.checkpoint.size


def _against_log(leaf: int, hashed: bytes, receipt: str | None, tree: Tree) -> str | None:
    """Why a record's leaf is not as promised and signed (a reason), or None."""
    try:
        promised = notes.receipt(receipt or "", tree.key)
    except notes.BadNote:
        return "bad_receipt"
    if (promised.origin, promised.index) != (tree.origin, leaf):
        return "bad_receipt"
    if promised.leaf_hash != hashed:
        return "not_as_logged"
    if tree.checkpoint is not None and _covered(leaf, tree):
        proof = tree.inclusion(leaf, tree.checkpoint.size)
        if proof is None or not merkle.included(
            leaf, tree.checkpoint.size, hashed, proof, tree.checkpoint.root
        ):
            return "not_as_logged"
    return None


def _batches(record: Record, tree: Tree) -> Failure | None:
    for batch in record.batches:
        if batch.leaf is None:
            return Failure("not_in_log", REASONS["not_in_log"], batch=batch.batch)
        try:
            hashed = canonical.batch_leaf(batch.record)
        except (TypeError, ValueError):
            return Failure("batch_mismatch", REASONS["batch_mismatch"], batch=batch.batch)
        reason = _against_log(batch.leaf, hashed, batch.receipt, tree)
        if reason is not None:
            reason = reason if reason == "bad_receipt" else "batch_mismatch"
            return Failure(reason, REASONS[reason], batch=batch.batch)
    return None


def _logged(event: Event, tree: Tree) -> Failure | int:
    """A failure, or 1 if the event waits for a checkpoint (its receipt vouches), else 0."""
    if event.leaf is None:
        return _of(event, "not_in_log")
    reason = _against_log(
        event.leaf, canonical.event_leaf(event.hash, event.chains), event.receipt, tree
    )
    if reason is not None:
        return _of(event, reason)
    return 0 if _covered(event.leaf, tree) else 1

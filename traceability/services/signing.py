"""Signing the trace log: checkpoints, key announcements and the operators' alerts.

`sign_checkpoint` signs the tree (`traceability.services.log`) as C2SP
tlog-checkpoint, but only once it has proven that the tree extends the last
one signed and that every new leaf is a record the log recorded (its hash
recomputed, its receipt valid); otherwise it signs nothing and raises an
alert naming what changed, so a database edit is never laundered into a
checkpoint. Witnesses then cosign (`traceability.services.witnesses`).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from shop.core.cache_tags import invalidate
from shop.core.roles import PLATFORM_ONLY, Actor, require
from tlog import checkpoint as tlog_checkpoint
from tlog import merkle, note
from traceability import cache, integrity, transparency
from traceability.models import (
    Batch,
    LogAlert,
    LogCheckpoint,
    LogHead,
    LogLeaf,
    TraceEvent,
    TraceLog,
)
from traceability.policies import can_sign_checkpoints
from traceability.services import log

logger = logging.getLogger("traceability.log")


class Refused(Exception):
    """Why the signer signed nothing, naming the event or leaf at fault."""

    def __init__(
        self, reason: str, detail: str, *, event_id: int | None = None, leaf: int | None = None
    ):
        super().__init__(detail)
        self.reason, self.detail, self.event_id, self.leaf = reason, detail, event_id, leaf


def newest_checkpoint() -> LogCheckpoint | None:
    """The newest signed checkpoint (of the largest tree; a key's announcement
    follows the checkpoint of the same size it repeats)."""
    return LogCheckpoint.objects.order_by("-size", "-pk").first()


@dataclass(frozen=True)
class Opened:
    checkpoint: tlog_checkpoint.Checkpoint
    key_id: bytes  # of the log key that signed it


@functools.lru_cache(maxsize=64)
def opened(note_text: str, vkeys: tuple[str, ...]) -> Opened | None:
    """The checkpoint a stored note signs, if one of the log's keys signed it (once per
    process)."""
    try:
        found, opened_note = tlog_checkpoint.open_checkpoint(
            note_text, [note.Ed25519Verifier.from_vkey(v) for v in vkeys], transparency.origin()
        )
    except ValueError:
        return None
    return Opened(found, opened_note.verified[0].key_id)


def open_stored(stored: LogCheckpoint) -> Opened:
    """The stored checkpoint, once a log key's signature and its columns agree; else
    `Refused`."""
    found = opened(stored.note, tuple(key.vkey() for key in transparency.verifiers()))
    if found is None:
        named, origin = stored.note.partition("\n")[0], transparency.origin()
        if named != origin:  # PUBLIC_BASE_URL moved without TRACE_LOG_ORIGIN: the log renamed
            raise Refused(
                "origin_changed",
                f"checkpoint {stored.size} is of the log {named!r}, this server names its log "
                f"{origin!r}: set TRACE_LOG_ORIGIN to {named!r}",
            )
        raise Refused("bad_signature", f"checkpoint {stored.size} is not signed by the log key")
    if (found.checkpoint.size, found.checkpoint.root_hash) != (stored.size, bytes(stored.root)):
        raise Refused(
            "checkpoint_edited", f"checkpoint {stored.size}'s columns differ from its note"
        )
    return found


def check_stored(stored: LogCheckpoint) -> tlog_checkpoint.Checkpoint:
    return open_stored(stored).checkpoint


def _check_key(newest: Opened) -> None:
    """The current key signs on from the newest checkpoint only if it signed that one,
    or that one (signed by a retired key) announced it: a key swapped in without
    the old key's word signs nothing."""
    current = transparency.verifier()
    if newest.key_id == current.key_id:
        return
    if transparency.key_announcement(current) not in newest.checkpoint.extensions:
        raise Refused("key_not_announced", "the signing key was not announced by the last one")


def announce_key(new_key: note.Ed25519Verifier, *, actor: Actor) -> LogCheckpoint:
    """Sign, with the current key, a checkpoint of the log as signed last that names
    `new_key` as its successor (then configure the new key, and the old one as retired)."""
    require(actor, can_sign_checkpoints(actor), PLATFORM_ONLY)
    with transaction.atomic():
        log.lock_head()
        stored = newest_checkpoint()
        if stored is None:
            size, root_hash = 0, merkle.EMPTY_ROOT
        else:
            newest = open_stored(stored)
            _check_key(newest)
            size, root_hash = newest.checkpoint.size, newest.checkpoint.root_hash
        body = tlog_checkpoint.Checkpoint(
            transparency.origin(), size, root_hash, (transparency.key_announcement(new_key),)
        )
        return LogCheckpoint.objects.create(
            size=size,
            root=root_hash,
            note=tlog_checkpoint.sign_checkpoint(body, transparency.signer()),
            signed_at=timezone.now(),
        )


def _check_new_leaves(start: int, end: int) -> list[bytes]:
    """The leaf hashes of [start, end), once each is a record the log recorded:
    recomputed from the event or the batch, with a valid receipt for it."""
    leaves = list(LogLeaf.objects.filter(index__gte=start, index__lt=end).order_by("index"))
    events = TraceEvent.objects.filter(pk__in=[leaf.event_id for leaf in leaves]).only(
        "pk", "document", "previous", "content_hash", "receipt"
    )
    by_event = {row.pk: row for row in events}
    by_batch = Batch.objects.in_bulk([leaf.batch_id for leaf in leaves if leaf.batch_id])
    hashes = []
    for expected, leaf in enumerate(leaves, start=start):
        if leaf.index != expected:
            raise Refused("missing_leaf", f"leaf {expected} is missing", leaf=expected)
        hashed, receipt = _recomputed(leaf, by_event, by_batch)
        if hashed != bytes(leaf.hash):
            raise Refused(
                "content_mismatch",
                f"leaf {leaf.index} is not the record it logged",
                event_id=leaf.event_id,
                leaf=leaf.index,
            )
        try:
            promised = transparency.open_receipt(receipt)
        except ValueError:
            promised = None
        if promised is None or (promised.index, promised.leaf_hash) != (leaf.index, hashed):
            raise Refused(
                "bad_receipt",
                f"leaf {leaf.index} has no valid receipt",
                event_id=leaf.event_id,
                leaf=leaf.index,
            )
        hashes.append(hashed)
    if len(hashes) != end - start:
        missing = start + len(hashes)
        raise Refused("missing_leaf", f"leaf {missing} is missing", leaf=missing)
    return hashes


def _recomputed(
    leaf: LogLeaf, events: dict[int, TraceEvent], batches: dict[int, Batch]
) -> tuple[bytes, str]:
    """The leaf hash of the record a leaf names, recomputed from its rows, and its receipt."""
    if leaf.batch_id is not None:
        batch = batches.get(leaf.batch_id)
        if batch is None:
            raise Refused(
                "missing_batch",
                f"batch {leaf.batch_id} of leaf {leaf.index} is missing",
                leaf=leaf.index,
            )
        return transparency.batch_leaf_hash(batch), batch.receipt
    event = events.get(leaf.event_id or 0)
    if event is None:
        raise Refused(
            "missing_event",
            f"event {leaf.event_id} of leaf {leaf.index} is missing",
            event_id=leaf.event_id,
            leaf=leaf.index,
        )
    chains = [int(c) for c in leaf.chains.split()]
    recomputed = integrity.event_hash(event.document, event.previous)
    if recomputed != event.content_hash:
        raise Refused(
            "content_mismatch",
            f"event {event.pk} is not as it was logged",
            event_id=event.pk,
            leaf=leaf.index,
        )
    return transparency.leaf_hash(recomputed, chains), event.receipt


def _prove_extension(
    old: tlog_checkpoint.Checkpoint | None, size: int
) -> tuple[bytes, merkle.RightEdge]:
    """The root and the edge of the first `size` leaves, once proven to extend
    `old`; else `Refused`."""
    start = old.size if old else 0
    store = log.DatabaseStore(start)
    try:
        # What the old root and the appends read, and the nodes the new leaves completed.
        store.prefetch([*merkle.edge_nodes(start), *merkle.completed_nodes(start, size)])
        if old is not None and merkle.root(store, start) != old.root_hash:
            raise Refused(
                "log_rewritten", f"the first {start} leaves no longer have the signed root"
            )
        new_hashes = _check_new_leaves(start, size)
        nodes = merkle.appended_nodes(store, new_hashes)
    except log.MissingNode as missing:
        raise Refused("missing_leaf", str(missing), leaf=missing.index << missing.level) from None
    for level, index, hashed in nodes:
        if level > 0 and store.fetched(level, index) != hashed:
            raise Refused(
                "node_mismatch",
                f"node {level}/{index} is not the hash of its leaves",
                leaf=index << level,
            )
    store.size = size
    store.add(nodes)
    new_root = merkle.root(store, size)
    if old is not None:
        proof = merkle.consistency_proof(store, old.size, size)
        if not merkle.verify_consistency(old.size, size, old.root_hash, new_root, proof):
            raise Refused(
                "log_rewritten", f"the tree of {size} does not extend the one of {old.size}"
            )
    edge = [store.node(level, index) for level, index in merkle.edge_nodes(size)]  # all in memory
    return new_root, merkle.RightEdge.of(size, edge)


def sign_checkpoint(*, actor: Actor) -> LogCheckpoint | None:
    """Sign a checkpoint of the whole log if it grew, after proving that it extends
    the last one signed; return the newest checkpoint, or None when none could be
    signed (the alert says why). A head that no longer says how the proven log
    ends is restored from it, with an alert."""
    require(actor, can_sign_checkpoints(actor), PLATFORM_ONLY)
    with transaction.atomic():
        head = log.lock_head()
        stored, size, finding = _signer_state()
        signed_size = stored.size if stored is not None else 0
        if size == signed_size and _head_agrees(head, size):
            return stored
        try:
            newest = open_stored(stored) if stored is not None else None
            if newest is not None:
                _check_key(newest)
            old = newest.checkpoint if newest is not None else None
            if old is not None and size < old.size:
                raise Refused(
                    "missing_leaf", f"the log has {size} leaves, {old.size} were signed", leaf=size
                )
            if finding is not None:
                raise finding
            new_root, edge = _prove_extension(old, size)
        except Refused as refused:
            alert(LogAlert.Kind.SIGNER_REFUSED, refused)
            return None
        _restore_head(head, edge)
        if size == signed_size:
            return stored
        body = tlog_checkpoint.Checkpoint(transparency.origin(), size, new_root)
        signed = LogCheckpoint.objects.create(
            size=size,
            root=new_root,
            note=tlog_checkpoint.sign_checkpoint(body, transparency.signer()),
            signed_at=timezone.now(),
        )
    invalidate(cache.CHECKPOINTS)
    return signed


def _head_agrees(head: log.Head, size: int) -> bool:
    """The head says the log has `size` leaves, ends as the stored nodes do and has
    the name the server gives it (or none yet)."""
    if head.size != size or head.origin not in ("", transparency.origin()):
        return False
    try:
        return head.edge == b"".join(log.stored_edge(size).hashes)
    except log.MissingNode:
        return False


def _restore_head(head: log.Head, edge: merkle.RightEdge) -> None:
    """Make the head say how the proven log ends and its name (the one its signed
    checkpoints carry, or it would not be proven), and tell the operators if it did
    not (an insider's edit: appends were refused meanwhile, nothing was lost)."""
    fields = {**log.head_fields(edge), "origin": transparency.origin()}
    unnamed = head.origin in ("", fields["origin"])  # blank: the next append names it
    if (head.size, head.edge) == (fields["size"], fields["edge"]) and unnamed:
        return
    LogHead.objects.filter(pk=log.HEAD).update(**fields)
    said = (
        f"the log's head said {head.size} leaves of {head.origin!r}; restored to the stored "
        f"log's {edge.size} of {fields['origin']!r}"
    )
    alert(LogAlert.Kind.HEAD_RESTORED, Refused("head_mismatch", said, leaf=edge.size))


# The newest checkpoint with the number of leaves and the audit's finding, in one
# plain statement (the ORM's subqueries cost more to build than to run).
SIGNER_STATE = f"""
SELECT c.id, c.size, c.root, c.note, c.signed_at,
    (SELECT max("index") FROM {log.LEAVES}) AS highest,
    t.audit_reason, t.audit_detail, t.audit_event, t.audit_leaf
FROM {LogCheckpoint._meta.db_table} c
LEFT JOIN {TraceLog._meta.db_table} t ON t.origin = %s
ORDER BY c.size DESC, c.id DESC
LIMIT 1
"""  # noqa: S608 - our table names


def _signer_state() -> tuple[LogCheckpoint | None, int, Refused | None]:
    """The newest checkpoint, the number of leaves, and the audit's standing finding
    if the last audit found the record broken (the signer signs nothing while it
    stands), in one query once a checkpoint exists; call under the head's lock."""
    stored = next(iter(LogCheckpoint.objects.raw(SIGNER_STATE, [transparency.origin()])), None)
    if stored is None:
        found = TraceLog.objects.filter(origin=transparency.origin()).first()
        return None, log.leaf_count(), _finding(found) if found is not None else None
    highest = getattr(stored, "highest", None)
    return stored, 0 if highest is None else highest + 1, _finding(stored)


def _finding(row: Any) -> Refused | None:
    """The audit's finding a row carries (`TraceLog`'s fields), if it found one."""
    if not getattr(row, "audit_reason", None):
        return None
    return Refused(
        row.audit_reason, row.audit_detail, event_id=row.audit_event, leaf=row.audit_leaf
    )


def alert(kind: str, refused: Refused, *, batch_id: int | None = None) -> LogAlert:
    """Record and log what went wrong, for the operators; the same finding again
    (the signer runs every few seconds) is not recorded twice in a row."""
    fields = {
        "kind": kind,
        "reason": refused.reason,
        "event_id": refused.event_id,
        "leaf_index": refused.leaf,
        "batch_id": batch_id,
        "detail": refused.detail[:500],
    }
    newest = LogAlert.objects.filter(kind=kind).order_by("-pk").first()
    if newest is not None and all(getattr(newest, key) == value for key, value in fields.items()):
        return newest
    logger.error("trace log %s: %s (%s)", kind, refused.detail, refused.reason)
    return LogAlert.objects.create(**fields)

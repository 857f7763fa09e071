"""The transparency log of trace events: appending, signing, proving.

Every event is appended in the transaction that records it (`append`), under
the log's row lock (taken after the batches': `shop.core.db`), and its receipt
is signed then: a promise of inclusion with the key that is not in the
database. `sign_checkpoint` signs the tree as C2SP tlog-checkpoint, but only
once it has proven that the tree extends the last one signed and that every
new leaf is an event the log recorded (its hash recomputed, its receipt
valid); otherwise it signs nothing and raises an alert naming what changed,
so a database edit is never laundered into a checkpoint. Witnesses then
cosign (`traceability.services.witnesses`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.cache_tags import invalidate
from shop.core.db import lock_rows
from shop.core.errors import DomainError
from shop.core.roles import PLATFORM_ONLY, Actor, require
from tlog import checkpoint as tlog_checkpoint
from tlog import merkle, note
from traceability import cache, integrity, transparency
from traceability.errors import TraceabilityErrorCode as Code
from traceability.models import (
    Batch,
    LogAlert,
    LogCheckpoint,
    LogHead,
    LogLeaf,
    LogLeafChain,
    LogNode,
    TraceEvent,
    TraceLog,
)
from traceability.policies import can_sign_checkpoints

logger = logging.getLogger("traceability.log")


class MissingNode(LookupError):
    """A node the tree needs is not stored: a leaf or node row was deleted."""

    def __init__(self, level: int, index: int) -> None:
        super().__init__(f"node {level}/{index} is missing")
        self.level, self.index = level, index


LEAVES = LogLeaf._meta.db_table
NODES = LogNode._meta.db_table
# Keys a statement asks for on SQLite, which bounds a statement's parameters
# (999 in old builds).
SQLITE_CHUNK = 900


class DatabaseStore:
    """A `tlog.merkle.HashStore` over the log's tables, of the tree of `size` leaves.

    Nodes are read on demand or, for many proofs at once, fetched together
    first (`prefetch`): a proof then costs no query.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._nodes: dict[tuple[int, int], bytes] = {}

    def leaf_count(self) -> int:
        return self.size

    def node(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self._nodes:
            self.prefetch([key])
        try:
            return self._nodes[key]
        except KeyError:
            raise MissingNode(level, index) from None

    def fetched(self, level: int, index: int) -> bytes | None:
        """The node as fetched (or added), without a query; None if it was not."""
        return self._nodes.get((level, index))

    def add(self, nodes: Iterable[tuple[int, int, bytes]]) -> None:
        for level, index, hashed in nodes:
            self._nodes[(level, index)] = hashed

    def prefetch(self, keys: Iterable[tuple[int, int]]) -> None:
        """Fetch the nodes `keys` names, leaves and higher levels, in one query (a few
        for thousands of nodes on SQLite). Plain SQL: a proof served over HTTP is
        mostly this, and building the same statement through the ORM cost ten
        times its run. PostgreSQL takes the keys as arrays sent in binary (`%b`),
        a constant statement however many there are: ten thousand keys as text
        cost more than the lookups."""
        wanted = sorted({key for key in keys if key not in self._nodes})
        if not wanted:
            return
        if connection.vendor == "postgresql":
            self._fetch_arrays(wanted)
            return
        for start in range(0, len(wanted), SQLITE_CHUNK):
            self._fetch(wanted[start : start + SQLITE_CHUNK])

    def _fetch_arrays(self, keys: Sequence[tuple[int, int]]) -> None:
        leaves = [index for level, index in keys if level == 0]
        higher = [(level, index) for level, index in keys if level > 0]
        self._store_rows(
            f'SELECT 0, "index", hash FROM {LEAVES} WHERE "index" = ANY(%b::bigint[]) '  # noqa: S608
            f'UNION ALL SELECT n.level, n."index", n.hash FROM {NODES} n '
            'JOIN unnest(%b::int[], %b::bigint[]) AS k(level, "index") '
            'ON n.level = k.level AND n."index" = k."index"',
            [leaves, [level for level, _i in higher], [index for _l, index in higher]],
        )

    def _fetch(self, keys: Sequence[tuple[int, int]]) -> None:
        by_level: dict[int, list[int]] = {}
        for level, index in keys:
            by_level.setdefault(level, []).append(index)
        parts: list[str] = []
        params: list[int] = []
        for level, indices in by_level.items():
            marks = ", ".join(["%s"] * len(indices))  # placeholders only: values go as parameters
            if level == 0:
                parts.append(f'SELECT 0, "index", hash FROM {LEAVES} WHERE "index" IN ({marks})')  # noqa: S608
                params += indices
            else:
                parts.append(
                    f'SELECT level, "index", hash FROM {NODES} WHERE level = %s AND "index" IN ({marks})'  # noqa: S608
                )
                params += [level, *indices]
        self._store_rows(" UNION ALL ".join(parts), params)

    def _store_rows(self, statement: str, params: Sequence[Any]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            rows = cursor.fetchall()
        self._nodes.update({(level, index): bytes(hashed) for level, index, hashed in rows})

    def prefetch_for(self, *computations: Callable[[merkle.HashStore], object]) -> None:
        """Fetch at once every node the computations (proofs over a store of
        this size) will read."""
        self.prefetch(reads_of(self.size, *computations))


def reads_of(
    size: int, *computations: Callable[[merkle.HashStore], object]
) -> set[tuple[int, int]]:
    """The nodes the computations read from a store of `size` leaves."""
    recorder = _Recorder(size)
    for compute in computations:
        try:
            compute(recorder)
        except ValueError:
            continue
    return recorder.keys


class _Recorder:
    """A store that notes which nodes are read (and answers with zeros)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.keys: set[tuple[int, int]] = set()

    def leaf_count(self) -> int:
        return self.size

    def node(self, level: int, index: int) -> bytes:
        self.keys.add((level, index))
        return bytes(merkle.HASH_SIZE)


def leaf_count() -> int:
    """The number of leaves: one more than the highest index (a gap is the auditor's)."""
    highest = LogLeaf.objects.aggregate(highest=Max("index"))["highest"]
    return 0 if highest is None else highest + 1


HEAD = 1  # the key of the log's one head row


def _lock_head() -> LogHead:
    """Lock the log's head (one query once it exists); the first append, or the
    first after the head was added to a database, makes it from the stored log."""
    try:
        return lock_rows(LogHead, [HEAD])[HEAD]
    except LogHead.DoesNotExist:
        try:
            edge = stored_edge(leaf_count())
        except MissingNode:  # appends are refused until the signer restores it, or says why not
            edge = merkle.RightEdge()
        LogHead.objects.get_or_create(pk=HEAD, defaults=_head_fields(edge))
        return lock_rows(LogHead, [HEAD])[HEAD]


def _head_fields(edge: merkle.RightEdge) -> dict[str, Any]:
    return {"size": edge.size, "edge": b"".join(edge.hashes)}


def stored_edge(size: int) -> merkle.RightEdge:
    """The end of the tree of `size` leaves as the stored leaves and nodes have it."""
    store = DatabaseStore(size)
    keys = merkle.edge_nodes(size)
    store.prefetch(keys)
    return merkle.RightEdge.of(size, [store.node(level, index) for level, index in keys])


@dataclass(frozen=True)
class Appended:
    index: int
    hash: bytes
    receipt: str
    edge: tuple[bytes, ...]  # the head's, as locked: the append checks it as it writes


def reserve(hashed: bytes) -> Appended:
    """Lock the log and take the next leaf for a record about to be inserted, with
    its receipt; `commit` stores it once the record has its key. Call in the
    recording transaction, after the batches' locks.

    The head is read by the locking statement itself: PostgreSQL hands a row
    that statement waited for as the append it waited for left it."""
    head = _lock_head()
    edge = bytes(head.edge)
    hashes = tuple(edge[i : i + merkle.HASH_SIZE] for i in range(0, len(edge), merkle.HASH_SIZE))
    try:
        merkle.RightEdge.of(head.size, hashes)
    except ValueError:
        raise _damaged(f"the log's head of {head.size} leaves has a malformed edge") from None
    receipt = transparency.receipt(head.size, hashed, timezone.now())
    return Appended(head.size, hashed, receipt, hashes)


def commit(
    appended: Appended,
    chains: Sequence[int],
    *,
    event_id: int | None = None,
    batch_id: int | None = None,
) -> None:
    """Store the reserved leaf (an event's, or a batch record's), the nodes it
    completes and the new head, once the stored log ends as the head said (else
    nothing is written: someone cut or rewrote the log's end, or its head)."""
    edge = merkle.RightEdge.of(appended.index, appended.edge)
    completed = edge.append(appended.hash)
    leaf = _Leaf(appended, sorted(set(chains)), event_id, batch_id, completed, edge)
    write = _write_in_one if connection.vendor == "postgresql" else _write_in_steps
    try:  # no savepoint: the error ends the recording transaction anyway
        written = write(leaf)
    except IntegrityError:
        written = False
    if not written:
        raise _damaged(f"the log does not end as its head says, at leaf {appended.index}")


@dataclass(frozen=True)
class _Leaf:
    """What an append writes."""

    appended: Appended
    chains: list[int]
    event_id: int | None
    batch_id: int | None
    nodes: list[tuple[int, int, bytes]]  # the nodes above the leaf it completes
    edge: merkle.RightEdge  # the head after it

    def old_edge(self) -> list[tuple[int, int, bytes]]:
        keys = merkle.edge_nodes(self.appended.index)
        return [(level, i, h) for (level, i), h in zip(keys, self.appended.edge, strict=True)]


HEADS = LogHead._meta.db_table
CHAINS = LogLeafChain._meta.db_table
# One statement, one round trip: the old end checked against the stored leaf and
# nodes (`found`), then the head, the leaf, its chains and its nodes written, all
# or nothing. It answers how many leaves it wrote: 0 when the check failed.
APPEND = f"""
WITH found AS (
    SELECT (SELECT count(*) FROM {LEAVES} WHERE "index" = %(last)s
            AND (%(last_hash)s::bytea IS NULL OR hash = %(last_hash)s::bytea))
         + (SELECT count(*) FROM {NODES} n
            JOIN unnest(%(edge_levels)b::int[], %(edge_indices)b::bigint[], %(edge_hashes)b::bytea[])
                AS e(level, "index", hash)
            ON n.level = e.level AND n."index" = e."index" AND n.hash = e.hash) AS matched
), head AS (
    UPDATE {HEADS} SET size = %(size)s, edge = %(edge)s
    WHERE id = %(head)s AND size = %(index)s AND (SELECT matched FROM found) = %(expected)s
    RETURNING id
), leaf AS (
    INSERT INTO {LEAVES} ("index", event_id, batch_id, hash, chains)
    SELECT %(index)s, %(event_id)s, %(batch_id)s, %(hash)s, %(chains)s FROM head
    RETURNING "index"
), on_chains AS (
    INSERT INTO {CHAINS} (leaf_id, chain)
    SELECT leaf."index", c FROM leaf, unnest(%(chain_ids)b::bigint[]) AS c
), nodes AS (
    INSERT INTO {NODES} (level, "index", hash)
    SELECT n.level, n."index", n.hash FROM leaf,
        unnest(%(levels)b::int[], %(indices)b::bigint[], %(hashes)b::bytea[]) AS n(level, "index", hash)
)
SELECT count(*) FROM leaf
"""  # noqa: S608 - our table names


def _write_in_one(leaf: _Leaf) -> bool:
    """The append as one statement (PostgreSQL)."""
    index = leaf.appended.index
    old = leaf.old_edge()
    higher = [(level, i, h) for level, i, h in old if level > 0]
    params = {
        "last": index - 1,
        "last_hash": next((h for level, _i, h in old if level == 0), None),
        "edge_levels": [level for level, _i, _h in higher],
        "edge_indices": [i for _l, i, _h in higher],
        "edge_hashes": [h for _l, _i, h in higher],
        "expected": len(higher) + (1 if index else 0),
        "head": HEAD,
        "size": leaf.edge.size,
        "edge": b"".join(leaf.edge.hashes),
        "index": index,
        "event_id": leaf.event_id,
        "batch_id": leaf.batch_id,
        "hash": leaf.appended.hash,
        "chains": " ".join(str(c) for c in leaf.chains),
        "chain_ids": leaf.chains,
        "levels": [level for level, _i, _h in leaf.nodes],
        "indices": [i for _l, i, _h in leaf.nodes],
        "hashes": [h for _l, _i, h in leaf.nodes],
    }
    with connection.cursor() as cursor:
        cursor.execute(APPEND, params)
        return bool(cursor.fetchone()[0])


def _write_in_steps(leaf: _Leaf) -> bool:
    """The append as a few statements (SQLite, which writes no table from a WITH)."""
    index = leaf.appended.index
    store = DatabaseStore(index)
    store.prefetch([*merkle.edge_nodes(index), (0, index - 1)] if index else [])
    try:
        if index:
            store.node(0, index - 1)  # the last leaf is still there
        ends_as_said = all(store.node(level, i) == h for level, i, h in leaf.old_edge())
    except MissingNode:
        return False
    if not ends_as_said:
        return False
    moved = LogHead.objects.filter(pk=HEAD, size=index).update(**_head_fields(leaf.edge))
    if not moved:
        return False
    created = LogLeaf.objects.create(
        index=index,
        event_id=leaf.event_id,
        batch_id=leaf.batch_id,
        hash=leaf.appended.hash,
        chains=" ".join(str(c) for c in leaf.chains),
    )
    LogLeafChain.objects.bulk_create([LogLeafChain(leaf=created, chain=c) for c in leaf.chains])
    LogNode.objects.bulk_create([LogNode(level=lv, index=i, hash=h) for lv, i, h in leaf.nodes])
    return True


def append_batch(batch: Batch) -> None:
    """Log a new batch's record (its facts) and keep the receipt on the batch."""
    appended = reserve(transparency.batch_leaf_hash(batch))
    commit(appended, [batch.pk], batch_id=batch.pk)
    Batch.objects.filter(pk=batch.pk).update(receipt=appended.receipt)
    batch.receipt = appended.receipt


def _damaged(detail: str) -> DomainError:
    """Nothing is appended to a log someone cut: the signer and the audit name the
    fault to the operators; the farmer is told to try later, and nothing is written."""
    logger.error("trace log damaged, append refused: %s", detail)
    return DomainError(
        Code.TRACE_LOG_DAMAGED,
        _("The trace record cannot be written now; the operators have been told. Try later."),
        None,
    )


# --- checkpoints ---------------------------------------------------------------------------


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
        _lock_head()
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
    store = DatabaseStore(start)
    try:
        # What the old root and the appends read, and the nodes the new leaves completed.
        store.prefetch([*merkle.edge_nodes(start), *merkle.completed_nodes(start, size)])
        if old is not None and merkle.root(store, start) != old.root_hash:
            raise Refused(
                "log_rewritten", f"the first {start} leaves no longer have the signed root"
            )
        new_hashes = _check_new_leaves(start, size)
        nodes = merkle.appended_nodes(store, new_hashes)
    except MissingNode as missing:
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
        head = _lock_head()
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


def _head_agrees(head: LogHead, size: int) -> bool:
    """The head says the log has `size` leaves and ends as the stored nodes do."""
    if head.size != size:
        return False
    try:
        return bytes(head.edge) == b"".join(stored_edge(size).hashes)
    except MissingNode:
        return False


def _restore_head(head: LogHead, edge: merkle.RightEdge) -> None:
    """Make the head say how the proven log ends, and tell the operators if it did
    not (an insider's edit: appends were refused meanwhile, nothing was lost)."""
    fields = _head_fields(edge)
    if (head.size, bytes(head.edge)) == (fields["size"], fields["edge"]):
        return
    LogHead.objects.filter(pk=head.pk).update(**fields)
    said = f"the log's head said {head.size} leaves; restored to the stored log's {edge.size}"
    alert(LogAlert.Kind.HEAD_RESTORED, Refused("head_mismatch", said, leaf=edge.size))


def _signer_state() -> tuple[LogCheckpoint | None, int, Refused | None]:
    """The newest checkpoint, the number of leaves, and the audit's standing finding
    if the last audit found the record broken (the signer signs nothing while it
    stands), in one query once a checkpoint exists; call under the head's lock."""
    finding = TraceLog.objects.filter(origin=transparency.origin())
    stored = (
        LogCheckpoint.objects.order_by("-size", "-pk")
        .annotate(
            highest=Subquery(LogLeaf.objects.order_by("-index").values("index")[:1]),
            **{
                name: Subquery(finding.values(name)[:1])
                for name in ("audit_reason", "audit_detail", "audit_event", "audit_leaf")
            },
        )
        .first()
    )
    if stored is None:
        found = finding.first()
        return None, leaf_count(), _finding(found) if found is not None else None
    leaves = 0 if stored.highest is None else stored.highest + 1
    return stored, leaves, _finding(stored)


def _finding(row: Any) -> Refused | None:
    """The audit's finding a row carries (`TraceLog`'s fields), if it found one."""
    if not row.audit_reason:
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


# --- receipts ------------------------------------------------------------------------------


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
    newest = newest_checkpoint()
    if newest is None or promised.index >= newest.size:
        return ReceiptCheck(ReceiptStatus.PENDING, promised, leaf.event_id)
    store = DatabaseStore(newest.size)
    try:
        proof = merkle.inclusion_proof(store, promised.index, newest.size)
        signed = check_stored(newest)
    except (MissingNode, Refused):
        return _broken_promise(promised, leaf.event_id)
    if not merkle.verify_inclusion(
        promised.index, newest.size, promised.leaf_hash, proof, signed.root_hash
    ):
        return _broken_promise(promised, leaf.event_id)
    return ReceiptCheck(ReceiptStatus.INCLUDED, promised, leaf.event_id, newest, tuple(proof))


def _broken_promise(promised: transparency.Receipt, event_id: int | None) -> ReceiptCheck:
    recorded = promised.recorded_at.isoformat()
    alert(
        LogAlert.Kind.RECEIPT_MISSING,
        Refused(
            "receipt_missing",
            f"a genuine receipt of leaf {promised.index} (recorded {recorded}) is not in the log",
            event_id=event_id,
            leaf=promised.index,
        ),
    )
    return ReceiptCheck(ReceiptStatus.MISSING, promised, event_id)

"""The transparency log of trace events: its stored tree and appending to it.

Every event (and every batch's record) is appended in the transaction that
records it (`reserve`, then `commit`), under the lock of the log's head (taken
after the batches': `shop.core.db`), and its receipt is signed then: a promise
of inclusion with the key that is not in the database. The tree is stored as
C2SP tlog-tiles lays it out and read through `DatabaseStore`; the signer
(`traceability.services.signing`) proves what was appended before it signs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.core.db import lock_values
from shop.core.errors import DomainError
from tlog import merkle
from traceability import transparency
from traceability.errors import TraceabilityErrorCode as Code
from traceability.models import Batch, LogHead, LogLeaf, LogLeafChain, LogNode

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


@dataclass(frozen=True)
class Head:
    """The log's head as locked: how many leaves it has, its right edge and its name."""

    size: int
    edge: bytes
    origin: str


def lock_head() -> Head:
    """Lock the log's head (one plain statement once it exists); the first append,
    or the first after the head was added to a database, makes it from the stored
    log."""
    locked = lock_values(LogHead, HEAD, ["size", "edge", "origin"])
    if locked is None:
        try:
            edge = stored_edge(leaf_count())
        except MissingNode:  # appends are refused until the signer restores it, or says why not
            edge = merkle.RightEdge()
        named = {**head_fields(edge), "origin": transparency.origin()}
        LogHead.objects.get_or_create(pk=HEAD, defaults=named)
        locked = lock_values(LogHead, HEAD, ["size", "edge", "origin"])
        assert locked is not None
    size, edge_bytes, origin = locked
    return Head(size, bytes(edge_bytes), origin)


def head_fields(edge: merkle.RightEdge) -> dict[str, Any]:
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
    head = lock_head()
    if head.origin and head.origin != transparency.origin():
        raise _damaged(
            f"the log is named {head.origin!r} and this server names it "
            f"{transparency.origin()!r}: set TRACE_LOG_ORIGIN to {head.origin!r}"
        )
    edge = head.edge
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
    UPDATE {HEADS} SET size = %(size)s, edge = %(edge)s, origin = %(origin)s
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
        "origin": transparency.origin(),
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
    moved = LogHead.objects.filter(pk=HEAD, size=index).update(
        **head_fields(leaf.edge), origin=transparency.origin()
    )
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

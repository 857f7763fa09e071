"""Verifying a batch's record: its chains, the columns shown, and the log.

`verify_batch` checks a batch's chain, and those of the batches it was made
from, against their content (`traceability.integrity.verify_chain`), the
columns and photos pages show against that content, and every event against the
transparency log (`traceability.services.log`): each event must be the leaf
the log recorded, each leaf of its chains must still have its event, and each
leaf must be included in the newest checkpoint (whose signature, and whose
consistency with the first checkpoint that covered the batch, are checked),
or, for a leaf newer than it, carry a valid receipt. No database edit can
satisfy all of that without the platform's key and the witnesses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db.models import F, Q, Subquery

from gs1 import epcis
from tlog import merkle, note
from traceability import facts, integrity, transparency
from traceability.integrity import Reason, Verdict
from traceability.models import (
    Batch,
    LogCheckpoint,
    LogCosignature,
    LogLeaf,
    LogLeafChain,
    TraceEvent,
    TraceEventBatch,
    TraceLog,
)
from traceability.services import log, signing, witnesses
from traceability.services.events import Role, chain_id


@dataclass(frozen=True)
class Verification:
    verdict: integrity.Verdict
    # When the newest checkpoint, covering every event, was signed: None while
    # an event waits for its first checkpoint (its receipt vouches for it).
    checkpoint_at: datetime | None
    witnesses: int = 0  # how many configured witnesses cosigned a covering checkpoint
    # The chains' leaves and batches it checked, for a caller that shows them too
    # (the public EPCIS evidence) without reading them again.
    leaves: tuple[LeafRow, ...] = field(default=(), repr=False, compare=False)
    batches: tuple[Batch, ...] = field(default=(), repr=False, compare=False)


def upstream_batches(batch: Batch) -> set[int]:
    """The batch and every batch it was made from, through transformations."""
    found = {batch.pk}
    frontier = {batch.pk}
    while frontier:
        made = TraceEventBatch.objects.filter(batch_id__in=frontier, role=Role.OUTPUT)
        inputs = set(
            TraceEventBatch.objects.filter(
                event_id__in=made.values("event_id"), role=Role.INPUT
            ).values_list("batch_id", flat=True)
        )
        frontier = inputs - found
        found |= frontier
    return found


Link = tuple[int, int, str, str]  # event id, batch id, role, the batch's lot


def chain_events(
    batch_ids: set[int], *, related: tuple[str, ...] = ()
) -> tuple[list[TraceEvent], list[Link]]:
    """Every event of the chains as rows (with `related` loaded, and their photo's
    digests for `check_columns`), in recording order, and every link of those events,
    in two queries: what a page showing the events reads once for both showing and
    verifying them."""
    events = TraceEventBatch.objects.filter(batch_id__in=batch_ids).values("event_id")
    links = list(
        TraceEventBatch.objects.filter(event_id__in=events)
        .order_by("event_id", "batch_id")
        .values_list("event_id", "batch_id", "role", "batch__lot")
    )
    rows = (
        TraceEvent.objects.filter(pk__in=events)
        .annotate(photo_sha256=F("photo__sha256"), photo_audited=F("photo__audited_sha256"))
        .order_by("pk")
    )
    if related:  # select_related() with no field would follow every foreign key
        rows = rows.select_related(*related)
    return list(rows), links


def records_from(events: list[TraceEvent], links: list[Link]) -> list[integrity.EventRecord]:
    """The integrity records of `chain_events` rows."""
    chains: dict[int, set[str]] = {}
    for event_id, batch_id, *_rest in links:
        chains.setdefault(event_id, set()).add(chain_id(batch_id))
    return [
        integrity.EventRecord(
            id=str(event.pk),
            chains=frozenset(chains.get(event.pk, ())),
            content=event.document,
            hash=event.content_hash,
            previous=event.previous,
        )
        for event in events
    ]


def verify_batch(batch: Batch) -> Verification:
    """Check the batch's chain and those of the batches it was made from (module
    docstring); the verdict names the first failure."""
    chains = upstream_batches(batch)
    events, links = chain_events(chains)
    return verify_events(chains, events, links)


def verify_events(
    chains: set[int], events: list[TraceEvent], links: list[Link], *, known: Batch | None = None
) -> Verification:
    """`verify_batch` on what `chain_events(chains)` read (a page reads it once);
    `known` is a batch of the chains the caller has loaded already. The result
    carries the leaves and batches it read."""
    records = records_from(events, links)
    leaves = _leaves_of(chains)
    batches = _batches(chains, known)
    verdict = _missing(records, leaves)
    if verdict.ok:
        verdict = integrity.verify_chain(records, chains={chain_id(i) for i in chains})
    if verdict.ok:
        verdict = check_columns(events)
    if verdict.ok:
        verdict = check_batches(batches, leaves)
    if verdict.ok:
        receipts = _Receipts({e.pk: e.receipt for e in events}, {b.pk: b.receipt for b in batches})
        result = check_log(records, leaves, receipts)
    else:
        result = Verification(verdict, None)
    return replace(result, leaves=tuple(leaves), batches=tuple(batches))


def _batches(chains: set[int], known: Batch | None) -> list[Batch]:
    loaded = [known] if known is not None and known.pk in chains else []
    others = chains - {batch.pk for batch in loaded}
    if others:
        loaded += Batch.objects.filter(pk__in=others)
    return sorted(loaded, key=lambda batch: batch.pk)


def _missing(records: Sequence[integrity.EventRecord], leaves: Sequence[LeafRow]) -> Verdict:
    """A leaf of the chains whose event is gone names the deleted event."""
    present = {int(record.id) for record in records}
    for leaf in leaves:
        if leaf.event_id is not None and leaf.event_id not in present:
            return Verdict(False, Reason.MISSING_EVENTS, str(leaf.event_id))
    return integrity.OK


def check_batches(batches: Sequence[Batch], leaves: Sequence[LeafRow]) -> Verdict:
    """Each batch's facts, as pages show them, are its logged record (the batch is
    named as the verdict's chain)."""
    logged = {leaf.batch_id: bytes(leaf.hash) for leaf in leaves if leaf.batch_id is not None}
    for batch in batches:
        if batch.pk not in logged:
            return Verdict(False, Reason.NOT_IN_LOG, None, chain_id(batch.pk))
        if transparency.batch_leaf_hash(batch) != logged[batch.pk]:
            return Verdict(False, Reason.BATCH_MISMATCH, None, chain_id(batch.pk))
    return integrity.OK


@dataclass(frozen=True)
class _Receipts:
    """The receipts of the records verified, as read with them."""

    events: dict[int, str]
    batches: dict[int, str]

    def of(self, leaf: LeafRow) -> tuple[str, Verdict]:
        """The leaf's record's receipt, and the verdict naming the record if it fails."""
        if leaf.event_id is not None:
            failing = Verdict(False, Reason.BAD_RECEIPT, str(leaf.event_id))
            return self.events.get(leaf.event_id, ""), failing
        batch = leaf.batch_id or 0
        return self.batches.get(batch, ""), Verdict(
            False, Reason.BAD_RECEIPT, None, chain_id(batch)
        )


# The columns a page shows beside the document key they copy.
def _shown(event: TraceEvent) -> dict[str, Any]:
    return {
        "type": event.event_type,
        "action": event.action or None,
        "bizStep": event.biz_step,
        "disposition": event.disposition,
        "eventTimeZoneOffset": event.event_time_zone_offset,
        "readPoint": event.read_point_id,
    }


def _farm_id(document: dict[str, Any]) -> int | None:
    """The farm a document's readPoint names (`events.farm_uri`), whatever public
    address the platform had when it was recorded."""
    uri = (document.get("readPoint") or {}).get("id")
    if not isinstance(uri, str):
        return None
    prefix, _slash, farm = uri.rpartition("/")
    return int(farm) if prefix.endswith("/farms") and farm.isdigit() else -1


def check_columns(events: Iterable[TraceEvent]) -> Verdict:
    """Each column that copies the hashed document for queries and pages says what
    the document says (an insider editing the column alone is named here), and the
    photo shown is the one it names (`_photo_named`)."""
    for event in events:
        document = event.document
        hashed = {key: document.get(key) for key in ("type", "action", "bizStep", "disposition")}
        hashed["eventTimeZoneOffset"] = document.get("eventTimeZoneOffset")
        hashed["readPoint"] = _farm_id(document)
        if hashed["type"] == "TransformationEvent":
            hashed["action"] = None
        try:
            same_time = epcis.parse_time(document["eventTime"]) == event.event_time
        except (KeyError, TypeError, ValueError):
            same_time = False
        if not same_time or _shown(event) != hashed:
            return Verdict(False, Reason.COLUMNS_MISMATCH, str(event.pk))
        if not _photo_named(event):
            return Verdict(False, Reason.PHOTO_MISMATCH, str(event.pk))
    return integrity.OK


def _photo_named(event: TraceEvent) -> bool:
    """The event shows the photo its document names, by digest, or none when it names
    none; and the audit last found that photo's file unchanged in storage. From the
    digests `chain_events` reads with the events: a page reads no file. An error
    declaration repeats the document of the event it declares wrong, and shows no photo."""
    named = None if event.corrects_id is not None else facts.photo_sha256(event.document)
    if event.photo_id is None:
        return named is None
    recorded = getattr(event, "photo_sha256", None)
    audited = getattr(event, "photo_audited", None)
    return named is not None and recorded == named and audited in ("", named)


@dataclass(frozen=True, slots=True)
class LeafRow:
    index: int
    event_id: int | None
    batch_id: int | None
    hash: bytes


def _leaves_of(chains: set[int]) -> list[LeafRow]:
    """The leaves of the chains, as plain rows (a batch may have thousands)."""
    on_chains = LogLeafChain.objects.filter(chain__in=chains).values("leaf_id")
    rows = LogLeaf.objects.filter(index__in=on_chains).order_by("index")
    return [LeafRow(*row) for row in rows.values_list("index", "event_id", "batch_id", "hash")]


def check_log(
    records: Sequence[integrity.EventRecord], leaves: Sequence[LeafRow], receipts: _Receipts
) -> Verification:
    """The events against their leaves and the leaves against the log (module docstring)."""
    by_event = {leaf.event_id: leaf for leaf in leaves}
    for record in records:
        leaf = by_event.get(int(record.id))
        if leaf is None:
            return Verification(Verdict(False, Reason.NOT_IN_LOG, record.id), None)
        hashed = transparency.leaf_hash(record.hash, (int(c) for c in record.chains))
        if hashed != bytes(leaf.hash):
            return Verification(Verdict(False, Reason.NOT_AS_LOGGED, record.id), None)
    newest, first = _checkpoints(leaves[0].index if leaves else 0)
    damage = _damage(newest)
    if damage is not None:
        return Verification(damage, None)
    covered = [leaf for leaf in leaves if newest is not None and leaf.index < newest.size]
    verdict = _check_receipts(leaves[len(covered) :], receipts)
    if not verdict.ok or newest is None:
        return Verification(verdict, None)
    try:
        signed = signing.check_stored(newest)
        old = (
            signing.check_stored(first) if first is not None and first.size < newest.size else None
        )
    except signing.Refused:
        return Verification(Verdict(False, Reason.BAD_CHECKPOINT), None)
    verdict = _check_proofs(covered, old, signed, receipts)
    if not verdict.ok:
        return Verification(verdict, None)
    pending = len(covered) < len(leaves)
    cosigned = _witnesses(leaves[-1].index + 1) if leaves and not pending else 0
    return Verification(integrity.OK, None if pending else newest.signed_at, cosigned)


def _checkpoints(first_leaf: int) -> tuple[LogCheckpoint | None, LogCheckpoint | None]:
    """The newest checkpoint and the first that covered `first_leaf`, in one query,
    with the audit's standing finding (`_damage`)."""
    sizes = LogCheckpoint.objects.values("size")
    finding = TraceLog.objects.filter(origin=transparency.origin())
    found = list(
        LogCheckpoint.objects.filter(
            Q(size=Subquery(sizes.order_by("-size")[:1]))
            | Q(size=Subquery(sizes.filter(size__gt=first_leaf).order_by("size")[:1]))
        )
        .annotate(
            audit_reason=Subquery(finding.values("audit_reason")[:1]),
            audit_event=Subquery(finding.values("audit_event")[:1]),
        )
        .order_by("size", "pk")
    )
    if not found:
        return None, None
    return found[-1], found[0]


def _damage(newest: LogCheckpoint | None) -> Verdict | None:
    """The auditor's standing finding that the log itself lost leaves: no batch
    can be shown verified while the log cannot say which it was on."""
    if newest is None or getattr(newest, "audit_reason", "") != Reason.LOG_DAMAGED:
        return None
    event = getattr(newest, "audit_event", None)
    return Verdict(False, Reason.LOG_DAMAGED, str(event) if event is not None else None)


def _check_receipts(leaves: Sequence[LeafRow], receipts: _Receipts) -> Verdict:
    """Each leaf's record carries the log's receipt for that leaf."""
    for leaf in leaves:
        receipt, failing = receipts.of(leaf)
        try:
            promised = transparency.open_receipt(receipt)
        except ValueError:
            return failing
        if (promised.index, promised.leaf_hash) != (leaf.index, bytes(leaf.hash)):
            return failing
    return integrity.OK


# Nodes proven genuine: each was read by a `root_with` (or a consistency proof)
# that came out as a signed root, so it is the hash of its complete subtree in
# every later tree of the log (short of a SHA-256 collision) and later
# verifications in this process need not read it again: a batch spread over a
# large log reads thousands. Only ever a shortcut: a verification that fails
# with them is done again from the database alone, which names the culprit.
PROVEN_NODES: dict[tuple[int, int], bytes] = {}
PROVEN_LIMIT = 200_000  # about 30 MB a process; emptied when full


def _check_proofs(leaves: Sequence[LeafRow], old: Any, newest: Any, receipts: _Receipts) -> Verdict:
    """Every leaf is in the signed tree (the root recomputed with them in their
    places, every other subtree from the stored nodes, is the signed root), and
    the first checkpoint that covered the batch is a prefix of the newest; the
    nodes both need are fetched together, but for those proven before."""
    given = {leaf.index: bytes(leaf.hash) for leaf in leaves}
    reads = merkle.root_with_reads(newest.size, given)
    if old is not None:
        reads |= log.reads_of(
            newest.size, lambda store: merkle.consistency_proof(store, old.size, newest.size)
        )
    proven = [(*key, PROVEN_NODES[key]) for key in reads if key in PROVEN_NODES]
    if proven:
        verdict = _in_signed_tree(leaves, given, reads, old, newest, receipts, proven)
        if verdict.ok:
            return verdict
    return _in_signed_tree(leaves, given, reads, old, newest, receipts, [])


def _in_signed_tree(
    leaves: Sequence[LeafRow],
    given: dict[int, bytes],
    reads: set[tuple[int, int]],
    old: Any,
    newest: Any,
    receipts: _Receipts,
    proven: list[tuple[int, int, bytes]],
) -> Verdict:
    """`_check_proofs` with the `proven` nodes and the stored ones; the nodes read
    are remembered as proven when it holds. The culprit is named from the
    database alone (with proven nodes, a failure is only a failure)."""
    size, root = newest.size, newest.root_hash
    store = log.DatabaseStore(size)
    store.add(proven)
    failed = Verdict(False, Reason.NOT_AS_LOGGED)
    try:
        store.prefetch(reads)
        if merkle.root_with(store, size, given) != root:
            return failed if proven else _culprit(leaves, store, size, root, receipts)
        if old is not None:
            proof = merkle.consistency_proof(store, old.size, size)
            if not merkle.verify_consistency(old.size, size, old.root_hash, root, proof):
                return Verdict(False, Reason.LOG_DAMAGED)
    except log.MissingNode:
        return Verdict(False, Reason.LOG_DAMAGED)
    if len(PROVEN_NODES) + len(reads) > PROVEN_LIMIT:
        PROVEN_NODES.clear()
    PROVEN_NODES.update({key: hashed for key in reads if (hashed := store.fetched(*key))})
    return integrity.OK


def _culprit(
    leaves: Sequence[LeafRow], store: log.DatabaseStore, size: int, root: bytes, receipts: _Receipts
) -> Verdict:
    """Which leaf was rewritten, once the leaves together are not in the signed tree:
    the receipts, signed with the key the database does not hold, tell; if they
    all hold (a node was rewritten), the first leaf whose own proof fails."""
    verdict = _check_receipts(leaves, receipts)
    if not verdict.ok:
        return Verdict(False, Reason.NOT_AS_LOGGED, verdict.event_id, verdict.chain_id)
    for leaf in leaves:
        proof = merkle.inclusion_proof(store, leaf.index, size)
        if not merkle.verify_inclusion(leaf.index, size, bytes(leaf.hash), proof, root):
            event = str(leaf.event_id) if leaf.event_id is not None else None
            return Verdict(False, Reason.NOT_AS_LOGGED, event, chain_id(leaf.batch_id or 0))
    return Verdict(False, Reason.NOT_AS_LOGGED)


def _witnesses(size: int) -> int:
    """How many configured witnesses cosigned a checkpoint of at least `size` leaves:
    each one's newest cosignature, checked with its key (a row an insider added or
    moved to another checkpoint does not count)."""
    counted = 0
    for witness in witnesses.configured():
        newest = (
            LogCosignature.objects.filter(witness=witness.name, checkpoint__size__gte=size)
            .select_related("checkpoint")
            .order_by("-checkpoint__size")
            .first()
        )
        if newest is not None and _cosigned(newest, witness.verifier):
            counted += 1
    return counted


def _cosigned(cosignature: LogCosignature, verifier: note.Verifier) -> bool:
    try:
        note.open_note(cosignature.checkpoint.note + cosignature.line, [verifier])
    except ValueError:
        return False
    return True

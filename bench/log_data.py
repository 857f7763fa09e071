"""The Django side of bench/trace_log.py: a trace log of a million leaves, the
paths of its proofs, and the verification of two batches in it.

Imported only after bench/trace_log.py has set the environment and called
`django.setup()`. Most leaves stand for no event: they are computed here
(`tlog.merkle.appended_nodes` over the stored right edge, as the service
appends) and written with COPY, and the checkpoints over them are signed
here with the log's key, since the log's own signer checks that each new leaf
is an event it recorded. Two batches of 1,000 real events each are recorded
through `traceability.services.events.record_event` among them:

- `LOG-SPREAD`: one event after every `gap` other leaves, so its leaves are
  spread over the whole log and their inclusion proofs share few nodes, as a
  batch recorded over months among other farms' events;
- `LOG-END`: 1,000 events in a row at the end, checkpointed by the log's own
  signer (`traceability.services.signing.sign_checkpoint`), which proves that they
  extend the last checkpoint signed here.

Tasks go to the broker (no worker runs), so recording signs nothing itself.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import random
import time
from dataclasses import dataclass

from common import log as say
from django.db import connection, transaction
from django.utils import timezone
from seller_data import STARTED, find_batch, make_batch, owner, step

from shop.core.roles import SYSTEM
from tlog import checkpoint as tlog_checkpoint
from tlog import merkle
from traceability import transparency
from traceability.models import Batch, LogCheckpoint, LogHead, LogLeafChain
from traceability.services import events as trace
from traceability.services import log, signing, verification

SPREAD_LOT = "LOG-SPREAD"
END_LOT = "LOG-END"
BATCH_EVENTS = 1_000
# Leaves that stand for no event: their event and chain numbers are above any key.
FAKE_BASE = 10**12
EVENTS_PER_FAKE_CHAIN = 10


def _fake_rows(start: int, count: int) -> list[tuple[int, int, bytes, int]]:
    """(index, event, leaf hash, chain) of `count` leaves from `start`."""
    rows = []
    for index in range(start, start + count):
        event_hash = hashlib.sha256(b"bench leaf %d" % index).hexdigest()
        chain = FAKE_BASE + index // EVENTS_PER_FAKE_CHAIN
        rows.append((index, FAKE_BASE + index, transparency.leaf_hash(event_hash, [chain]), chain))
    return rows


def append_fake(count: int) -> None:
    """Append `count` leaves and the nodes they complete, with COPY, and move the
    log's head past them."""
    size = log.leaf_count()
    store = log.DatabaseStore(size)
    store.prefetch(merkle.edge_nodes(size))
    rows = _fake_rows(size, count)
    nodes = merkle.appended_nodes(store, [hashed for _i, _e, hashed, _c in rows])
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.copy(
            "COPY traceability_logleaf (index, event_id, hash, chains) FROM STDIN"
        ) as copy:
            for index, event, hashed, chain in rows:
                copy.write_row((index, event, hashed, str(chain)))
        with cursor.copy("COPY traceability_logleafchain (leaf_id, chain) FROM STDIN") as copy:
            for index, _event, _hashed, chain in rows:
                copy.write_row((index, chain))
        with cursor.copy("COPY traceability_lognode (level, index, hash) FROM STDIN") as copy:
            for level, index, hashed in nodes:
                if level > 0:
                    copy.write_row((level, index, hashed))
        edge = log.stored_edge(size + count)  # the log's head, as an append leaves it
        LogHead.objects.update_or_create(
            pk=log.HEAD, defaults={"size": edge.size, "edge": b"".join(edge.hashes)}
        )


def sign_here(size: int) -> LogCheckpoint:
    """A checkpoint of the first `size` leaves, signed with the log's key (C2SP
    tlog-checkpoint, as `signing.sign_checkpoint` signs), without the signer's checks."""
    root = merkle.root(log.DatabaseStore(size), size)
    body = tlog_checkpoint.Checkpoint(transparency.origin(), size, root)
    return LogCheckpoint.objects.create(
        size=size,
        root=root,
        note=tlog_checkpoint.sign_checkpoint(body, transparency.signer()),
        signed_at=timezone.now(),
    )


def _record(member, batch: Batch, number: int) -> None:
    trace.record_event(
        actor=member, batch=batch, event_type="ObjectEvent", read_point=batch.farm,
        event_time=STARTED + datetime.timedelta(minutes=number), **step(number),
    )  # fmt: skip


def build(leaves: int, checkpoints: int) -> None:
    """The log (module docstring): `leaves` leaves with LOG-SPREAD's events among
    them and a checkpoint every `leaves // checkpoints`, then LOG-END's events."""
    member, operator = owner()
    spread = make_batch(member, operator, SPREAD_LOT)
    gap = leaves // BATCH_EVENTS - 1
    every = BATCH_EVENTS // checkpoints
    started = time.monotonic()
    for number in range(BATCH_EVENTS):
        append_fake(gap)
        _record(member, spread, number)
        if number in (0, 9) or (number + 1) % every == 0:
            analyze()
        if (number + 1) % every == 0:
            signed = sign_here(log.leaf_count())
            say(f"  {signed.size} leaves, checkpoint signed, {time.monotonic() - started:.0f} s")
    end = make_batch(member, operator, END_LOT)
    for number in range(BATCH_EVENTS):
        _record(member, end, number)
    signed = signing.sign_checkpoint(actor=SYSTEM)
    if signed is None or signed.size != log.leaf_count():
        raise RuntimeError("the log's signer refused the last checkpoint: see its alert")
    say(f"  {signed.size} leaves, signed by the log's signer, {time.monotonic() - started:.0f} s")


def analyze() -> None:
    """Fresh statistics for the growing tables (the bench's server runs no autovacuum),
    so that no statement keeps a plan made for empty tables."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def newest_size() -> int:
    newest = signing.newest_checkpoint()
    return newest.size if newest else 0


def proof_paths(count: int, seed: int = 22) -> tuple[list[str], list[str]]:
    """Inclusion proofs of leaves picked at random in the newest signed tree, and
    consistency proofs from a size under a thousandth of it to it."""
    size = newest_size()
    pick = random.Random(seed)
    inclusion = [
        f"/trace/log/proof/inclusion?index={pick.randrange(size)}&size={size}" for _ in range(count)
    ]
    consistency = [
        f"/trace/log/proof/consistency?old={pick.randint(1, size // 1000)}&new={size}"
        for _ in range(count)
    ]
    return inclusion, consistency


def check_inclusion(answer: dict) -> bool:
    """An answer of the inclusion endpoint leads to the signed root of its size."""
    stored = LogCheckpoint.objects.get(size=answer["size"])
    proof = [_b64(h) for h in answer["proof"]]
    leaf = _b64(answer["leaf_hash"])
    return merkle.verify_inclusion(answer["index"], answer["size"], leaf, proof, bytes(stored.root))


def check_consistency(answer: dict) -> bool:
    """An answer of the consistency endpoint proves the tree of `old` (its root
    recomputed from the stored nodes) a prefix of the signed tree of `new`."""
    new_root = bytes(LogCheckpoint.objects.get(size=answer["new"]).root)
    old_root = merkle.root(log.DatabaseStore(answer["old"]), answer["old"])
    proof = [_b64(h) for h in answer["proof"]]
    return merkle.verify_consistency(answer["old"], answer["new"], old_root, new_root, proof)


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


@dataclass
class Verified:
    lot: str
    events: int
    first_leaf: int
    times_ms: list[float]
    verdict: str  # "verified", or the first failure's reason


def verify(lot: str, repeats: int) -> Verified:
    """`verify_batch` of the batch `lot`, `repeats` times (the first in a new process
    also checks the checkpoints' signatures, then remembered)."""
    batch = find_batch(lot)
    if batch is None:
        raise RuntimeError(f"no batch {lot}: load the log again (--reload)")
    times, verdicts = [], set()
    for _ in range(repeats):
        started = time.perf_counter()
        result = verification.verify_batch(batch)
        times.append((time.perf_counter() - started) * 1000)
        verdict = result.verdict
        verdicts.add("verified" if verdict.ok else f"{verdict.reason} {verdict.event_id}")
    first = LogLeafChain.objects.filter(chain=batch.pk).order_by("leaf_id").first()
    found = first.leaf_id if first else -1
    return Verified(lot, batch.trace_events.count(), found, times, ", ".join(sorted(verdicts)))

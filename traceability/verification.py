"""Verifying trace chains, and signing the checkpoints that make a rewrite show.

`verify_batch` checks a batch's chain, and those of the batches it was made
from, against their content (`traceability.integrity.verify_chain`) and against
the last signed checkpoint, which someone who rewrote every hash in the
database cannot forge. The beat task calls `refresh_checkpoint`; without a
beat (tasks run eagerly: the embedded default), `latest_checkpoint` signs on
demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from traceability import integrity
from traceability.models import Batch, Checkpoint, TraceEvent, TraceEventBatch
from traceability.trace import Role, chain_id


@dataclass(frozen=True)
class Verification:
    verdict: integrity.Verdict
    checkpoint_at: datetime | None  # when the checkpoint checked against was signed


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


def records_of(batch_ids: set[int]) -> list[integrity.EventRecord]:
    events = TraceEventBatch.objects.filter(batch_id__in=batch_ids).values("event_id")
    chains: dict[int, set[str]] = {}
    for event_id, batch_id in TraceEventBatch.objects.filter(event_id__in=events).values_list(
        "event_id", "batch_id"
    ):
        chains.setdefault(event_id, set()).add(chain_id(batch_id))
    rows = TraceEvent.objects.filter(pk__in=events).order_by("pk")
    return [
        integrity.EventRecord(
            id=str(pk),
            chains=frozenset(chains.get(pk, ())),
            content=document,
            hash=content_hash,
            previous=previous,
        )
        for pk, document, content_hash, previous in rows.values_list(
            "pk", "document", "content_hash", "previous"
        )
    ]


def verify_batch(batch: Batch) -> Verification:
    """Check the batch's chain and those of the batches it was made from, against
    their content and the last signed checkpoint; the verdict names the first failure.

    The chain is checked before any on-demand checkpoint is signed, so a chain
    that fails is never signed.
    """
    chains = upstream_batches(batch)
    records = records_of(chains)
    names = {chain_id(i) for i in chains}
    verdict = integrity.verify_chain(records, chains=names)
    if not verdict.ok:
        return Verification(verdict, None)
    stored = latest_checkpoint()
    if stored is None:
        return Verification(verdict, None)
    try:
        signed = integrity.SignedCheckpoint.from_json(stored.document)
    except ValueError:
        return Verification(integrity.Verdict(False, integrity.Reason.BAD_SIGNATURE), None)
    verdict = integrity.check_against_checkpoint(
        records, signed, public_key=integrity.platform_key().public_key(), chains=names
    )
    return Verification(verdict, stored.signed_at)


def sign_checkpoint() -> Checkpoint:
    """Sign the head of every chain with the platform key and store the checkpoint.

    One aggregate reads every chain's head and length: within a chain, events
    commit in key order (the batch lock), so each chain is a consistent prefix.
    """
    heads = list(
        TraceEventBatch.objects.values("batch_id")
        .annotate(head=Max("event_id"), length=Count("id"))
        .values_list("batch_id", "head", "length")
    )
    hashes = dict(
        TraceEvent.objects.filter(pk__in=[head for _b, head, _n in heads]).values_list(
            "pk", "content_hash"
        )
    )
    key = integrity.platform_key()
    checkpoint = integrity.Checkpoint(
        chains={
            chain_id(batch_id): integrity.ChainHead(str(head), hashes[head], length)
            for batch_id, head, length in heads
        },
        signed_at=timezone.now(),
        key_id=integrity.key_id(key.public_key()),
    )
    signed = integrity.sign_checkpoint(checkpoint, key)
    return Checkpoint.objects.create(
        document=signed.to_json(),
        signed_at=checkpoint.signed_at,
        key_id=checkpoint.key_id,
        last_event=max((head for _b, head, _n in heads), default=None),
    )


def refresh_checkpoint() -> Checkpoint | None:
    """The newest checkpoint, signing a new one first when none covers the newest
    event (the beat task runs this, so a quiet platform stores no new checkpoints)."""
    stored = Checkpoint.objects.order_by("-pk").first()
    newest = TraceEvent.objects.aggregate(newest=Max("pk"))["newest"]
    if newest is not None and (stored is None or (stored.last_event or 0) < newest):
        return sign_checkpoint()
    return stored


def latest_checkpoint() -> Checkpoint | None:
    """The newest checkpoint. Without a beat (tasks run eagerly: the embedded
    default), one is signed here when none covers the newest event."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return refresh_checkpoint()
    return Checkpoint.objects.order_by("-pk").first()

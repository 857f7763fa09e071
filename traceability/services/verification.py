"""Verifying trace chains, and signing the checkpoints that make a rewrite show.

`verify_batch` checks a batch's chain, and those of the batches it was made
from, against their content (`traceability.integrity.verify_chain`) and against
the last signed checkpoint, which someone who rewrote every hash in the
database cannot forge. Only the system signs (`can_sign_checkpoints`): the
beat task calls `refresh_checkpoint` as `SYSTEM`; without a beat (the
embedded default) the write that records an event runs that task after it
commits (`shop.core.tasks`). Reading never signs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max
from django.db.models.fields.json import KT
from django.utils import timezone

from shop.core.cache_tags import invalidate
from shop.core.roles import PLATFORM_ONLY, Actor, require
from traceability import cache, integrity
from traceability.models import Batch, Checkpoint, TraceEvent, TraceEventBatch
from traceability.policies import can_sign_checkpoints
from traceability.services.events import Role, chain_id


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


Link = tuple[int, int, str, str]  # event id, batch id, role, the batch's lot


def chain_events(
    batch_ids: set[int], *, related: tuple[str, ...] = ()
) -> tuple[list[TraceEvent], list[Link]]:
    """Every event of the chains as rows (with `related` loaded), in recording order,
    and every link of those events, in two queries: what a page showing the events
    reads once for both showing and verifying them."""
    events = TraceEventBatch.objects.filter(batch_id__in=batch_ids).values("event_id")
    links = list(
        TraceEventBatch.objects.filter(event_id__in=events)
        .order_by("event_id", "batch_id")
        .values_list("event_id", "batch_id", "role", "batch__lot")
    )
    rows = list(TraceEvent.objects.filter(pk__in=events).select_related(*related).order_by("pk"))
    return rows, links


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
    return verify_records(chains, records_of(chains))


def verify_records(chains: set[int], records: list[integrity.EventRecord]) -> Verification:
    """`verify_batch` on records already read: `records_of(chains)` or `records_from`."""
    names = {chain_id(i) for i in chains}
    verdict = integrity.verify_chain(records, chains=names)
    if not verdict.ok:
        return Verification(verdict, None)
    stored = latest_checkpoint()
    if stored is None:
        return Verification(verdict, None)
    checked = _checked_checkpoint(stored.pk, stored.signature, _public_key_id())  # type: ignore[attr-defined]
    if isinstance(checked, integrity.Verdict):
        return Verification(checked, None)
    verdict = integrity.check_heads(records, checked, chains=names)
    return Verification(verdict, stored.signed_at)


def _public_key_id() -> str:
    return integrity.key_id(integrity.platform_key().public_key())


def _newest_checkpoint() -> Checkpoint | None:
    """The newest checkpoint without its document (which names every chain, so
    grows with the platform): its signature identifies it for `_checked_checkpoint`."""
    return (
        Checkpoint.objects.defer("document")
        .annotate(signature=KT("document__signature"))
        .order_by("-pk")
        .first()
    )


@functools.lru_cache(maxsize=8)
def _checked_checkpoint(
    pk: int, signature: str | None, key_id: str
) -> integrity.Checkpoint | integrity.Verdict:
    """The checkpoint `pk` read and its signature checked, once per process, or
    why it fails. Checkpoints are never changed; and were a row rewritten after
    this, what was checked here is what chains are compared with."""
    document = Checkpoint.objects.values_list("document", flat=True).get(pk=pk)
    return _check(document, signature, key_id)


def _check(
    document: Any, signature: str | None, key_id: str
) -> integrity.Checkpoint | integrity.Verdict:
    """The checkpoint of a signed `document` (read as carrying `signature`, when
    given), or why it fails."""
    try:
        signed = integrity.SignedCheckpoint.from_json(document)
    except ValueError:
        return integrity.Verdict(False, integrity.Reason.BAD_SIGNATURE)
    if signature is not None and signed.signature != signature:
        return integrity.Verdict(False, integrity.Reason.BAD_SIGNATURE)
    if signed.checkpoint.key_id != key_id:
        return integrity.Verdict(False, integrity.Reason.WRONG_KEY)
    verdict = integrity.verify_checkpoint(signed, integrity.platform_key().public_key())
    return signed.checkpoint if verdict.ok else verdict


def sign_checkpoint(*, actor: Actor) -> Checkpoint:
    """Sign the head of every chain with the platform key and store the checkpoint.

    One aggregate reads every chain's head and length: within a chain, events
    commit in key order (the batch lock), so each chain is a consistent prefix.
    """
    require(actor, can_sign_checkpoints(actor), PLATFORM_ONLY)
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
    invalidate(cache.CHECKPOINTS)
    stored = Checkpoint.objects.create(
        document=signed.to_json(),
        signed_at=checkpoint.signed_at,
        key_id=checkpoint.key_id,
        last_event=max((head for _b, head, _n in heads), default=None),
    )
    return stored


def refresh_checkpoint(*, actor: Actor) -> Checkpoint | None:
    """The newest checkpoint, signing a new one first when none covers the newest
    event (the beat task runs this, so a quiet platform stores no new checkpoints)."""
    require(actor, can_sign_checkpoints(actor), PLATFORM_ONLY)
    stored = _newest_checkpoint()
    newest = TraceEvent.objects.aggregate(newest=Max("pk"))["newest"]
    if newest is not None and (stored is None or (stored.last_event or 0) < newest):
        return sign_checkpoint(actor=actor)
    return stored


def latest_checkpoint() -> Checkpoint | None:
    """The newest checkpoint; reading never signs one (the beat does, or, in the
    embedded default, the write that recorded the event: `record_event`)."""
    return _newest_checkpoint()

"""The audit: every record and the whole log re-verified, every few minutes.

A page of provenance is cached for an hour, and an edit made in SQL bumps no
cache tag; so the beat re-verifies every batch (`verification.verify_batch`)
and, when a verdict changed, bumps the batch's tags: a tampered batch's page
says so within one run, and the operators get an alert naming the event. It
also streams the whole log, as a Certificate Transparency monitor does: every
leaf is there and every signed checkpoint's root is the root of the leaves it
covers (each leaf against its event is the batch verification's part). Its finding stands on the log's row
(`TraceLog.audit_reason`); while it stands the signer signs nothing.

Pages compare a step's photo with its document by the digest on the photo's row,
reading no file; so before the batches the audit reads photos steps show again,
`TRACE_AUDIT_PHOTOS` a run, those read longest ago first, and leaves what it
found on the row (`BatchPhoto.audited_sha256`): a file replaced in storage fails
its batches' verification from the run that reads it on.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shop.core.cache_tags import invalidate
from shop.core.roles import PLATFORM_ONLY, Actor, require
from tlog import merkle
from traceability import cache, facts, integrity, transparency
from traceability.integrity import Reason
from traceability.models import (
    Batch,
    BatchPhoto,
    BatchVerdict,
    LogAlert,
    LogCheckpoint,
    LogLeaf,
    TraceEvent,
    TraceLog,
)
from traceability.policies import can_sign_checkpoints
from traceability.services import log, signing, verification

CHUNK = 2000


def _leaves() -> Iterator[LogLeaf]:
    after = -1
    while True:
        chunk = list(LogLeaf.objects.filter(index__gt=after).order_by("index")[:CHUNK])
        yield from chunk
        if len(chunk) < CHUNK:
            return
        after = chunk[-1].index


def audit_log() -> signing.Refused | None:
    """Stream every leaf: none missing, every stored node the hash of the leaves
    below it (proofs are served from them), and the root at every checkpoint's
    size the signed one. The first fault found, or None."""
    checkpoints = {}
    for stored in LogCheckpoint.objects.order_by("size"):
        try:
            checkpoints[stored.size] = signing.check_stored(stored).root_hash
        except signing.Refused as refused:
            return refused
    edge = merkle.RightEdge()
    computed: list[tuple[int, int, bytes]] = []
    for leaf in _leaves():
        if leaf.index != edge.size:
            return signing.Refused(
                Reason.LOG_DAMAGED, f"leaf {edge.size} is missing", leaf=edge.size
            )
        computed += edge.append(bytes(leaf.hash))
        if edge.size in checkpoints and edge.root() != checkpoints[edge.size]:
            return signing.Refused(
                Reason.LOG_DAMAGED,
                f"the leaves no longer have checkpoint {edge.size}'s root",
                leaf=leaf.index,
            )
        if len(computed) >= CHUNK:
            fault, computed = _compare_nodes(computed), []
            if fault is not None:
                return fault
    signed = max(checkpoints, default=0)
    if edge.size < signed:
        return signing.Refused(
            Reason.LOG_DAMAGED, f"{signed} leaves were signed, {edge.size} remain", leaf=edge.size
        )
    return _compare_nodes(computed)


def _compare_nodes(computed: list[tuple[int, int, bytes]]) -> signing.Refused | None:
    """The first stored node that is not the hash computed from the leaves."""
    store = log.DatabaseStore(0)
    store.prefetch((level, index) for level, index, _hash in computed)
    for level, index, hashed in computed:
        try:
            same = store.node(level, index) == hashed
        except log.MissingNode:
            same = False
        if not same:
            return signing.Refused(
                Reason.LOG_DAMAGED,
                f"node {level}/{index} is not the hash of the leaves below it",
                leaf=index << level,
            )
    return None


def _reread_photos() -> None:
    """Hash again the files of `TRACE_AUDIT_PHOTOS` photos that steps show, those
    never read or read longest ago first (reading every file every run would not
    scale with storage), and record the digest found. A file that cannot be read
    is left as last found: it shows as no picture, not as another."""
    shown = (
        BatchPhoto.objects.filter(pk__in=TraceEvent.objects.exclude(photo=None).values("photo_id"))
        .order_by(F("audited_at").asc(nulls_first=True), "pk")
        .only("pk", "image", "audited_sha256")
    )
    for photo in shown[: settings.TRACE_AUDIT_PHOTOS]:
        found = photo.audited_sha256
        try:
            with photo.image.open("rb") as stored:
                found = facts.file_sha256(stored)
        except OSError:
            pass
        BatchPhoto.objects.filter(pk=photo.pk).update(
            audited_sha256=found, audited_at=timezone.now()
        )


def _batch_ids() -> list[int]:
    """Every batch: one with no step yet still shows its logged facts."""
    return list(Batch.objects.order_by("pk").values_list("pk", flat=True))


def audit(*, actor: Actor) -> int:
    """Audit the log and every batch (module docstring); return how many batches'
    verdicts changed."""
    require(actor, can_sign_checkpoints(actor), PLATFORM_ONLY)
    finding = audit_log()
    _stand(finding)
    _reread_photos()
    changed = 0
    first_failure: signing.Refused | None = None
    for batch in Batch.objects.filter(pk__in=_batch_ids()).order_by("pk"):
        verdict = verification.verify_batch(batch).verdict
        if not verdict.ok and first_failure is None:
            first_failure = _refusal(verdict, batch.pk)
        if _record(batch.pk, verdict):
            changed += 1
    if finding is None:
        _stand(first_failure)
    return changed


def _refusal(verdict: integrity.Verdict, batch_id: int) -> signing.Refused:
    event = int(verdict.event_id) if verdict.event_id else None
    return signing.Refused(
        str(verdict.reason), f"batch {batch_id}: {verdict.reason} at event {event}", event_id=event
    )


def _record(batch_id: int, verdict: integrity.Verdict) -> bool:
    """Store the batch's verdict; if it changed, bump its pages and, if it now
    fails, alert the operators. Whether it changed."""
    event = int(verdict.event_id) if verdict.event_id else None
    reason = "" if verdict.ok else str(verdict.reason)
    with transaction.atomic():
        previous = BatchVerdict.objects.filter(batch_id=batch_id).first()
        if previous is not None and (previous.ok, previous.reason, previous.event_id) == (
            verdict.ok,
            reason,
            event,
        ):
            return False
        BatchVerdict.objects.update_or_create(
            batch_id=batch_id,
            defaults={
                "ok": verdict.ok,
                "reason": reason,
                "event_id": event,
                "checked_at": timezone.now(),
            },
        )
        if not verdict.ok:
            signing.alert(
                LogAlert.Kind.AUDIT_FAILED, _refusal(verdict, batch_id), batch_id=batch_id
            )
    invalidate(*cache.batch_changed(batch_id))
    return previous is not None or not verdict.ok


def _stand(finding: signing.Refused | None) -> None:
    """Leave the finding (or none) on the log's row, for the signer and the pages."""
    row, _created = TraceLog.objects.get_or_create(origin=transparency.origin())
    values = {
        "audit_reason": finding.reason if finding else "",
        "audit_detail": finding.detail[:500] if finding else "",
        "audit_event": finding.event_id if finding else None,
        "audit_leaf": finding.leaf if finding else None,
    }
    current = {key: getattr(row, key) for key in values}
    TraceLog.objects.filter(pk=row.pk).update(audited_at=timezone.now(), **values)
    if finding is not None and current != values:
        signing.alert(LogAlert.Kind.AUDIT_FAILED, finding)
    if current != values and Reason.LOG_DAMAGED in (
        current["audit_reason"],
        values["audit_reason"],
    ):
        invalidate(cache.CHECKPOINTS, *(cache.batch_tag(i) for i in _batch_ids()))

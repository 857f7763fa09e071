"""Reads of batches shared by the API and the pages. Batches are the seller's
working records: its members and operators read them here; the public sees a
batch only through its provenance, by its code."""

from django.db.models import Exists, OuterRef, QuerySet

from catalog.models import Seller
from shop.core.roles import Actor, is_operator, is_signed_in
from traceability.models import Batch, BatchPhoto, LabelJob, LogAlert, Serial, TraceEvent
from traceability.policies import can_review_trace_alerts


def visible_batches(actor: Actor) -> QuerySet[Batch]:
    """Operators see every batch, seller members their sellers' batches, others none."""
    if is_operator(actor):
        return Batch.objects.all()
    if not is_signed_in(actor):
        return Batch.objects.none()
    members = Seller.members.through.objects.filter(  # type: ignore[misc]
        seller_id=OuterRef("seller_id"), user_id=actor.pk
    )
    return Batch.objects.filter(Exists(members))


def visible_serials(actor: Actor) -> QuerySet[Serial]:
    return Serial.objects.filter(batch__in=visible_batches(actor))


def visible_batch_photos(actor: Actor) -> QuerySet[BatchPhoto]:
    return BatchPhoto.objects.filter(batch__in=visible_batches(actor))


def visible_label_jobs(actor: Actor) -> QuerySet[LabelJob]:
    """Label sheets are the seller's, like its batches: members and operators only."""
    return LabelJob.objects.filter(batch__in=visible_batches(actor))


def visible_trace_events(actor: Actor) -> QuerySet[TraceEvent]:
    """Events of the batches one sees (the public checks them through traceVerify)."""
    return TraceEvent.objects.filter(seller__in=visible_batches(actor).values("seller_id"))


def trace_alerts(actor: Actor) -> QuerySet[LogAlert]:
    """The trace log's alerts, for operators only (everyone else: none)."""
    if not can_review_trace_alerts(actor):
        return LogAlert.objects.none()
    return LogAlert.objects.all()


def filter_batches(
    batches: QuerySet[Batch],
    *,
    seller_id: int | None = None,
    variant_id: int | None = None,
    farm_id: int | None = None,
    lot: str | None = None,
) -> QuerySet[Batch]:
    """`batches` narrowed by each filter given (a lot matches exactly)."""
    given = {"seller_id": seller_id, "variant_id": variant_id, "farm_id": farm_id, "lot": lot}
    return batches.filter(**{field: value for field, value in given.items() if value is not None})


def events_of(batch: Batch) -> QuerySet[TraceEvent]:
    """The batch's events in recording order, corrections included."""
    return TraceEvent.objects.filter(links__batch=batch).order_by("pk")

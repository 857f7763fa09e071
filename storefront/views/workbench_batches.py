"""The farmer's traceability on the workbench: batches, the steps of their chain
(harvest, drying, grading, processing, packing, shipping), serials, label sheets.

As in `workbench_products`, views look objects up and call the same services
as the API (`traceability.services.batches`, `trace`, `label_jobs`) as the signed-in
user; the batch page shows its forms, each posting to its own address. A
wrong step is withdrawn or corrected, never edited (`trace.correct_event`). Each
step shows its receipt (the trace log's signed promise to keep it), which the
farmer downloads and keeps: it proves a step removed later. A label
sheet renders in the background: its page reloads itself (a meta refresh, no
script) until the sheet is done, then links to the members-only download. The
batch's QR code downloads as PNG or SVG, for packaging the farmer prints.
"""

import re
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from catalog.models import Seller
from gs1 import qr
from gs1.vocabulary import ErrorReason
from shop.core.api.uploads import TOO_LARGE
from shop.orders import services as order_services
from shop.orders.models import Order
from storefront.forms.base import PageForm
from storefront.forms.batches import (
    BatchCreateForm,
    BatchFilterForm,
    CorrectionForm,
    EventForm,
    LabelJobForm,
    RecallForm,
    SerialsForm,
)
from storefront.paging import page_or_400
from storefront.views.workbench import PAGE_SIZE, form_page, managed_seller, posted, saved
from traceability import transparency
from traceability.models import Batch, BatchRecall, LabelJob, TraceEvent
from traceability.resolver import provenance
from traceability.selectors import (
    events_of,
    filter_batches,
    visible_batches,
    visible_label_jobs,
)
from traceability.services import batches as services
from traceability.services import events as trace
from traceability.services import labels as label_jobs
from traceability.steps import step_label

QR_SCALE = 4  # pixels a module: about 170 px for a short link, sharp on any screen
QR_PNG_BOX = 16  # pixels a module of the download: about 700 px, 30 mm at 600 dpi
QR_FILES = {"png": "image/png", "svg": "image/svg+xml"}
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]")
JOBS_SHOWN = 10
UNFINISHED = (LabelJob.Status.QUEUED, LabelJob.Status.RUNNING)


def _batch(request: HttpRequest, seller: Seller, batch_id: int) -> Batch:
    batches = visible_batches(request.user).filter(seller=seller)
    return get_object_or_404(batches.select_related("variant__product", "farm"), pk=batch_id)


def batch_url(batch: Batch) -> str:
    return reverse("storefront:workbench_batch", args=[batch.seller_id, batch.pk])


def _refused_as_too_large(request: HttpRequest, form: PageForm, field: str) -> bool:
    """A file streamed past the upload cap: the form says so beside `field`."""
    if getattr(request, "upload_refused", None) != TOO_LARGE:
        return False
    form.is_valid()
    form.errors.pop(field, None)
    limit = filesizeformat(settings.UPLOAD_MAX_BYTES)
    form.add_error(field, _("This picture is larger than %(limit)s.") % {"limit": limit})
    return True


def _declared_reason(declaration: TraceEvent) -> str:
    """`did_not_occur` or `incorrect_data`: the CBV reason, without its URI."""
    return declaration.document["errorDeclaration"]["reason"].rsplit(":", 1)[-1]


def _receipt(event: TraceEvent) -> transparency.Receipt | None:
    """The step's receipt as the log signed it, None if it has none that is valid."""
    try:
        return transparency.open_receipt(event.receipt)
    except ValueError:
        return None


def _timeline(batch: Batch) -> list[dict[str, Any]]:
    """Each step with its readings and its receipt; `declares` (on an error
    declaration) and `declared` (on the step it declares wrong) give the reason."""
    events = list(events_of(batch).select_related("read_point", "photo"))
    declared = {e.corrects_id: _declared_reason(e) for e in events if e.corrects_id}
    return [
        {
            "event": event,
            "label": step_label(event.event_type, event.biz_step),
            "readings": [
                f"{reading.name} {reading.value} {reading.unit}"
                for reading in provenance.readings(event.document)
            ],
            "declares": event.corrects_id and _declared_reason(event),
            "declared": declared.get(event.pk),
            "receipt": _receipt(event),
        }
        for event in events
    ]


def _batch_page(request: HttpRequest, seller: Seller, batch: Batch, **bound: Any) -> HttpResponse:
    """The batch with its chain and forms; `bound` replaces the one just refused."""
    link = batch.digital_link()
    jobs = visible_label_jobs(request.user).filter(batch=batch).order_by("-created_at")
    forms = {
        "serials": SerialsForm(),
        "labels": LabelJobForm(),
        "withdraw": PageForm(),
        "recall_form": RecallForm(batch=batch),
        **bound,
    }
    context = {
        "seller": seller,
        "batch": batch,
        "link": link,
        # Drawn here from the batch's own link: no user text reaches the markup.
        "qr_svg": mark_safe(qr.svg(link, scale=QR_SCALE)),  # noqa: S308
        "timeline": _timeline(batch),
        "photos": list(batch.photos.all()),
        "serial_count": batch.serials.count(),
        "jobs": list(jobs[:JOBS_SHOWN]),
        "recall": BatchRecall.objects.filter(batch=batch).first(),
    }
    status = 400 if "recall_form" in bound else 200
    return render(request, "workbench/batch.html", {**context, **forms}, status=status)


@login_required
def batch_list(request: HttpRequest, seller_id: int) -> HttpResponse:
    """The seller's batches, newest first, optionally of one product variant."""
    seller = managed_seller(request, seller_id)
    chosen = BatchFilterForm(request.GET or None, actor=request.user, seller=seller)
    batches = visible_batches(request.user).filter(seller=seller)
    if chosen.is_bound and chosen.is_valid() and chosen.cleaned_data["variant"]:
        batches = filter_batches(batches, variant_id=chosen.cleaned_data["variant"].pk)
    listed = page_or_400(
        request,
        batches.select_related("variant__product", "farm"),
        keys=["id"],
        first=PAGE_SIZE,
        descending=True,
    )
    context = {"seller": seller, "page": listed, "filter": chosen}
    return render(request, "workbench/batches.html", context)


@login_required
def batch_create(request: HttpRequest, seller_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    form = BatchCreateForm(posted(request), actor=request.user, seller=seller)

    def create(**data: Any) -> Batch:
        return services.create_batch(actor=request.user, **data)

    batch = saved(form, request, create)
    if batch:
        messages.success(request, _("The batch was added. Record its harvest next."))
        return redirect(batch_url(batch))
    return form_page(
        request,
        form,
        seller=seller,
        title=_("Add a batch"),
        intro=_("A batch (lot) is one harvest or production run of one product from one farm."),
        submit=_("Add the batch"),
        back=reverse("storefront:workbench_batches", args=[seller.pk]),
    )


@login_required
def batch_page(request: HttpRequest, seller_id: int, batch_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    return _batch_page(request, seller, _batch(request, seller, batch_id))


@login_required
def batch_qr(request: HttpRequest, seller_id: int, batch_id: int, kind: str) -> HttpResponse:
    """The batch's QR code as a file to print on one's own packaging: a PNG or
    an SVG of the same link as the labels, named after the lot."""
    seller = managed_seller(request, seller_id)
    batch = _batch(request, seller, batch_id)
    link = batch.digital_link()
    body = qr.png(link, box_size=QR_PNG_BOX) if kind == "png" else qr.svg(link).encode()
    name = f"qr-{_UNSAFE_IN_NAME.sub('_', batch.lot)}.{kind}"
    disposition = content_disposition_header(True, name)  # never None: an attachment
    return HttpResponse(
        body, content_type=QR_FILES[kind], headers={"Content-Disposition": disposition}
    )


@login_required
def event_record(request: HttpRequest, seller_id: int, batch_id: int) -> HttpResponse:
    """Record one step of the batch's chain, with an optional photo of it."""
    seller = managed_seller(request, seller_id)
    batch = _batch(request, seller, batch_id)
    files = request.FILES if request.method == "POST" else None
    form = EventForm(posted(request), files, actor=request.user, batch=batch)

    def record(**_cleaned: Any) -> TraceEvent:
        return trace.record_event(actor=request.user, **form.arguments(batch))

    if not _refused_as_too_large(request, form, "photo") and saved(form, request, record):
        messages.success(
            request,
            _(
                "The step was recorded. Download its receipt below and keep it: it proves "
                "what you recorded, even if someone changed the record later."
            ),
        )
        return redirect(batch_url(form.made()))
    return form_page(
        request,
        form,
        seller=seller,
        title=_("Record a step"),
        subject=batch.variant.product,
        intro=_(
            "Lot %(lot)s. What you record here is kept as it is: on the batch's page "
            "a wrong step is corrected or marked as not having happened, and the "
            "record keeps both."
        )
        % {"lot": batch.lot},
        submit=_("Record the step"),
        back=batch_url(batch),
    )


@login_required
def event_receipt(
    request: HttpRequest, seller_id: int, batch_id: int, event_id: int
) -> HttpResponse:
    """A step's receipt, the log's signed promise to keep it, as a file for the
    farmer to keep (and to check at `/trace/receipt/` any time)."""
    seller = managed_seller(request, seller_id)
    batch = _batch(request, seller, batch_id)
    event = get_object_or_404(events_of(batch).exclude(receipt=""), pk=event_id)
    name = f"{_UNSAFE_IN_NAME.sub('_', batch.lot)}-step-{event.pk}.receipt"
    disposition = content_disposition_header(True, name)  # never None: an attachment
    return HttpResponse(
        event.receipt,
        content_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


@login_required
@require_POST
def event_withdraw(
    request: HttpRequest, seller_id: int, batch_id: int, event_id: int
) -> HttpResponse:
    """Declare a step that did not happen (an EPCIS error declaration)."""
    seller = managed_seller(request, seller_id)
    batch = _batch(request, seller, batch_id)
    event = get_object_or_404(events_of(batch), pk=event_id)
    form = PageForm(request.POST)

    def withdraw() -> trace.Correction:
        return trace.correct_event(
            actor=request.user, event=event, reason=ErrorReason.DID_NOT_OCCUR
        )

    if saved(form, request, withdraw):
        messages.success(request, _("The step was withdrawn; the record keeps both."))
        return redirect(batch_url(batch))
    return _batch_page(request, seller, batch, withdraw=form)


@login_required
def event_correct(
    request: HttpRequest, seller_id: int, batch_id: int, event_id: int
) -> HttpResponse:
    """Correct a step's time, place or readings (an EPCIS error declaration with
    a corrective event); the step as first recorded stays in the record."""
    seller = managed_seller(request, seller_id)
    batch = _batch(request, seller, batch_id)
    event = get_object_or_404(events_of(batch).select_related("read_point"), pk=event_id)
    form = CorrectionForm(posted(request), actor=request.user, event=event)

    def correct(**_cleaned: Any) -> trace.Correction:
        return trace.correct_event(actor=request.user, event=event, **form.arguments())

    if saved(form, request, correct):
        messages.success(request, _("The step was corrected; the record keeps both."))
        return redirect(batch_url(batch))
    label = step_label(event.event_type, event.biz_step)
    return form_page(
        request,
        form,
        seller=seller,
        title=_("Correct a step"),
        subject=batch.variant.product,
        intro=_(
            "Lot %(lot)s, %(step)s. Change what was wrong: buyers see the step as "
            "corrected, and the record keeps what was first written."
        )
        % {"lot": batch.lot, "step": label},
        submit=_("Record the correction"),
        back=batch_url(batch),
    )


@login_required
@require_POST
def serials_generate(request: HttpRequest, seller_id: int, batch_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    batch = _batch(request, seller, batch_id)
    form = SerialsForm(request.POST)

    def generate(count: int) -> int:
        return services.generate_serials(actor=request.user, batch=batch, count=count)

    added = saved(form, request, generate)
    if added:
        total = batch.serials.count()
        message = ngettext(
            "%(count)d serial added; the batch has %(total)d.",
            "%(count)d serials added; the batch has %(total)d.",
            added,
        )
        messages.success(request, message % {"count": added, "total": total})
        return redirect(batch_url(batch))
    return _batch_page(request, seller, batch, serials=form)


def recalled_message(batch: Batch, affected: list[Order]) -> str:
    return ngettext(
        "Lot %(lot)s is recalled: %(count)d order was affected; its buyer is told.",
        "Lot %(lot)s is recalled: %(count)d orders were affected; their buyers are told.",
        len(affected),
    ) % {"lot": batch.lot, "count": len(affected)}


@login_required
@require_POST
def batch_recall(request: HttpRequest, seller_id: int, batch_id: int) -> HttpResponse:
    """Withdraw the batch for safety: every buyer of it is told (`orders.recall`)."""
    seller = managed_seller(request, seller_id)
    batch = _batch(request, seller, batch_id)
    form = RecallForm(request.POST, batch=batch)

    def recall(reason: str) -> list[Order]:
        return order_services.recall(actor=request.user, batch=batch, reason=reason)

    affected = saved(form, request, recall)
    if affected is not None:
        messages.success(request, recalled_message(batch, affected))
        return redirect(batch_url(batch))
    return _batch_page(request, seller, batch, recall_form=form)


@login_required
@require_POST
def label_job_create(request: HttpRequest, seller_id: int, batch_id: int) -> HttpResponse:
    seller = managed_seller(request, seller_id)
    batch = _batch(request, seller, batch_id)
    form = LabelJobForm(request.POST)

    def order(kind: str, copies: int | None) -> LabelJob:
        return label_jobs.create_label_job(
            actor=request.user, batch=batch, kind=kind, copies=copies
        )

    job = saved(form, request, order)
    if job:
        messages.success(request, _("The label sheet was ordered."))
        return redirect("storefront:workbench_label_job", seller_id=seller.pk, job_id=job.pk)
    return _batch_page(request, seller, batch, labels=form)


def _label_job(request: HttpRequest, seller: Seller, job_id: str) -> LabelJob:
    jobs = visible_label_jobs(request.user).filter(seller=seller)
    return get_object_or_404(jobs.select_related("batch__variant__product"), pk=job_id)


@login_required
def label_job_page(
    request: HttpRequest, seller_id: int, job_id: str, retry: PageForm | None = None
) -> HttpResponse:
    """The sheet's progress; the page reloads itself every few seconds until done.
    A failed sheet says why and offers to retry it."""
    seller = managed_seller(request, seller_id)
    job = _label_job(request, seller, job_id)
    context = {
        "seller": seller,
        "job": job,
        "batch": job.batch,
        "unfinished": job.status in UNFINISHED,
        "download": reverse("label-job-download", args=[job.pk]),
        "retention_days": settings.LABEL_SHEET_RETENTION_DAYS,
        "retry": retry or PageForm(),
    }
    return render(request, "workbench/label_job.html", context)


@login_required
@require_POST
def label_job_retry(request: HttpRequest, seller_id: int, job_id: str) -> HttpResponse:
    """Queue a failed sheet again; it goes on from its last finished page."""
    seller = managed_seller(request, seller_id)
    job = _label_job(request, seller, job_id)
    form = PageForm(request.POST)
    if saved(form, request, lambda: label_jobs.retry_label_job(actor=request.user, job=job)):
        messages.success(request, _("The label sheet was queued again."))
        return redirect("storefront:workbench_label_job", seller_id=seller.pk, job_id=job.pk)
    return label_job_page(request, seller_id, job_id, retry=form)


urlpatterns = [
    path("shop/<int:seller_id>/batches/", batch_list, name="workbench_batches"),
    path("shop/<int:seller_id>/batches/new/", batch_create, name="workbench_batch_create"),
    path("shop/<int:seller_id>/batches/<int:batch_id>/", batch_page, name="workbench_batch"),
    *(
        path(
            f"shop/<int:seller_id>/batches/<int:batch_id>/qr.{kind}",
            batch_qr,
            {"kind": kind},
            name=f"workbench_batch_qr_{kind}",
        )
        for kind in QR_FILES
    ),
    path(
        "shop/<int:seller_id>/batches/<int:batch_id>/events/new/",
        event_record,
        name="workbench_event_record",
    ),
    path(
        "shop/<int:seller_id>/batches/<int:batch_id>/events/<int:event_id>/receipt/",
        event_receipt,
        name="workbench_event_receipt",
    ),
    path(
        "shop/<int:seller_id>/batches/<int:batch_id>/events/<int:event_id>/withdraw/",
        event_withdraw,
        name="workbench_event_withdraw",
    ),
    path(
        "shop/<int:seller_id>/batches/<int:batch_id>/events/<int:event_id>/correct/",
        event_correct,
        name="workbench_event_correct",
    ),
    path(
        "shop/<int:seller_id>/batches/<int:batch_id>/serials/",
        serials_generate,
        name="workbench_serials",
    ),
    path(
        "shop/<int:seller_id>/batches/<int:batch_id>/recall/",
        batch_recall,
        name="workbench_batch_recall",
    ),
    path(
        "shop/<int:seller_id>/batches/<int:batch_id>/labels/",
        label_job_create,
        name="workbench_label_job_create",
    ),
    path(
        "shop/<int:seller_id>/labels/<uuid:job_id>/",
        label_job_page,
        name="workbench_label_job",
    ),
    path(
        "shop/<int:seller_id>/labels/<uuid:job_id>/retry/",
        label_job_retry,
        name="workbench_label_job_retry",
    ),
]

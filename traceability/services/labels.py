"""Label sheet jobs: order a PDF of N labels, render it in the background, in chunks.

`create_label_job` checks who asks and what, records the job and queues
`traceability.tasks.render_label_job` after commit (run inline in the embedded
default, which has no broker). The task drives `render_steps` as the system
(whoever ordered the job was allowed to; drawing it is the platform's work),
which draws one page of labels at a time and records the progress after each
with one cheap UPDATE, so a client polling `labelJob` sees it move; it writes
one PDF to the private storage at the end. Any error marks the job failed
with a message: no job is left "running" by an exception. The management
command `print_labels` runs the same steps in-process, as the system too, to
show a progress bar.

A worker may die under a job (shop/core/tasks.py: the task is then delivered
again). The run rendering a job holds a lease on it, renewed with each page's
progress, so two live workers never render one job; a run finding the lease
expired takes the job over and resumes after its last finished page, whose
QR drawings were stored with the progress (`LabelJobPage`), and every run
assembles the whole sheet from them, so none lacks or repeats a label. A
job that no worker took back (`fail_stuck_jobs`, run by the beat) or that
was taken `LABEL_JOB_MAX_ATTEMPTS` times fails with the reason, and whoever
may order it can retry it (`retry_label_job`).

Every page prints the trace log key's fingerprint at its foot (`key_footer`).

A batch label repeats one QR code, so its drawing is computed once; labels per
serial compute one drawing each, a page at a time. Those drawings are nearly
all of the work, so a job of several pages of serials shares them with
`help_render` tasks on the other workers (`label_pages`): the task rendering
the job still draws the pages in order, takes the pages the helpers drew, and
alone writes the progress and the file.
"""

import datetime
import functools
import io
import logging
import secrets
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from catalog.models import Seller
from gs1.labels import A4_24, Label, LabelDocument, QrDrawing, qr_drawing
from shop.core.db import lock_rows
from shop.core.errors import DomainError
from shop.core.roles import PLATFORM_ONLY, Actor, require
from traceability import integrity, tasks
from traceability.errors import TraceabilityErrorCode as Code
from traceability.label_pages import Assembler, SharedPages, can_share, pack, unpack
from traceability.models import MAX_LABELS_PER_JOB, Batch, LabelJob, LabelJobPage, Serial
from traceability.policies import can_manage_batches, can_render_labels

logger = logging.getLogger(__name__)

CHUNK = A4_24.per_page  # labels drawn between two progress updates: one page
SERIALS_FETCHED = 2_000  # serials read per query while rendering
ERROR_LENGTH = 500
UNFINISHED = (LabelJob.Status.QUEUED, LabelJob.Status.RUNNING)
# Stored untranslated, like every job error; the job page translates it.
STOPPED = gettext_noop("The worker making this sheet stopped before it was done. Retry it.")


class LabelJobBusy(Exception):
    """Another run holds the job's lease: try again in `seconds` (it may have died)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the job is leased for {seconds:.1f} s more")
        self.seconds = seconds


class LeaseLost(Exception):
    """Another run took the job over after this run's lease ran out: this run stops."""


def _count(batch: Batch, kind: str, copies: object) -> int:
    """How many labels the job prints, or the coded error saying why not."""
    if kind == LabelJob.Kind.SERIALS:
        if copies is not None:
            raise DomainError(
                Code.INVALID, _("Labels per serial take no number of copies."), "copies"
            )
        count = batch.serials.count()
        if count == 0:
            raise DomainError(Code.INVALID_COUNT, _("This batch has no serials yet."), "kind")
    elif kind == LabelJob.Kind.BATCH:
        if isinstance(copies, bool) or not isinstance(copies, int):
            raise DomainError(Code.INVALID_COUNT, _("Give a whole number of copies."), "copies")
        count = copies
    else:
        raise DomainError(Code.INVALID, _("Unknown kind of label sheet."), "kind")
    if not 1 <= count <= MAX_LABELS_PER_JOB:
        raise DomainError(
            Code.INVALID_COUNT,
            _("A label sheet has between 1 and %d labels.") % MAX_LABELS_PER_JOB,
            "copies" if kind == LabelJob.Kind.BATCH else "kind",
        )
    return count


def create_label_job(
    *, actor: Actor, batch: Batch, kind: str, copies: int | None = None, enqueue: bool = True
) -> LabelJob:
    """Order `copies` (1 to 10,000) batch labels, or one label per serial of the
    batch (kind "serials", at most 10,000 serials), for the batch's seller's
    members and operators.

    The render task is queued after commit; `enqueue=False` leaves the job
    queued for a caller that runs `render_steps` itself (the command does).
    """
    require(actor, can_manage_batches(actor, batch.seller), _("You do not manage this seller."))
    count = _count(batch, kind, copies)
    with transaction.atomic():
        lock_rows(Seller, [batch.seller_id])  # two orders at once count each other
        _check_quota(batch.seller_id, count)
        job = LabelJob.objects.create(
            seller_id=batch.seller_id,
            batch=batch,
            kind=kind,
            count=count,
            created_by=actor,  # type: ignore[misc]  # signed in: require() checked it
        )
        if enqueue:
            transaction.on_commit(lambda: tasks.render_label_job.delay(str(job.pk)))
    return job


def _check_quota(seller_id: int, count: int) -> None:
    """A seller may have LABEL_JOBS_AT_ONCE jobs unfinished and order at most
    LABEL_QUOTA_PER_DAY labels in 24 hours: drawing QR codes is the workers'
    costliest work, shared by every seller."""
    jobs = LabelJob.objects.filter(seller_id=seller_id)
    unfinished = jobs.filter(status__in=(LabelJob.Status.QUEUED, LabelJob.Status.RUNNING))
    if unfinished.count() >= settings.LABEL_JOBS_AT_ONCE:
        raise DomainError(
            Code.LABEL_QUOTA_REACHED,
            _("%(n)d label sheets are still being made: order more when one is done.")
            % {"n": settings.LABEL_JOBS_AT_ONCE},
            "count",
        )
    since = timezone.now() - datetime.timedelta(days=1)
    ordered = jobs.filter(created_at__gte=since).aggregate(n=Sum("count"))["n"] or 0
    if ordered + count > settings.LABEL_QUOTA_PER_DAY:
        raise DomainError(
            Code.LABEL_QUOTA_REACHED,
            _("At most %(n)d labels a day; %(left)d are left for today.")
            % {
                "n": settings.LABEL_QUOTA_PER_DAY,
                "left": max(settings.LABEL_QUOTA_PER_DAY - ordered, 0),
            },
            "count",
        )


def delete_old_sheets(*, actor: Actor) -> int:
    """Delete the PDFs of sheets finished LABEL_SHEET_RETENTION_DAYS ago (the
    farmer orders them again from the same record); return how many. The beat
    runs it daily."""
    require(actor, can_render_labels(actor), PLATFORM_ONLY)
    bound = timezone.now() - datetime.timedelta(days=settings.LABEL_SHEET_RETENTION_DAYS)
    old = LabelJob.objects.filter(status=LabelJob.Status.DONE, finished_at__lt=bound).exclude(
        file=""
    )
    deleted = 0
    for job in old.only("pk", "file"):
        job.file.delete(save=False)  # a file already gone is no error
        deleted += LabelJob.objects.filter(pk=job.pk).update(file="")
    return deleted


def key_footer() -> str:
    """What every page of a sheet prints at its foot: the fingerprint of the key
    that signs the trace log, which its key page and the receipt check show too,
    so that the key a page links can be compared with the one the sheet was
    printed under. Fixed bilingual, like the labels' captions."""
    return f"追溯日志密钥指纹 Trace log key fingerprint {integrity.fingerprint()}"


def _label(batch: Batch, uri: str, serial: str = "") -> Label:
    """A unit's label prints its serial, which its QR code and page show (a
    short link carries the unit's code instead, which the page never shows)."""
    product = batch.variant.product
    return Label(
        product=product.name,
        product_en=product.name_en,
        variant=batch.variant.name,
        lot=batch.lot,
        produced_on=batch.harvest_date,
        best_before=batch.best_before,
        seller=batch.seller.name,
        village=batch.farm.village,
        uri=uri,
        serial=serial,
    )


def _chunks(job: LabelJob) -> Iterator[list[tuple[Label, str]]]:
    """The job's labels, a page at a time, each with the URI of its QR code."""
    batch = job.batch
    if job.kind == LabelJob.Kind.BATCH:
        label = _label(batch, batch.digital_link())
        for start in range(0, job.count, CHUNK):
            yield [(label, label.uri)] * min(CHUNK, job.count - start)
        return
    serials: QuerySet[Serial] = batch.serials.order_by("id").only("serial", "code", "batch_id")
    chunk = []
    for serial in serials[: job.count].iterator(chunk_size=SERIALS_FETCHED):
        serial.batch = batch  # the one batch, loaded once
        uri = serial.digital_link()
        chunk.append((_label(batch, uri, serial.serial), uri))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _database_now(seconds: float = 0) -> ExpressionWrapper:
    """The database's clock, `seconds` on: the one clock all workers' leases share."""
    return ExpressionWrapper(
        Now() + datetime.timedelta(seconds=seconds), output_field=DateTimeField()
    )


def _lease_end() -> ExpressionWrapper:
    return _database_now(settings.LABEL_JOB_LEASE_SECONDS)


def _takeable() -> Q:
    """Jobs no live run holds: queued, or running with a lease that ran out."""
    running = Q(status=LabelJob.Status.RUNNING)
    return Q(status=LabelJob.Status.QUEUED) | (
        running & (Q(leased_until__lt=Now()) | Q(leased_until__isnull=True))
    )


def _claim(job_id: str, lease: str) -> LabelJob | None:
    """Lease the job to run `lease` and load it, or None if it is finished (or gone).

    A job running under a lease that ran out is taken over: its worker died.
    Raises LabelJobBusy while another run's lease lasts; a job taken too many
    times already fails instead.
    """
    jobs = LabelJob.objects.filter(pk=job_id)
    claimed = jobs.filter(_takeable(), attempts__lt=settings.LABEL_JOB_MAX_ATTEMPTS).update(
        status=LabelJob.Status.RUNNING,
        lease=lease,
        leased_until=_lease_end(),
        attempts=F("attempts") + 1,
    )
    if claimed:
        return LabelJob.objects.select_related(
            "batch__variant__product", "batch__seller", "batch__farm"
        ).get(pk=job_id)
    job = jobs.annotate(leased_for=F("leased_until") - Now()).first()
    if job is None or job.status not in UNFINISHED:
        return None
    if not jobs.filter(_takeable()).exists():
        raise LabelJobBusy(max(job.leased_for.total_seconds(), 0) if job.leased_for else 0)
    jobs.filter(_takeable()).update(
        status=LabelJob.Status.FAILED, error=STOPPED, leased_until=None, finished_at=Now()
    )
    return None


def _finish_page(
    job: LabelJob, lease: str, page: int, drawings: list[QrDrawing] | None, progress: int
) -> None:
    """Store the page's progress (and drawings, of serials) and renew the lease,
    in one transaction; raise LeaseLost if another run holds the job now."""
    with transaction.atomic():
        held = LabelJob.objects.filter(
            pk=job.pk, lease=lease, status=LabelJob.Status.RUNNING
        ).update(progress=progress, leased_until=_lease_end())
        if not held:
            raise LeaseLost
        if drawings is not None:
            LabelJobPage.objects.filter(job=job, page=page).delete()
            LabelJobPage.objects.create(job=job, page=page, drawings=pack(drawings))


def _finished_pages(job: LabelJob) -> dict[int, bytes]:
    """The stored drawings of the pages an earlier run finished, by page."""
    if job.kind != LabelJob.Kind.SERIALS:
        return {}
    pages = LabelJobPage.objects.filter(job=job, page__lt=job.progress // CHUNK)
    return {page: bytes(drawings) for page, drawings in pages.values_list("page", "drawings")}


def _drawings(chunk: list[tuple[Label, str]], drawn: int) -> list[QrDrawing]:
    """The QR drawings of a page of labels, the first of which is label `drawn` + 1."""
    drawings = []
    for number, (label, uri) in enumerate(chunk, start=drawn + 1):
        try:
            drawings.append(qr_drawing(uri))
        except ValueError as error:
            error.add_note(f"label {number} (lot {label.lot!r}, serial {label.serial!r})")
            raise
    return drawings


def _page_drawings(chunks: list[list[tuple[Label, str]]], page: int) -> list[QrDrawing]:
    return _drawings(chunks[page], page * CHUNK)


def _message(error: Exception) -> str:
    message = " ".join([str(error), *getattr(error, "__notes__", [])]) or type(error).__name__
    return message[:ERROR_LENGTH]


def _share(job: LabelJob, lease: str) -> SharedPages | None:
    """Open the job's pages to helper tasks if it has several pages of serials to draw."""
    left = job.count - job.progress // CHUNK * CHUNK
    if job.kind != LabelJob.Kind.SERIALS or left <= CHUNK or not can_share():
        return None
    pages = SharedPages.open(str(job.pk), lease)
    for _helper in range(settings.LABEL_JOB_HELPERS):
        tasks.help_render_label_job.delay(str(job.pk), pages.run)
    return pages


def render_steps(job_id: str, *, actor: Actor) -> Iterator[int]:
    """Render the job as the system, yielding the number of labels drawn after each page.

    The progress is stored before each yield; at the end the PDF is saved and
    the job marked done. An exception, here or in a helper's page, marks it
    failed with its message and ends the steps (it is logged, not raised: the
    job records the failure).
    """
    require(actor, can_render_labels(actor), PLATFORM_ONLY)
    return _render(job_id)


def _render(job_id: str) -> Iterator[int]:
    lease = secrets.token_hex(8)
    job = _claim(job_id, lease)
    if job is None:
        return
    jobs = LabelJob.objects.filter(pk=job.pk, lease=lease)
    resumed, finished = job.progress, _finished_pages(job)
    pages = None
    try:
        pages = _share(job, lease)
        document = LabelDocument(footer=key_footer())
        chunks: Iterable[list[tuple[Label, str]]] = _chunks(job)
        assembler = None
        if pages is not None:
            chunks = list(chunks)
            assembler = Assembler(pages, functools.partial(_page_drawings, chunks), len(chunks))
        batch_drawing: QrDrawing | None = None
        for page, chunk in enumerate(chunks):
            kept = None  # the drawings to store: those of serials, drawn by this run
            if job.kind == LabelJob.Kind.BATCH:
                batch_drawing = batch_drawing or _drawings(chunk[:1], 0)[0]
                drawings = [batch_drawing] * len(chunk)
            elif (stored := unpack(finished.get(page, b""), len(chunk))) is not None:
                drawings = stored
            else:
                drawings = kept = (
                    assembler.drawings(page) if assembler else _drawings(chunk, document.count)
                )
            document.add([label for label, _uri in chunk], drawings)
            if kept is not None or document.count > resumed:
                _finish_page(job, lease, page, kept, max(document.count, resumed))
            yield document.count
        buffer = io.BytesIO()
        document.write(buffer)
        job.file.save(f"{job.pk}.pdf", ContentFile(buffer.getvalue()), save=False)
        with transaction.atomic():
            jobs.update(
                status=LabelJob.Status.DONE,
                file=job.file.name,
                progress=document.count,
                leased_until=None,
                finished_at=timezone.now(),
            )
            LabelJobPage.objects.filter(job=job).delete()
    except LeaseLost:
        logger.warning("label job %s: taken over by another run, this one stops", job.pk)
    except Exception as error:
        logger.exception("label job %s failed", job.pk)
        jobs.update(
            status=LabelJob.Status.FAILED,
            error=_message(error),
            leased_until=None,
            finished_at=timezone.now(),
        )
    finally:
        if pages is not None:
            pages.close()


def help_render(job_id: str, run: str, *, actor: Actor) -> int:
    """Draw the pages of the job's run that nobody claimed yet, until none is left
    or the run ends; return how many this call drew.

    A page it cannot draw is handed to the assembler as a failure, which fails
    the job with the message; a job not running, or another run, is left alone.
    """
    require(actor, can_render_labels(actor), PLATFORM_ONLY)
    pages = SharedPages(job_id, run)
    job = (
        LabelJob.objects.select_related("batch__variant__product", "batch__seller", "batch__farm")
        .filter(pk=job_id, status=LabelJob.Status.RUNNING)
        .first()
    )
    if job is None or not pages.is_open():
        return 0
    drawn = 0
    finished = job.progress // CHUNK  # stored by an earlier run: the assembler has them
    for page, chunk in enumerate(_chunks(job)):
        if not pages.is_open():
            break
        if page < finished or not pages.claim(page):
            continue
        try:
            pages.put(page, _drawings(chunk, page * CHUNK))
        except Exception as error:
            logger.exception("label job %s: page %d failed", job_id, page + 1)
            pages.put_failure(page, _message(error))
            break
        drawn += 1
    return drawn


def run_label_job(job_id: str, *, actor: Actor) -> LabelJob | None:
    """Render the job to the end; return it as stored then (None if it is gone)."""
    for _progress in render_steps(job_id, actor=actor):
        pass
    return LabelJob.objects.filter(pk=job_id).first()


def retry_label_job(*, actor: Actor, job: LabelJob) -> LabelJob:
    """Queue a failed job again, for whoever may order it; it resumes after its
    last finished page. Only a failed job can be retried."""
    require(actor, can_manage_batches(actor, job.seller), _("You do not manage this seller."))
    with transaction.atomic():
        requeued = LabelJob.objects.filter(pk=job.pk, status=LabelJob.Status.FAILED).update(
            status=LabelJob.Status.QUEUED,
            error="",
            lease="",
            leased_until=None,
            attempts=0,
            finished_at=None,
        )
        if not requeued:
            raise DomainError(Code.INVALID, _("Only a failed label sheet can be retried."), "job")
        transaction.on_commit(lambda: tasks.render_label_job.delay(str(job.pk)))
    job.refresh_from_db()
    return job


def fail_stuck_jobs(*, actor: Actor) -> int:
    """Fail, with the reason, the running jobs whose worker stopped: the lease ran
    out LABEL_JOB_STUCK_SECONDS ago and no run took them back, or it ran out
    after their last attempt. Return how many; the beat runs it."""
    require(actor, can_render_labels(actor), PLATFORM_ONLY)
    bound = _database_now(-settings.LABEL_JOB_STUCK_SECONDS)
    stuck = LabelJob.objects.filter(status=LabelJob.Status.RUNNING).filter(
        Q(leased_until__lt=bound)
        | Q(leased_until__lt=Now(), attempts__gte=settings.LABEL_JOB_MAX_ATTEMPTS)
        | Q(leased_until__isnull=True, created_at__lt=bound)  # running before leases
    )
    return stuck.update(status=LabelJob.Status.FAILED, error=STOPPED, finished_at=Now())

"""Background work of traceability: thin wrappers around its services, acting as
the system (`SYSTEM`), whose rights `traceability.policies` names. Each may run
twice (shop/core/tasks.py) and ends as if it ran once."""

from django.core.cache import cache

from shop.core.roles import SYSTEM
from shop.core.tasks import durable_task
from traceability.services import audit, labels, scans, signing, witnesses


@durable_task(idempotent=True, bind=True, max_retries=None)
def render_label_job(self, job_id: str) -> str | None:  # type: ignore[no-untyped-def]
    """Render a label sheet job (`labels.render_steps`); return its final status.

    A no-op for a job already finished or deleted, so a redelivery is harmless;
    while another run holds the job, it tries again when that run's lease ends
    (that run's worker may have died).
    """
    try:
        job = labels.run_label_job(job_id, actor=SYSTEM)
    except labels.LabelJobBusy as busy:
        raise self.retry(countdown=busy.seconds + 1) from busy
    return job.status if job else None


@durable_task(idempotent=True)
def help_render_label_job(job_id: str, run: str) -> int:
    """Draw pages of QR codes for a label job another worker is rendering
    (`labels.help_render`); return how many. A no-op once the job is done."""
    return labels.help_render(job_id, run, actor=SYSTEM)


@durable_task(idempotent=True)
def fail_stuck_label_jobs() -> int:
    """Fail the label jobs whose worker stopped and that no worker took back, with
    the reason (Celery beat runs it every minute); return how many."""
    return labels.fail_stuck_jobs(actor=SYSTEM)


@durable_task(idempotent=True)
def delete_old_label_sheets() -> int:
    """Delete label sheet PDFs past their retention (Celery beat, daily); return how many."""
    return labels.delete_old_sheets(actor=SYSTEM)


@durable_task(idempotent=True)
def sign_trace_checkpoint() -> int | None:
    """Sign a checkpoint of the trace log if it grew, then ask the witnesses to
    cosign it (after each recorded event, and by the beat); return its size, or
    None when the signer refused (its alert says why)."""
    checkpoint = signing.sign_checkpoint(actor=SYSTEM)
    if checkpoint is None:
        return None
    witnesses.ask_all(actor=SYSTEM)
    return checkpoint.size


# A burst of recorded events is signed by one task, this long after the first.
SIGN_DELAY_SECONDS = 2
SIGN_PENDING = "traceability:sign-pending"


def sign_soon() -> None:
    """After a recorded event commits: have the log checkpointed within seconds, one
    task for a burst of events (publishing a task per event cost a recording more
    than the log itself). Without a broker, at once; with the cache unreachable
    (and so, likely, the broker) the beat signs instead."""
    if sign_trace_checkpoint.app.conf.task_always_eager:  # runs here and now: nothing to spare
        sign_trace_checkpoint.delay()
    elif cache.add(SIGN_PENDING, True, timeout=SIGN_DELAY_SECONDS):
        sign_trace_checkpoint.apply_async(countdown=SIGN_DELAY_SECONDS)


@durable_task(idempotent=True)
def audit_trace_records() -> int:
    """Re-verify every batch's record and the whole log (Celery beat, every few
    minutes); return how many batches' verdicts changed."""
    return audit.audit(actor=SYSTEM)


@durable_task(idempotent=True)
def flush_scans() -> int:
    """Insert the scans buffered since the last run and flag serials (Celery beat
    runs it every 30 s); return how many were inserted."""
    return scans.flush_scans(actor=SYSTEM)

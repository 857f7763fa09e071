"""Background work of traceability: thin wrappers around its services, acting as
the system (`SYSTEM`), whose rights `traceability.policies` names."""

from celery import shared_task

from shop.core.roles import SYSTEM
from traceability.services import labels, scans, verification


@shared_task
def render_label_job(job_id: str) -> str | None:
    """Render a label sheet job (`labels.render_steps`); return its final status.

    A no-op for a job already finished or deleted, so a redelivery is harmless.
    """
    job = labels.run_label_job(job_id, actor=SYSTEM)
    return job.status if job else None


@shared_task
def help_render_label_job(job_id: str, run: str) -> int:
    """Draw pages of QR codes for a label job another worker is rendering
    (`labels.help_render`); return how many. A no-op once the job is done."""
    return labels.help_render(job_id, run, actor=SYSTEM)


@shared_task
def sign_trace_checkpoint() -> str | None:
    """Sign the head of every trace chain if an event came since the last checkpoint
    (Celery beat runs it); return the time of the newest checkpoint."""
    checkpoint = verification.refresh_checkpoint(actor=SYSTEM)
    return checkpoint.signed_at.isoformat() if checkpoint else None


@shared_task
def flush_scans() -> int:
    """Insert the scans buffered since the last run and flag serials (Celery beat
    runs it every 30 s); return how many were inserted."""
    return scans.flush_scans(actor=SYSTEM)

"""Where background work runs and how it is delivered, decided in one place.

With a broker (`CELERY_BROKER_URL`), tasks go to workers and Celery beat runs
the periodic ones (signing trace checkpoints, inserting buffered scans).
Without one (the embedded default) tasks run eagerly in the web process and
nothing runs beat, so the write that calls for periodic work runs it itself,
once that write has committed. Reads never do it: no GET writes.

The delivery rule: no work is lost when a worker dies. A task is
acknowledged only after it ran (`CELERY_TASK_ACKS_LATE`), and a task whose
worker process died under it is requeued (`CELERY_TASK_REJECT_ON_WORKER_LOST`);
when the whole worker dies, the broker hands its unacknowledged tasks out
again after `CELERY_VISIBILITY_TIMEOUT_SECONDS`. So a task may run twice, even
at once, and must be idempotent. Every task is declared with `durable_task`,
which makes its author say whether it is (a test checks that every task of
the project is); long work keeps its own progress and a lease so a repeat
resumes it instead of doing it again (`traceability.services.labels`).
"""

from collections.abc import Callable
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import transaction


class DurableTask(Task):
    """The base of every task of the project: `durable_task` sets `idempotent`."""

    idempotent: bool | None = None


def durable_task(*, idempotent: bool, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare a Celery task under the delivery rule (this module's docstring).

    `idempotent` has no default, so no task is declared without saying it.
    True: the task may run again after its worker died, or twice at once, and
    must end as if it ran once (check what is done, lock or lease what is
    doing). False, for work that must not be repeated blindly (a text message
    to a buyer): it is acknowledged when received, so it runs at most once
    and is lost with a worker that dies; whatever must still happen then
    needs a sweep that finds it. Other `options` go to `shared_task`.
    """
    delivery = {} if idempotent else {"acks_late": False, "reject_on_worker_lost": False}
    return shared_task(base=DurableTask, idempotent=idempotent, **delivery, **options)


def runs_without_beat() -> bool:
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


def after_write_without_beat(task: Any, *args: Any) -> None:
    """Run `task` (a beat's periodic task) after this write commits when no beat
    runs; with a broker, do nothing: the beat will. A failure is logged, never
    raised into the write that already committed."""
    if not runs_without_beat():
        return

    def run_task() -> None:
        task.delay(*args)

    transaction.on_commit(run_task, robust=True)

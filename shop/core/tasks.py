"""Where background work runs, decided in one place.

With a broker (`CELERY_BROKER_URL`), tasks go to workers and Celery beat runs
the periodic ones (signing trace checkpoints, inserting buffered scans).
Without one (the embedded default) tasks run eagerly in the web process and
nothing runs beat, so the write that calls for periodic work runs it itself,
once that write has committed. Reads never do it: no GET writes.
"""

from typing import Any

from django.conf import settings
from django.db import transaction


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

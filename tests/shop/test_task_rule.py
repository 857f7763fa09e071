"""The delivery rule of every task (shop/core/tasks.py): acknowledged late, requeued
when its worker dies, redelivered by Redis within the visibility timeout, and
declared idempotent or not by its author."""

import pytest
from celery import Task

from shop.celery import app as celery_app
from shop.core.tasks import DurableTask, durable_task

PROJECT = ("shop.", "catalog.", "traceability.", "certification.", "logistics.", "storefront.")


def project_tasks():
    celery_app.loader.import_default_modules()  # autodiscover every app's tasks
    return {name: task for name, task in celery_app.tasks.items() if name.startswith(PROJECT)}


def test_every_task_is_acknowledged_late_and_requeued_when_its_worker_dies(settings):
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    timeout = conf.broker_transport_options["visibility_timeout"]
    assert timeout == settings.CELERY_VISIBILITY_TIMEOUT_SECONDS
    assert settings.LABEL_JOB_LEASE_SECONDS < timeout < 3600  # far below Redis's hour


def test_every_task_of_the_project_says_whether_it_is_idempotent():
    tasks = project_tasks()
    assert (
        "traceability.tasks.render_label_job" in tasks and "catalog.tasks.make_thumbnails" in tasks
    )
    for name, task in tasks.items():
        assert isinstance(task, DurableTask), f"{name} is not declared with durable_task"
        assert task.idempotent in (True, False), f"{name} does not say whether it can run twice"
        assert task.acks_late is task.reject_on_worker_lost is task.idempotent, name


def test_a_task_is_not_declared_without_saying_whether_it_can_run_twice():
    with pytest.raises(TypeError, match="idempotent"):
        durable_task()


def test_a_task_that_must_not_run_twice_runs_at_most_once():
    @durable_task(idempotent=False, name="tests.send_text_once")
    def send_text_once():
        return "sent"

    task = celery_app.tasks["tests.send_text_once"]
    assert isinstance(task, Task) and task.idempotent is False
    assert (task.acks_late, task.reject_on_worker_lost) == (False, False)
    assert send_text_once.delay().get() == "sent"

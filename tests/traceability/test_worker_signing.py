"""With a broker, a real worker checkpoints recorded steps within seconds, one
task for a burst of them.

Threat: a step that stays unsigned for long is a step an insider can remove
unseen (only its receipt would show it). Property: the log is signed within
seconds of the commit; a burst of steps costs one task, not one each."""

import time

import pytest
from django.core.cache import cache

from tests.helpers.events import at, harvest, observe
from tests.helpers.pdf_tools import label_worker
from traceability import tasks
from traceability.services import log, signing, verification


@pytest.mark.celery_worker
def test_a_real_worker_signs_a_burst_of_steps_within_seconds(
    transactional_db, settings, seller_user, batch, tmp_path
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.delete(tasks.SIGN_PENDING)
    with label_worker(tmp_path, name="signer-test") as worker:
        harvest(seller_user, batch)
        for day in (1, 2, 3):
            observe(seller_user, batch, event_time=at(day))
        recorded, size = time.monotonic(), log.leaf_count()
        newest = None
        while time.monotonic() < recorded + 30:
            newest = signing.newest_checkpoint()
            if newest is not None and newest.size == size:
                break
            time.sleep(0.2)
        waited = time.monotonic() - recorded
        worker_log = worker.log.read_text(errors="replace")
    assert newest is not None and newest.size == size, worker_log
    assert waited < 15, worker_log
    assert worker_log.count("traceability.tasks.sign_trace_checkpoint[") == 2, worker_log
    assert verification.verify_batch(batch).checkpoint_at == newest.signed_at

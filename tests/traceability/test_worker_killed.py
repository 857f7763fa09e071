"""A real Celery worker killed (SIGKILL, with its forked child) in the middle of a
label job, through Redis and PostgreSQL: a new worker takes the job back from
the broker within seconds, not Redis's default hour, and resumes it; with no
worker back, the beat fails it with the reason and the farmer retries it."""

import os
import re
import signal
import time
from html import unescape

import pytest

from tests.helpers.pdf_tools import decode_page, label_worker, pdf_text, pdfinfo_pages
from tests.helpers.workbench import browser
from traceability import tasks
from traceability.models import LabelJob
from traceability.services import batches as services
from traceability.services import labels as label_jobs

pytestmark = pytest.mark.celery_worker

HOST = "https://shancun.example"
COUNT = 960  # labels per serial: 40 pages, several seconds of drawing
VISIBILITY_SECONDS = 4  # the broker hands out a dead worker's task again after this
LEASE_SECONDS = 2
# The workers' delivery and lease, short so that the test waits seconds.
FAST = {
    "CELERY_VISIBILITY_TIMEOUT_SECONDS": str(VISIBILITY_SECONDS),
    "LABEL_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
}
DEADLINE_SECONDS = 120


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = HOST


def _state(job):
    return LabelJob.objects.values_list("status", "progress").get(pk=job.pk)


def wait_for(job, worker, done, what):
    """Poll the job until `done(status, progress)`; return every state seen."""
    seen = [_state(job)]
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not done(*seen[-1]):
        assert worker.poll() is None, worker.log.read_text(errors="replace")
        assert time.monotonic() < deadline, f"{what}: {seen[-5:]}\n" + worker.log.read_text(
            errors="replace"
        )
        time.sleep(0.01)
        seen.append(_state(job))
    return seen


def group_gone(group, seconds=10):
    """Whether every process of the group has gone (a dead child is reaped by init)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def kill_midway(job, worker):
    """SIGKILL the worker's whole process group once some pages, not all, are done."""
    wait_for(job, worker, lambda status, progress: 0 < progress < COUNT, "no progress")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    killed_at = time.monotonic()
    assert group_gone(worker.pid)  # the forked child too
    status, progress = _state(job)
    assert status == "running" and 0 < progress < COUNT
    return killed_at, progress


def assert_every_serial_once(job, batch, tmp_path, page):
    """The PDF has COUNT labels, each serial's once; page `page` and the last scan."""
    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == ("done", COUNT, "")
    path = job.file.path
    assert pdfinfo_pages(path) == COUNT // 24
    text = pdf_text(path)
    serials = list(batch.serials.select_related("batch__variant").order_by("id"))
    assert len(serials) == COUNT
    # Each label prints its serial, as the serial's page shows it.
    assert [s.serial for s in serials if text.count(s.serial) != 1] == []
    links = [serial.digital_link() for serial in serials]
    for number in (page, COUNT // 24):
        assert decode_page(path, number, tmp_path) == sorted(links[(number - 1) * 24 : number * 24])


@pytest.fixture
def serials(transactional_db, seller_user, batch):
    services.generate_serials(actor=seller_user, batch=batch, count=COUNT)


def test_a_job_whose_worker_is_killed_resumes_on_a_new_worker(
    serials, seller_user, batch, tmp_path
):
    with label_worker(tmp_path, name="labels-killed", pool="prefork", env=FAST) as first:
        job = label_jobs.create_label_job(actor=seller_user, batch=batch, kind="serials")
        killed_at, at_kill = kill_midway(job, first)

    # The task is unacknowledged in Redis: it comes back once the visibility timeout has
    # passed since it was delivered (before the kill), to the worker started then.
    time.sleep(max(0.0, killed_at + VISIBILITY_SECONDS + 0.5 - time.monotonic()))
    with label_worker(tmp_path, name="labels-restarted", purge=False, env=FAST) as second:
        seen = wait_for(job, second, lambda status, _progress: status != "running", "not done")
        log = second.log.read_text(errors="replace")

    assert time.monotonic() - killed_at < 60  # far below the transport's default hour
    progress = [p for _status, p in seen]
    assert progress == sorted(progress) and progress[0] >= at_kill  # resumed, not restarted
    assert "Traceback" not in log
    assert LabelJob.objects.get(pk=job.pk).attempts == 2
    assert_every_serial_once(job, batch, tmp_path, page=at_kill // 24 + 1)


def test_a_job_no_worker_takes_back_fails_with_the_reason_and_the_farmer_retries_it(
    serials, seller, seller_user, batch, tmp_path, settings
):
    settings.LABEL_JOB_STUCK_SECONDS = 1
    with label_worker(tmp_path, name="labels-lost", pool="prefork", env=FAST) as first:
        job = label_jobs.create_label_job(actor=seller_user, batch=batch, kind="serials")
        killed_at, at_kill = kill_midway(job, first)

    assert tasks.fail_stuck_label_jobs() == 0  # the lease still runs
    time.sleep(max(0.0, killed_at + LEASE_SECONDS + 1.5 - time.monotonic()))
    assert tasks.fail_stuck_label_jobs() == 1  # what the beat runs every minute
    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == ("failed", at_kill, label_jobs.STOPPED)

    farmer = browser(seller_user)
    url = f"/shop/{seller.pk}/labels/{job.pk}/"
    page = unescape(farmer.get(url).content.decode())
    assert f"Reason: {label_jobs.STOPPED}" in page
    assert re.search(rf'<form method="post" action="{url}retry/">', page)

    with label_worker(tmp_path, name="labels-back", purge=False, env=FAST) as second:
        response = farmer.post(f"{url}retry/")
        assert response.status_code == 302 and response["Location"] == url
        seen = wait_for(job, second, lambda status, _progress: status == "done", "not done")
        log = second.log.read_text(errors="replace")

    assert min(p for _status, p in seen) >= at_kill  # from its last finished page
    assert "Traceback" not in log
    assert_every_serial_once(job, batch, tmp_path, page=at_kill // 24 + 1)
    assert 'href="/labels/' in farmer.get(url).content.decode()

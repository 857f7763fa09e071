"""Label jobs survive the worker that dies under them (traceability/services/labels.py):
a run leases the job, stores each finished page, and a run taking the job over
resumes after the last one; a job nobody takes back fails with the reason and is
retried from its page (labelJobRetry, the job page), as every role."""

import datetime
import re
from html import unescape

import pytest
from django.utils import timezone

from shop.core.roles import SYSTEM
from tests.helpers.pdf_tools import decode_page, pdf_text, pdfinfo_pages
from tests.helpers.users import ROLES
from tests.helpers.workbench import browser
from traceability import tasks
from traceability.models import LabelJob, LabelJobPage
from traceability.services import batches as services
from traceability.services import labels as label_jobs

HOST = "https://shancun.example"
MANAGERS = ("seller", "operator")
RETRY = """
mutation($job: ID!) {
  labelJobRetry(job: $job) {
    job { id status progress error }
    errors { field code message }
  }
}"""


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = HOST


@pytest.fixture
def serials_job(seller_user, batch):
    """A queued job of 60 labels per serial: pages of 24, 24 and 12."""
    services.generate_serials(actor=seller_user, batch=batch, count=60)
    return label_jobs.create_label_job(
        actor=seller_user, batch=batch, kind="serials", enqueue=False
    )


def die_after(job, pages):
    """Render `pages` pages of `job` and stop as a killed worker does: running, leased."""
    steps = label_jobs.render_steps(str(job.pk), actor=SYSTEM)
    for _page in range(pages):
        next(steps)
    return steps


def expire_lease(job, ago=1):
    LabelJob.objects.filter(pk=job.pk).update(
        leased_until=timezone.now() - datetime.timedelta(seconds=ago)
    )


def counting_drawings(monkeypatch):
    drawn = []
    draw = label_jobs.qr_drawing

    def count(uri):
        drawn.append(uri)
        return draw(uri)

    monkeypatch.setattr(label_jobs, "qr_drawing", count)
    return drawn


def assert_every_serial_once(job, batch, tmp_path):
    """The sheet has each serial's label once: its serial in the text, its link in a QR code."""
    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == (LabelJob.Status.DONE, job.count, "")
    path = job.file.path
    assert pdfinfo_pages(path) == -(-job.count // 24)
    text = pdf_text(path)
    serials = list(batch.serials.select_related("batch__variant").order_by("id"))
    assert [text.count(serial.serial) for serial in serials] == [1] * job.count
    links = [serial.digital_link() for serial in serials]
    assert decode_page(path, 1, tmp_path) == sorted(links[:24])
    last = pdfinfo_pages(path)
    assert decode_page(path, last, tmp_path) == sorted(links[(last - 1) * 24 :])
    assert not LabelJobPage.objects.filter(job=job).exists()  # kept only until done


def test_a_job_taken_over_resumes_after_its_last_finished_page(
    serials_job, batch, tmp_path, monkeypatch
):
    die_after(serials_job, 2)
    stored = LabelJob.objects.get(pk=serials_job.pk)
    assert (stored.status, stored.progress, stored.attempts) == ("running", 48, 1)
    assert stored.leased_until > timezone.now()
    assert list(LabelJobPage.objects.filter(job=serials_job).values_list("page", flat=True)) == [
        0,
        1,
    ]
    expire_lease(serials_job)
    drawn = counting_drawings(monkeypatch)

    seen = list(label_jobs.render_steps(str(serials_job.pk), actor=SYSTEM))

    assert seen == [24, 48, 60]
    assert len(drawn) == 12  # the last page only: the first two were stored
    assert LabelJob.objects.get(pk=serials_job.pk).attempts == 2
    assert_every_serial_once(serials_job, batch, tmp_path)


def test_a_stored_page_that_is_gone_or_damaged_is_drawn_again(
    serials_job, batch, tmp_path, monkeypatch
):
    die_after(serials_job, 2)
    LabelJobPage.objects.filter(job=serials_job, page=0).update(drawings=b"not zlib")
    expire_lease(serials_job)
    drawn = counting_drawings(monkeypatch)

    assert label_jobs.run_label_job(str(serials_job.pk), actor=SYSTEM).status == "done"

    assert len(drawn) == 24 + 12
    assert_every_serial_once(serials_job, batch, tmp_path)


def test_copies_of_the_batch_label_resume_too(seller_user, batch, tmp_path):
    job = label_jobs.create_label_job(
        actor=seller_user, batch=batch, kind="batch", copies=50, enqueue=False
    )
    die_after(job, 2)
    expire_lease(job)
    seen = []
    for drawn in label_jobs.render_steps(str(job.pk), actor=SYSTEM):
        seen.append((drawn, LabelJob.objects.get(pk=job.pk).progress))
    assert seen == [(24, 48), (48, 48), (50, 50)]  # the stored progress never goes back
    job.refresh_from_db()
    assert (job.status, job.progress) == ("done", 50)
    assert decode_page(job.file.path, 3, tmp_path) == [batch.digital_link()] * 2


def test_a_live_lease_keeps_another_run_out(serials_job):
    die_after(serials_job, 1)
    with pytest.raises(label_jobs.LabelJobBusy) as busy:
        label_jobs.run_label_job(str(serials_job.pk), actor=SYSTEM)
    assert 0 < busy.value.seconds <= 120
    stored = LabelJob.objects.get(pk=serials_job.pk)
    assert (stored.status, stored.progress, stored.attempts) == ("running", 24, 1)


def test_a_run_that_lost_its_lease_stops_and_leaves_the_job_to_the_new_one(
    serials_job, batch, tmp_path
):
    old = die_after(serials_job, 1)  # a worker that stalled, not died
    expire_lease(serials_job)
    new = label_jobs.render_steps(str(serials_job.pk), actor=SYSTEM)
    assert next(new) == 24

    assert list(old) == []  # its next page finds the lease taken: it stops, quietly

    stored = LabelJob.objects.get(pk=serials_job.pk)
    assert (stored.status, stored.error) == ("running", "")
    assert list(new) == [48, 60]
    assert_every_serial_once(serials_job, batch, tmp_path)


def test_a_job_taken_too_often_fails_with_the_reason(serials_job, settings):
    die_after(serials_job, 1)
    LabelJob.objects.filter(pk=serials_job.pk).update(attempts=settings.LABEL_JOB_MAX_ATTEMPTS)
    expire_lease(serials_job)

    assert label_jobs.run_label_job(str(serials_job.pk), actor=SYSTEM).status == "failed"

    stored = LabelJob.objects.get(pk=serials_job.pk)
    assert (stored.error, stored.progress) == (label_jobs.STOPPED, 24)
    assert stored.finished_at is not None


def test_the_beat_fails_the_jobs_no_worker_took_back(seller_user, batch, settings):
    settings.LABEL_JOB_STUCK_SECONDS = 60
    settings.LABEL_JOBS_AT_ONCE = 5
    jobs = {
        name: label_jobs.create_label_job(
            actor=seller_user, batch=batch, kind="batch", copies=30, enqueue=False
        )
        for name in ("long gone", "just expired", "out of attempts", "alive", "queued")
    }
    for name in ("long gone", "just expired", "out of attempts", "alive"):
        die_after(jobs[name], 1)
    expire_lease(jobs["long gone"], ago=61)
    expire_lease(jobs["just expired"], ago=5)
    expire_lease(jobs["out of attempts"], ago=5)
    LabelJob.objects.filter(pk=jobs["out of attempts"].pk).update(
        attempts=settings.LABEL_JOB_MAX_ATTEMPTS
    )

    assert tasks.fail_stuck_label_jobs() == 2

    shown = {
        name: LabelJob.objects.values_list("status", "error").get(pk=job.pk)
        for name, job in jobs.items()
    }
    assert shown == {
        "long gone": ("failed", label_jobs.STOPPED),
        "just expired": ("running", ""),
        "out of attempts": ("failed", label_jobs.STOPPED),
        "alive": ("running", ""),
        "queued": ("queued", ""),
    }
    assert tasks.fail_stuck_label_jobs() == 0


def stopped(job):
    """The job as the beat leaves it after its worker died on page 2."""
    die_after(job, 1)
    expire_lease(job, ago=3600)
    assert label_jobs.fail_stuck_jobs(actor=SYSTEM) == 1
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("role", ROLES)
def test_label_job_retry_as_every_role(
    client_as, serials_job, batch, role, tmp_path, django_capture_on_commit_callbacks
):
    job = stopped(serials_job)
    client = client_as(role)
    with django_capture_on_commit_callbacks(execute=True):
        status, body = client.post(RETRY, {"job": str(job.pk)})
    if role in MANAGERS:
        assert body["data"]["labelJobRetry"] == {
            "job": {"id": str(job.pk), "status": "QUEUED", "progress": 24, "error": None},
            "errors": [],
        }
        assert_every_serial_once(job, batch, tmp_path)  # the task ran after commit
        again = client.execute(RETRY, {"job": str(job.pk)})["labelJobRetry"]
        assert again["job"] is None
        assert [(e["field"], e["code"]) for e in again["errors"]] == [("job", "INVALID")]
        return
    assert status == 200
    assert body["data"] == {"labelJobRetry": None}
    expected = "UNAUTHENTICATED" if role == "anonymous" else "NOT_FOUND"
    assert [e["extensions"]["code"] for e in body["errors"]] == [expected]
    assert LabelJob.objects.values_list("status", "error").get(pk=job.pk) == (
        "failed",
        label_jobs.STOPPED,
    )


def test_label_job_retry_refuses_a_malformed_id(client_as):
    assert client_as("seller").error_code(RETRY, {"job": "nonsense"}) == "INVALID_ID"


def test_the_farmer_sees_why_and_retries_from_the_page(
    seller, seller_user, users_by_role, serials_job, batch, tmp_path,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    job = stopped(serials_job)
    page_url = f"/shop/{seller.pk}/labels/{job.pk}/"
    retry_url = f"{page_url}retry/"
    outsider = browser(users_by_role["other_seller"])
    assert outsider.post(retry_url).status_code == 403
    assert LabelJob.objects.get(pk=job.pk).status == "failed"

    farmer = browser(seller_user)
    page = unescape(farmer.get(page_url).content.decode())
    assert f"Reason: {label_jobs.STOPPED}" in page
    assert re.search(rf'<form method="post" action="{retry_url}">', page)
    assert "<button" in page and ">Retry</button>" in page
    chinese = browser(seller_user)
    chinese.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    assert "重试" in chinese.get(page_url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = farmer.post(retry_url)
    assert response.status_code == 302 and response["Location"] == page_url
    assert_every_serial_once(job, batch, tmp_path)
    done = farmer.get(page_url).content.decode()
    assert "The label sheet was queued again." in done
    assert f'href="/labels/{job.pk}/download/"' in done

    refused = unescape(farmer.post(retry_url).content.decode())  # done: nothing to retry
    assert "Only a failed label sheet can be retried." in refused

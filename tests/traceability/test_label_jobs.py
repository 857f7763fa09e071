"""Label sheet jobs (traceability/services/labels.py, the render task and the
print_labels command): real PDFs, read back with poppler and zbar."""

import io
import re
import time
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils import translation

from catalog.models import Product
from shop.core.errors import DomainError, NotAllowed
from shop.core.roles import SYSTEM
from tests.helpers.pdf_tools import decode_page, label_worker, pdf_text, pdfinfo_pages
from traceability import integrity
from traceability.errors import TraceabilityErrorCode as Code
from traceability.models import LabelJob
from traceability.services import batches as services
from traceability.services import labels as label_jobs
from traceability.tasks import render_label_job

HOST = "https://shancun.example"
DEADLINE_SECONDS = 60


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = HOST


def order(actor, batch, capture, kind="batch", copies=30):
    """Create a job as the API does and run what is queued after commit (eagerly)."""
    with capture(execute=True):
        job = label_jobs.create_label_job(actor=actor, batch=batch, kind=kind, copies=copies)
    assert job.status == LabelJob.Status.QUEUED  # as returned: the task ran after commit
    job.refresh_from_db()
    return job


def test_copies_of_the_batch_label_fill_pages_whose_qr_codes_scan(
    seller_user, batch, tmp_path, django_capture_on_commit_callbacks
):
    job = order(seller_user, batch, django_capture_on_commit_callbacks, copies=30)

    assert (job.status, job.progress, job.count, job.error) == (LabelJob.Status.DONE, 30, 30, "")
    assert job.finished_at is not None and job.created_by == seller_user
    path = job.file.path
    assert path == str(tmp_path / "private" / "labels" / f"{job.pk}.pdf")  # beside MEDIA_ROOT
    assert pdfinfo_pages(path) == 2  # ceil(30 / 24)
    link = batch.digital_link()
    assert link == f"{HOST}/t/{batch.code}"
    assert decode_page(path, 1, tmp_path) == [link] * 24
    assert decode_page(path, 2, tmp_path) == [link] * 6
    text = pdf_text(path)
    for needle in ("武功山紫米", "Wugong purple rice", "5 kg bag", "ZM2026-10A", "2026-10-08",
                   "2027-10-08", "武功山紫米合作社", "王龙潭村"):  # fmt: skip
        assert needle in text
    # Each page's foot: the fingerprint of the key its receipts and checkpoints are
    # signed with, as the key's page and the receipt check show it.
    fingerprint = integrity.public_key_document()["key_id"][:16]
    footer = (
        f"追溯日志密钥指纹 Trace log key fingerprint {' '.join(re.findall('....', fingerprint))}"
    )
    assert text.count(footer) == 2  # one a page


def test_one_label_per_serial_carries_each_serials_link(
    seller_user, batch, tmp_path, django_capture_on_commit_callbacks
):
    services.generate_serials(actor=seller_user, batch=batch, count=25)
    job = order(seller_user, batch, django_capture_on_commit_callbacks, kind="serials", copies=None)

    assert (job.status, job.count, job.progress) == (LabelJob.Status.DONE, 25, 25)
    assert pdfinfo_pages(job.file.path) == 2
    links = sorted(s.digital_link() for s in batch.serials.select_related("batch__variant"))
    scanned = decode_page(job.file.path, 1, tmp_path) + decode_page(job.file.path, 2, tmp_path)
    assert sorted(scanned) == links and len(set(links)) == 25
    text = pdf_text(job.file.path)
    assert all(serial.serial in text for serial in batch.serials.all())


def test_progress_is_stored_after_each_page(seller_user, batch):
    job = label_jobs.create_label_job(
        actor=seller_user, batch=batch, kind="batch", copies=50, enqueue=False
    )
    steps = label_jobs.render_steps(str(job.pk), actor=SYSTEM)
    seen = []
    for drawn in steps:
        stored = LabelJob.objects.values_list("status", "progress").get(pk=job.pk)
        seen.append((drawn, stored))
    assert seen == [(24, ("running", 24)), (48, ("running", 48)), (50, ("running", 50))]
    job.refresh_from_db()
    assert (job.status, job.progress) == (LabelJob.Status.DONE, 50)
    assert pdfinfo_pages(job.file.path) == 3


def test_a_label_that_cannot_be_drawn_fails_the_job_with_a_message(
    seller_user, batch, django_capture_on_commit_callbacks
):
    # The label font has no emoji: the sheet would print an empty box.
    Product.objects.update(name=Concat("name", Value("🍚")))
    job = order(seller_user, batch, django_capture_on_commit_callbacks, copies=3)

    assert job.status == LabelJob.Status.FAILED
    assert "no glyph" in job.error and "label 1" in job.error
    assert job.finished_at is not None and not job.file
    # Finished: running it again changes nothing.
    assert render_label_job.delay(str(job.pk)).get() == "failed"
    assert render_label_job.delay(str(uuid.uuid4())).get() is None


@pytest.mark.parametrize(
    ("kind", "copies", "field", "code"),
    [
        ("batch", 0, "copies", Code.INVALID_COUNT),
        ("batch", 10_001, "copies", Code.INVALID_COUNT),
        ("batch", None, "copies", Code.INVALID_COUNT),
        ("batch", "3", "copies", Code.INVALID_COUNT),
        ("batch", True, "copies", Code.INVALID_COUNT),
        ("serials", None, "kind", Code.INVALID_COUNT),  # the batch has no serials
        ("serials", 5, "copies", Code.INVALID),
        ("sticker", 5, "kind", Code.INVALID),
    ],
)
def test_bad_orders_are_coded_errors_and_write_nothing(
    seller_user, batch, kind, copies, field, code
):
    with pytest.raises(DomainError) as raised:
        label_jobs.create_label_job(actor=seller_user, batch=batch, kind=kind, copies=copies)
    assert [(e.field, e.code) for e in raised.value.errors] == [(field, code)]
    assert not LabelJob.objects.exists()


def test_only_the_sellers_members_and_operators_order_labels(
    batch, other_seller_user, customer, operator, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import AnonymousUser

    for outsider in (other_seller_user, customer, AnonymousUser()):
        with pytest.raises(NotAllowed):
            label_jobs.create_label_job(actor=outsider, batch=batch, kind="batch", copies=1)
    assert not LabelJob.objects.exists()
    job = order(operator, batch, django_capture_on_commit_callbacks, copies=1)
    assert job.status == LabelJob.Status.DONE and job.seller_id == batch.seller_id


def test_the_sheet_is_stored_outside_media_root_and_has_no_url(
    seller_user, batch, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "elsewhere"
    job = order(seller_user, batch, django_capture_on_commit_callbacks, copies=1)
    assert job.file.path == str(tmp_path / "elsewhere" / job.file.name)
    assert not job.file.path.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError, match="no URL"):
        job.file.url  # noqa: B018 - the property is what is tested


def test_print_labels_writes_the_pdf_with_a_progress_bar(seller_user, operator, batch, tmp_path):
    output = tmp_path / "out.pdf"
    err, out = io.StringIO(), io.StringIO()
    call_command(
        "print_labels", "--batch", batch.code.lower(), "--copies", "30", "--output", str(output),
        stdout=out, stderr=err,
    )  # fmt: skip
    assert pdfinfo_pages(output) == 2
    job = LabelJob.objects.get()
    assert (job.status, job.progress, job.created_by) == ("done", 30, operator)
    assert output.read_bytes() == job.file.open("rb").read()
    bar = err.getvalue()
    assert "100%" in bar and "30/30" in bar and "24/30" in bar and "\r" in bar
    assert str(job.pk) in out.getvalue()


def test_print_labels_acts_as_the_user_given(seller_user, other_seller_user, batch):
    services.generate_serials(actor=seller_user, batch=batch, count=3)
    call_command(
        "print_labels", "--batch", batch.code, "--serials", "--user", "13800138002",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    job = LabelJob.objects.get()
    assert (job.kind, job.count, job.created_by, job.status) == ("serials", 3, seller_user, "done")
    with translation.override("en"), pytest.raises(CommandError, match="do not manage"):
        call_command(
            "print_labels", "--batch", batch.code, "--copies", "2", "--user", "13800138003",
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
    with translation.override("en"), pytest.raises(CommandError, match="between 1 and"):
        call_command("print_labels", "--batch", batch.code, "--copies", "0",
                     "--user", "13800138002", stderr=io.StringIO())  # fmt: skip
    with translation.override("en"), pytest.raises(CommandError, match="No batch"):
        call_command("print_labels", "--batch", "NOPE", "--copies", "1", stderr=io.StringIO())
    assert LabelJob.objects.count() == 1


@pytest.mark.celery_worker
def test_a_real_worker_renders_the_job_and_the_progress_moves(
    transactional_db, seller_user, batch, tmp_path
):
    """Through Redis to a `celery worker` process sharing the PostgreSQL database."""
    with label_worker(tmp_path) as worker:
        job = label_jobs.create_label_job(actor=seller_user, batch=batch, kind="batch", copies=200)
        seen = []
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not seen or seen[-1][0] in ("queued", "running"):
            assert worker.poll() is None, worker.log.read_text(errors="replace")
            assert time.monotonic() < deadline, worker.log.read_text(errors="replace")
            seen.append(LabelJob.objects.values_list("status", "progress").get(pk=job.pk))
            time.sleep(0.01)
        log = worker.log.read_text(errors="replace")
    assert seen[-1] == ("done", 200), log
    assert any(status == "running" and 0 < progress < 200 for status, progress in seen), seen
    job.refresh_from_db()
    assert pdfinfo_pages(job.file.path) == 9  # ceil(200 / 24)
    assert decode_page(job.file.path, 9, tmp_path) == [batch.digital_link()] * 8
    assert "Traceback" not in log

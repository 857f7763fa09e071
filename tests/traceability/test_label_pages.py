"""A label job per serial shared between workers (traceability/label_pages.py and
label_jobs.help_render): pages claimed once, handed over through the cache,
failures passed on; and two real workers rendering one job together."""

import re
import time

import pytest

from gs1.labels import qr_drawing
from shop.core.roles import SYSTEM
from tests.helpers.pdf_tools import decode_page, label_worker, pdfinfo_pages
from tests.helpers.services import skip_unless
from traceability import label_pages
from traceability.label_pages import Assembler, PageFailed, SharedPages
from traceability.models import LabelJob
from traceability.services import batches
from traceability.services import labels as label_jobs

HOST = "https://shancun.example"
DEADLINE_SECONDS = 90
HELPED = re.compile(r"help_render_label_job\[[^\]]+\] succeeded in [\d.]+s: (\d+)")


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = HOST


def running_job(actor, batch, serials):
    """A job per serial marked running, as the render task leaves it before drawing."""
    batches.generate_serials(actor=actor, batch=batch, count=serials)
    job = label_jobs.create_label_job(actor=actor, batch=batch, kind="serials", enqueue=False)
    LabelJob.objects.filter(pk=job.pk).update(status=LabelJob.Status.RUNNING)
    return str(job.pk)


def links(batch):
    return [serial.digital_link() for serial in batch.serials.select_related("batch__variant")
            .order_by("id")]  # fmt: skip


def not_drawn_here(page):
    raise AssertionError(f"page {page}, which a helper drew, was drawn again")


def test_a_helper_draws_the_pages_the_assembler_then_takes(seller_user, batch):
    job_id = running_job(seller_user, batch, serials=60)  # pages of 24, 24 and 12
    pages = SharedPages.open(job_id)

    assert label_jobs.help_render(job_id, pages.run, actor=SYSTEM) == 3
    uris = links(batch)
    assembler = Assembler(pages, not_drawn_here, 3)
    for page in range(3):
        expected = [qr_drawing(uri) for uri in uris[page * 24 : (page + 1) * 24]]
        assert assembler.drawings(page) == expected
    # Every page is claimed: a second helper has nothing left to do.
    assert label_jobs.help_render(job_id, pages.run, actor=SYSTEM) == 0


def test_helpers_leave_another_run_and_a_closed_one_alone(seller_user, batch):
    job_id = running_job(seller_user, batch, serials=30)
    stale = SharedPages.open(job_id)
    current = SharedPages.open(job_id)  # the job was taken again
    assert label_jobs.help_render(job_id, stale.run, actor=SYSTEM) == 0
    current.close()
    assert label_jobs.help_render(job_id, current.run, actor=SYSTEM) == 0
    assert current.claim(0) and stale.claim(0)  # nothing was claimed


def test_a_page_a_helper_cannot_draw_fails_with_the_labels_message(seller_user, batch, settings):
    job_id = running_job(seller_user, batch, serials=30)
    settings.PUBLIC_BASE_URL = HOST + "/" + "p" * 300  # every URI too long for a label QR
    pages = SharedPages.open(job_id)

    assert label_jobs.help_render(job_id, pages.run, actor=SYSTEM) == 0
    with pytest.raises(PageFailed) as raised:
        Assembler(pages, not_drawn_here, 2).drawings(0)
    assert "label 1 (lot 'ZM2026-10A'" in str(raised.value)
    assert "at most 300" in str(raised.value)


def test_waiting_for_a_helper_the_assembler_draws_the_pages_ahead(monkeypatch):
    """A page claimed by a helper that never delivers: the free pages after it are
    drawn meanwhile, and the page itself once the wait is over."""
    monkeypatch.setattr(label_pages, "WAIT_SECONDS", 0.2)
    pages = SharedPages.open("job-of-a-dead-helper")
    assert pages.claim(0)  # the helper's claim
    drawn = []

    def draw(page):
        drawn.append(page)
        return [qr_drawing(f"{HOST}/t/PAGE{page}")]

    assembler = Assembler(pages, draw, 3)
    assert assembler.drawings(0) == [qr_drawing(f"{HOST}/t/PAGE0")]
    assert drawn == [1, 2, 0]
    assert assembler.drawings(1) == [qr_drawing(f"{HOST}/t/PAGE1")]
    assert assembler.drawings(2) == [qr_drawing(f"{HOST}/t/PAGE2")]
    assert drawn == [1, 2, 0]


def test_the_embedded_default_draws_every_page_itself(seller_user, batch):
    """Eager tasks and the per-process cache: no helper is queued, nothing shared."""
    assert not label_pages.can_share()
    job_id = running_job(seller_user, batch, serials=30)
    assert list(label_jobs.render_steps(job_id, actor=SYSTEM)) == [24, 30]
    assert LabelJob.objects.get(pk=job_id).status == LabelJob.Status.DONE


@pytest.mark.celery_worker
def test_two_real_workers_render_one_job_together(transactional_db, seller_user, batch, tmp_path):
    """Through Redis: one worker renders the job, the other draws pages for it."""
    skip_unless(label_pages.can_share(), "needs a cache the workers share: set CACHE_URL")
    batches.generate_serials(actor=seller_user, batch=batch, count=240)
    with (
        label_worker(tmp_path) as first,
        label_worker(tmp_path, name="labels-helper", purge=False) as second,
    ):
        job = label_jobs.create_label_job(actor=seller_user, batch=batch, kind="serials")
        seen = []
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not seen or seen[-1][0] in ("queued", "running"):
            assert first.poll() is None and second.poll() is None
            assert time.monotonic() < deadline, seen
            seen.append(LabelJob.objects.values_list("status", "progress").get(pk=job.pk))
            time.sleep(0.01)
        time.sleep(1)  # the helpers queued behind log their return
    log = first.log.read_text(errors="replace") + second.log.read_text(errors="replace")
    assert seen[-1] == ("done", 240), log
    assert any(status == "running" and 0 < progress < 240 for status, progress in seen), seen
    assert sum(int(drawn) for drawn in HELPED.findall(log)) > 0, log
    assert "Traceback" not in log
    job.refresh_from_db()
    uris = links(batch)
    assert pdfinfo_pages(job.file.path) == 10
    assert decode_page(job.file.path, 1, tmp_path) == sorted(uris[:24])
    assert decode_page(job.file.path, 10, tmp_path) == sorted(uris[216:])

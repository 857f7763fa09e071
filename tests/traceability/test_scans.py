"""Scans: buffered without a database write, inserted in bulk by `flush_scans`
(on the real Redis when CACHE_URL names one, else the embedded locmem buffer),
serials flagged once when scanned too often or far apart, and the notice."""

import itertools
import random
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from shop.core import cache_tags
from shop.core.roles import SYSTEM
from tests.helpers.batches import batch_fields
from tests.helpers.pdf_tools import label_worker
from tests.helpers.services import require_postgresql, run_at_once, skip_unless
from traceability import regions, tasks
from traceability.cache import batch_tag
from traceability.demo.scans import demo_scans
from traceability.models import Scan, SerialFlag
from traceability.scan_stats import scan_stats
from traceability.services import batches as services
from traceability.services import scans

NANCHANG, CHANGSHA, URUMQI = "36", "43", "65"


@pytest.fixture
def serials(seller_user, batch):
    services.generate_serials(actor=seller_user, batch=batch, count=3)
    return list(batch.serials.order_by("id"))


@pytest.fixture
def not_eager(settings):
    """As with a broker and a beat: only `flush_scans` writes scans."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


_clients = itertools.count(1)
# A full batch goes before a lone scan would (PUSH_SECONDS): the batch, not the clock, sent it.
PUSH_SECONDS_BELOW = scans.PUSH_SECONDS * 0.8


def scan(batch, serial=None, geo=None, times=1, network=None):
    """`times` resolves of the code, each from a client of its own unless `network`."""
    for _ in range(times):
        scans.record_scan(
            batch_id=batch.pk,
            serial_id=serial.pk if serial else None,
            geo=geo,
            network=network or f"198.51.100.{next(_clients) % 250}",
        )


def test_regions_are_the_34_provincial_divisions_with_distances():
    assert len(regions.REGIONS) == 34
    assert [r.code for r in regions.REGIONS] == sorted(r.code for r in regions.REGIONS)
    assert regions.clean_geo("36") == "36"
    assert regions.clean_geo("360100") == "36"  # Nanchang's city code: its province
    for bad in (None, "", "99", "3", "３６", "36x", "abcdef", " "):
        assert regions.clean_geo(bad) is None
    assert 250 < regions.distance_km(NANCHANG, CHANGSHA) < 350
    assert 2200 < regions.distance_km("11", "65") < 2600  # Beijing to Ürümqi
    assert regions.distance_km("31", "31") == 0


def test_region_names_follow_the_language():
    from django.utils import translation

    with translation.override("en"):
        assert regions.region_name("36") == "Jiangxi"
    with translation.override("zh-hans"):
        assert regions.region_name("36") == "江西省"
    assert regions.region_name(None) is None


def test_a_scan_reaches_the_database_only_when_flushed(not_eager, batch, serials):
    scan(batch, serials[0], geo="360323")
    scan(batch, geo="not a place")
    assert not Scan.objects.exists()
    assert scans.flush_scans(actor=SYSTEM) == 2
    stored = list(Scan.objects.order_by("id").values_list("batch_id", "serial_id", "region"))
    assert stored == [(batch.pk, serials[0].pk, "36"), (batch.pk, None, None)]
    assert scans.flush_scans(actor=SYSTEM) == 0  # drained


def test_flush_inserts_a_chunk_per_query(not_eager, batch, serials, monkeypatch):
    monkeypatch.setattr(scans, "FLUSH_CHUNK", 100)
    for i in range(250):
        scan(batch, serials[i % 3])
    with CaptureQueriesContext(connection) as queries:
        assert scans.flush_scans(actor=SYSTEM) == 250
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "traceability_scan"')]
    assert len(inserts) == 3
    assert len(queries) <= 3 * 8  # batches, serials, insert, and the flag rule's reads
    assert Scan.objects.count() == 250


def test_an_entry_of_a_batch_gone_or_a_serial_of_another_batch_is_dropped(
    not_eager, batch, serials, seller_user, variant, farm
):
    other = services.create_batch(
        actor=seller_user, variant=variant, farm=farm, **batch_fields(lot="ZM2026-10B")
    )
    scans.record_scan(batch_id=other.pk, serial_id=serials[0].pk, geo=None)
    scans.record_scan(batch_id=10**9, serial_id=None, geo=None)
    assert scans.flush_scans(actor=SYSTEM) == 1
    assert Scan.objects.values_list("batch_id", "serial_id").get() == (other.pk, None)


@pytest.mark.django_db(transaction=True)
def test_two_flushers_at_once_lose_and_double_nothing(
    not_eager, seller_user, batch, serials, monkeypatch
):
    require_postgresql()
    monkeypatch.setattr(scans, "FLUSH_CHUNK", 50)
    for i in range(1000):
        scans.record_scan(batch_id=batch.pk, serial_id=serials[i % 3].pk, geo=str(11 + i % 5))
    counted = run_at_once(lambda: scans.flush_scans(actor=SYSTEM), 3)
    assert sum(counted) == 1000
    assert Scan.objects.count() == 1000
    per_serial = Scan.objects.values_list("serial_id").annotate(n=Count("id")).order_by("serial")
    assert list(per_serial) == [(serials[0].pk, 334), (serials[1].pk, 333), (serials[2].pk, 333)]
    assert SerialFlag.objects.count() == 3  # each once, though both flushers saw them
    assert scans.flush_scans(actor=SYSTEM) == 0


def test_a_serial_scanned_too_often_is_flagged_once_and_shows_the_notice(not_eager, batch, serials):
    serial = serials[0]
    scan(batch, serial, geo=NANCHANG, times=scans.TOO_MANY_SCANS)
    scans.flush_scans(actor=SYSTEM)
    assert scans.notice_for(serial.pk) is None
    scan(batch, serial, geo=CHANGSHA)
    scans.flush_scans(actor=SYSTEM)
    notice = scans.notice_for(serial.pk)
    assert notice is not None
    assert (notice.first_region, notice.count_since, notice.reason) == (NANCHANG, 20, "too_many")
    assert (
        notice.first_scanned_at
        == Scan.objects.filter(serial=serial).earliest("scanned_at").scanned_at
    )
    scan(batch, serial, geo=URUMQI, times=3)
    scans.flush_scans(actor=SYSTEM)
    assert SerialFlag.objects.values_list("serial_id", "reason").get() == (serial.pk, "too_many")
    assert scans.notice_for(serials[1].pk) is None


def test_scans_in_regions_far_apart_flag_the_serial(not_eager, batch, serials):
    near, far = serials[0], serials[1]
    scan(batch, near, geo=NANCHANG)
    scan(batch, near, geo=CHANGSHA)  # ~290 km
    scan(batch, far, geo=NANCHANG)
    scan(batch, far)  # no place: never far
    scan(batch, far, geo=URUMQI)  # ~3,000 km
    scans.flush_scans(actor=SYSTEM)
    assert scans.notice_for(near.pk) is None
    notice = scans.notice_for(far.pk)
    assert (notice.first_region, notice.count_since, notice.reason) == (NANCHANG, 2, "far_apart")
    assert SerialFlag.objects.get().batch == batch


def test_the_notice_lags_until_the_flush_which_refreshes_it_and_its_pages(
    not_eager, batch, serials, django_capture_on_commit_callbacks
):
    serial = serials[0]
    scan(batch, serial, geo=NANCHANG)
    scan(batch, serial, geo=URUMQI, times=2)
    assert scans.notice_for(serial.pk) is None  # still in the buffer
    scans.flush_scans(actor=SYSTEM)
    assert scans.notice_for(serial.pk).count_since == 2  # the flag dropped the cached None
    scan(batch, serial, geo=URUMQI, times=2)
    assert scans.notice_for(serial.pk).count_since == 2  # cached until the next flush
    page = cache_tags.versions([batch_tag(batch.pk)])
    with django_capture_on_commit_callbacks(execute=True):
        scans.flush_scans(actor=SYSTEM)
    assert scans.notice_for(serial.pk).count_since == 4
    assert cache_tags.versions([batch_tag(batch.pk)]) != page  # its cached pages are stale


def test_the_embedded_default_flushes_when_a_scan_is_recorded(
    settings, batch, serials, django_capture_on_commit_callbacks
):
    """No beat runs without a broker: recording a scan inserts it; reads never write."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        scan(batch, serials[0], geo=NANCHANG)
    assert Scan.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=False):
        scan(batch, serials[0], geo=URUMQI)
    assert scans.notice_for(serials[0].pk) is None  # a read flushes nothing
    assert Scan.objects.count() == 1


def test_a_buffer_that_is_down_keeps_the_scan_and_fails_no_request(
    settings, batch, serials, caplog, django_capture_on_commit_callbacks
):
    settings.CACHES = {
        alias: {
            "BACKEND": "shop.core.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
        for alias in ("default", "limits")
    }
    settings.CELERY_TASK_ALWAYS_EAGER = True
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        scan(batch, serials[0], geo=NANCHANG)
    assert scans.notice_for(serials[0].pk) is None
    assert time.monotonic() - started < 5
    assert "scans kept in this process, 0 dropped" in caplog.text
    assert not Scan.objects.exists()


@pytest.mark.celery_worker
def test_a_real_worker_flushes_the_buffer(transactional_db, not_eager, batch, serials, tmp_path):
    skip_unless(scans._redis() is not None, "a worker shares the scan buffer only through Redis")
    scan(batch, serials[0], geo=NANCHANG, times=3)
    wait_until_buffered(3)  # this process sends them within PUSH_SECONDS
    with label_worker(tmp_path) as worker:
        inserted = tasks.flush_scans.delay().get(timeout=60)
        log = worker.log.read_text(errors="replace")
    assert inserted == 3, log
    assert Scan.objects.filter(serial=serials[0], region=NANCHANG).count() == 3


def buffered():
    """How many scans wait in the shared Redis buffer (not this process's own)."""
    return scans._redis().llen(cache.make_key(scans.BUFFER_KEY))


def wait_until_buffered(count, seconds=10):
    deadline = time.monotonic() + seconds
    while buffered() < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert buffered() == count


def redis_buffer():
    skip_unless(scans._redis() is not None, "the scan buffer is a Redis list only with CACHE_URL")
    scans._pending.send()
    scans._redis().delete(cache.make_key(scans.BUFFER_KEY))


def test_a_process_sends_its_scans_to_redis_a_batch_at_a_time(not_eager, settings, batch):
    redis_buffer()
    settings.SCAN_PUSH_BATCH = 3
    scan(batch, times=2)
    assert buffered() == 0  # still this process's
    scan(batch)
    wait_until_buffered(3, seconds=PUSH_SECONDS_BELOW)  # the third filled the batch: sent at once
    assert scans.flush_scans(actor=SYSTEM) == 3


def test_a_scan_waits_in_its_process_one_second_at_most(not_eager, settings, batch):
    redis_buffer()
    settings.SCAN_PUSH_BATCH = 1000
    scan(batch)
    started = time.monotonic()
    wait_until_buffered(1)
    assert time.monotonic() - started < scans.PUSH_SECONDS + 1
    scan(batch)
    assert scans.flush_scans(actor=SYSTEM) == 2  # the flush sends its own process's scans first


def test_demo_scans_are_mostly_near_the_seller_and_flag_two_serials(batch, serials):
    written = demo_scans([batch], count=300, rng=random.Random(12))
    assert written == Scan.objects.count() > 300
    home = Scan.objects.filter(region="36").count()
    assert home > written / 2
    serial_regions = (
        Scan.objects.exclude(region=None).exclude(serial=None).values_list("region", flat=True)
    )
    assert {"36", "65"} <= set(serial_regions)  # the travelled serial
    assert sorted(SerialFlag.objects.values_list("reason", flat=True)) == ["far_apart", "too_many"]
    assert scan_stats(batch).flagged_count == 2


def test_a_chunk_whose_flush_died_is_flushed_again(not_eager, batch, serials, monkeypatch):
    """Threat: a worker killed between taking scans out of Redis and committing
    them. Property: its claimed chunk goes back to the buffer; no scan is lost."""
    redis_buffer()
    scan(batch, serials[0], geo=NANCHANG, times=3)
    scans._pending.send()
    claim, chunk = scans._claim(scans.FLUSH_CHUNK)  # a flush that then died
    assert len(chunk) == 3 and buffered() == 0
    assert scans.flush_scans(actor=SYSTEM) == 0  # its claim is still young
    monkeypatch.setattr(scans, "CLAIM_SECONDS", 0)
    assert scans.flush_scans(actor=SYSTEM) == 3
    assert Scan.objects.filter(serial=serials[0]).count() == 3
    assert scans.flush_scans(actor=SYSTEM) == 0  # and only once

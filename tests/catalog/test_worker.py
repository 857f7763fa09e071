"""Thumbnails made by a real Celery worker process, through Redis and PostgreSQL."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from graphql_relay import to_global_id

from catalog.models import ProductImage
from catalog.tasks import make_thumbnails
from shop.celery import app as celery_app
from tests.helpers.pictures import (
    ALL_THUMBNAILS,
    PRODUCT_IMAGES,
    assert_thumbnails,
    media_path,
    picture,
    upload,
)
from tests.helpers.services import skip_unless, subprocess_database_url

pytestmark = pytest.mark.celery_worker

DEADLINE_SECONDS = 60
STOP_SECONDS = 15


def _require_services():
    skip_unless(settings.CELERY_BROKER_URL, "needs a real worker: CELERY_BROKER_URL is not set")
    skip_unless(
        connection.vendor == "postgresql",
        f"needs a real worker sharing the database: it is {connection.vendor}, not PostgreSQL",
    )


def _log(path):
    return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def worker(transactional_db, settings, tmp_path):
    """A `celery worker` process sharing this test's database, broker and MEDIA_ROOT.

    transactional_db commits every write, so the worker sees them.
    """
    _require_services()
    celery_app.control.purge()  # tasks queued by earlier runs would only slow this one
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": subprocess_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "shop", "worker",
        "--pool=solo", "--concurrency=1", "-Q", "celery", "-n", "thumbnails-test@%h",
        "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    process.log = log
    yield process
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for_thumbnails(worker, image):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while image.thumbnails.count() < len(ALL_THUMBNAILS):
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode}:\n{_log(worker.log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"no thumbnails after {DEADLINE_SECONDS} s:\n{_log(worker.log)}")
        time.sleep(0.2)


def test_a_real_worker_makes_the_thumbnails_of_an_upload(worker, client_as, product):
    assert not celery_app.conf.task_always_eager
    client = client_as("seller")
    _status, body = upload(client, product, picture("JPEG", size=(1600, 1200)))
    assert body["data"]["productImageCreate"]["errors"] == []
    image = ProductImage.objects.get()

    _wait_for_thumbnails(worker, image)

    assert_thumbnails(image, (1600, 1200))
    shown = client.execute(PRODUCT_IMAGES, {"id": to_global_id("Product", product.pk)})
    small = image.thumbnails.get(size=256, format="webp")
    assert shown["product"]["images"][0]["small"]["url"].endswith(small.file.name)
    assert media_path(shown["product"]["images"][0]["small"]["url"]).is_file()
    # A second run through the worker (and the Redis result backend) finds nothing to do.
    assert make_thumbnails.delay(image.pk).get(timeout=DEADLINE_SECONDS) == 0
    assert_thumbnails(image, (1600, 1200))
    assert "Traceback" not in _log(worker.log)

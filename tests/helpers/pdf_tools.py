"""Label sheet PDFs read back with real tools: poppler (`pdfinfo`, `pdftoppm`,
`pdftotext`) and zbar through pyzbar, from Debian packages that
`scripts/system-packages` installs (a missing tool fails the test); and a
real Celery worker to render them."""

import contextlib
import os
import re
import subprocess
import sys

from django.conf import settings
from django.db import connection
from PIL import Image

try:
    from pyzbar import pyzbar
except ImportError as error:  # only on a machine without libzbar0: fail, never skip
    raise RuntimeError(
        f"pyzbar cannot load zbar ({error}): install Debian's libzbar0 with scripts/system-packages"
    ) from error

from gs1.labels import A4_24
from shop.celery import app as celery_app
from tests.helpers.services import skip_unless, subprocess_database_url


def run(*command):
    return subprocess.run(command, check=True, capture_output=True).stdout  # noqa: S603 - fixed tools


def pdfinfo_pages(path):
    return int(re.search(rb"^Pages:\s+(\d+)$", run("pdfinfo", str(path)), re.M).group(1))


def pdf_text(path):
    return run("pdftotext", str(path), "-").decode()


def decode_page(path, page, tmp_path, dpi=300):
    """Rasterise one page with pdftoppm and read every QR code on it with zbar, sorted."""
    prefix = tmp_path / f"page{page}"
    run("pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-singlefile",
        str(path), str(prefix))  # fmt: skip
    with Image.open(f"{prefix}.png") as image:
        return sorted(
            result.data.decode("ascii")
            for cell in label_cells(image, dpi)
            for result in pyzbar.decode(cell, symbols=[pyzbar.ZBarSymbol.QRCODE])
        )


def _cell_boxes(sheet, scale):
    """(left, top, width, height) of each label on the page, row by row, `scale` a mm."""
    for row in range(sheet.rows):
        for column in range(sheet.columns):
            left = (sheet.margin_left + column * (sheet.label_width + sheet.gap_x)) * scale
            top = (sheet.margin_top + row * (sheet.label_height + sheet.gap_y)) * scale
            yield left, top, sheet.label_width * scale, sheet.label_height * scale


def label_by_label(path, page, tmp_path, dpi=300, sheet=A4_24):
    """(QR codes read, text) of each label of the page, in order: what a buyer
    holding that one label sees."""
    prefix = tmp_path / f"cells{page}"
    run("pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-singlefile",
        str(path), str(prefix))  # fmt: skip
    with Image.open(f"{prefix}.png") as image:
        codes = [
            [
                result.data.decode("ascii")
                for result in pyzbar.decode(cell, symbols=[pyzbar.ZBarSymbol.QRCODE])
            ]
            for cell in label_cells(image, dpi, sheet)
        ]
    texts = []
    for left, top, width, height in _cell_boxes(sheet, 72 / 25.4):  # pdftotext at 72 dpi: points
        box = [str(round(v)) for v in (left, top, width, height)]
        texts.append(
            run(
                "pdftotext",
                "-r",
                "72",
                "-f",
                str(page),
                "-l",
                str(page),
                "-x",
                box[0],
                "-y",
                box[1],
                "-W",
                box[2],
                "-H",
                box[3],
                str(path),
                "-",
            ).decode()  # fmt: skip
        )
    return list(zip(codes, texts, strict=True))


def label_cells(image, dpi, sheet=A4_24):
    """Each label of the rasterised page on its own: zbar reading a whole page of
    24 codes at once now and then misses one, a scanner reads one label at a time."""
    for left, top, width, height in _cell_boxes(sheet, dpi / 25.4):
        yield image.crop(tuple(round(v) for v in (left, top, left + width, top + height)))


@contextlib.contextmanager
def label_worker(tmp_path, name="labels-test", purge=True, pool="solo", env=None):
    """A `celery worker` process sharing this test's database, broker, cache and
    MEDIA_ROOT (so the private root beside it), as tests/catalog/test_worker.py
    starts one; a second one needs its own `name` and `purge=False`. It leads
    its own process group (with `pool="prefork"`, its forked child too), so a
    test can kill them all; `env` adds to its environment.
    Needs PostgreSQL and CELERY_BROKER_URL, and the test's writes committed
    (the `celery_worker` marker's tests use transactional_db here)."""
    skip_unless(settings.CELERY_BROKER_URL, "needs a real worker: CELERY_BROKER_URL is not set")
    skip_unless(connection.vendor == "postgresql", "needs a worker sharing PostgreSQL")
    if purge:
        celery_app.control.purge()
    log = tmp_path / f"{name}.log"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": subprocess_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "celery", "-A", "shop", "worker",
        f"--pool={pool}", "--concurrency=1", "-Q", "celery", "-n", f"{name}@%h",
        "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.log = log
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

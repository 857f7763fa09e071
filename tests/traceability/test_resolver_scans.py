"""A phone's scan, for real: the QR codes we print, read back by zbar (pyzbar),
lead through the app to the right provenance page, for a GS1 Digital Link, a
short /t/ code and a unit's serial, and from a printed label sheet (pdftoppm)."""

import io
from urllib.parse import urlsplit

import pytest
from django.test import Client
from PIL import Image

from catalog import services as catalog_services
from gs1 import qr
from shop.core.roles import SYSTEM
from tests.helpers.events import harvest
from tests.helpers.pdf_tools import decode_page, pyzbar
from traceability.services import batches as services
from traceability.services import labels

GTIN = "6901234567892"


def scanned(uri):
    """What a phone reads from the QR code of `uri`, as a PNG we serve."""
    with Image.open(io.BytesIO(qr.png(uri))) as image:
        results = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    return [result.data.decode("ascii") for result in results]


def follow(url):
    """Open the decoded URL in the app, as the phone's browser would."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return Client(HTTP_HOST="127.0.0.1").get(path, HTTP_ACCEPT="text/html")


@pytest.fixture
def harvested(seller_user, batch):
    harvest(seller_user, batch)
    return batch


def page_of(url):
    response = follow(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_short_code_scans_to_its_batch_page(harvested):
    (url,) = scanned(harvested.digital_link())
    assert url.endswith(f"/t/{harvested.code}")
    html = page_of(url)
    assert "ZM2026-10A" in html and "武功山紫米" in html


def test_a_gs1_digital_link_and_a_units_serial_scan_to_their_pages(seller_user, variant, harvested):
    catalog_services.update_variant(actor=seller_user, variant=variant, gtin=GTIN)
    harvested.refresh_from_db()
    (url,) = scanned(harvested.digital_link())
    assert urlsplit(url).path == f"/01/0{GTIN}/10/ZM2026-10A"
    assert "ZM2026-10A" in page_of(url)
    services.generate_serials(actor=seller_user, batch=harvested, count=2)
    unit = harvested.serials.order_by("pk").last()
    (url,) = scanned(unit.digital_link())
    assert urlsplit(url).path.endswith(f"/21/{unit.serial}")
    assert unit.serial in page_of(url)


def test_a_printed_label_sheet_scans_to_the_page(seller_user, harvested, tmp_path):
    services.generate_serials(actor=seller_user, batch=harvested, count=3)
    job = labels.create_label_job(actor=seller_user, batch=harvested, kind="serials", enqueue=False)
    labels.run_label_job(str(job.pk), actor=SYSTEM)
    job.refresh_from_db()
    path = tmp_path / "sheet.pdf"
    with job.file.open("rb") as stored:
        path.write_bytes(stored.read())
    urls = decode_page(path, 1, tmp_path)
    codes = set(harvested.serials.values_list("code", flat=True))
    assert {urlsplit(url).path.removeprefix("/t/") for url in urls} == codes
    first = harvested.serials.get(code=urlsplit(urls[0]).path.removeprefix("/t/"))
    assert first.serial in page_of(urls[0])

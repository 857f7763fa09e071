"""A buyer holding a unit's label compares the number printed under its QR code
with the page the code opens (单品编号): on a genuine bag they are the same."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from catalog.models import ProductVariant
from gs1.labels import SERIAL_CAPTION
from shop.core.roles import SYSTEM
from tests.helpers.pdf_tools import label_by_label
from traceability.services import batches as services
from traceability.services import labels as label_jobs

HOST = "https://shancun.example"
PRINTED = re.compile(rf"{re.escape(SERIAL_CAPTION)} (\S+)")
SHOWN = re.compile(r"单品编号 ([^<\s]+)")


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = HOST


def shown_on_page(uri):
    """The serial the provenance page of `uri` shows, read as a buyer in China does."""
    response = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-Hans").get(urlsplit(uri).path)
    assert response.status_code == 200, uri
    return SHOWN.findall(response.content.decode())


@pytest.mark.parametrize("gtin", [None, "09506000134352"], ids=["short-link", "digital-link"])
def test_each_label_prints_the_serial_its_qr_code_and_page_show(seller_user, batch, tmp_path, gtin):
    ProductVariant.objects.filter(pk=batch.variant_id).update(gtin=gtin)
    batch.refresh_from_db()
    services.generate_serials(actor=seller_user, batch=batch, count=4)
    job = label_jobs.create_label_job(actor=seller_user, batch=batch, kind="serials", enqueue=False)
    job = label_jobs.run_label_job(str(job.pk), actor=SYSTEM)
    assert job.status == job.Status.DONE, job.error

    labels = [cell for cell in label_by_label(job.file.path, 1, tmp_path) if cell[0]]
    serials = set(batch.serials.values_list("serial", flat=True))
    assert len(labels) == 4
    for (uri,), text in labels:
        printed = PRINTED.findall(text)
        assert printed == shown_on_page(uri), (uri, text)
        assert printed[0] in serials
        if gtin:  # the Digital Link carries the serial itself (AI 21)
            assert uri.endswith(f"/21/{printed[0]}")
    assert {PRINTED.findall(text)[0] for _codes, text in labels} == serials


def test_a_batch_label_prints_no_serial_and_no_code_the_page_lacks(seller_user, batch, tmp_path):
    job = label_jobs.create_label_job(actor=seller_user, batch=batch, kind="batch", copies=2)
    job = label_jobs.run_label_job(str(job.pk), actor=SYSTEM)
    (codes, text), *_rest = label_by_label(job.file.path, 1, tmp_path)
    assert codes == [batch.digital_link()]
    assert batch.lot in text and SERIAL_CAPTION not in text and batch.code not in text

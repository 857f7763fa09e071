"""A farmer keeps a batch's trace from a phone: creates it, records the harvest
with a photo and the packing, downloads its QR code for their own packaging,
records that it was milled from another batch, generates serials, orders a
label sheet and downloads the PDF once it is made (tasks run eagerly in the
live server)."""

from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect
from pyzbar import pyzbar

from catalog import services as catalog_services
from tests.helpers.batches import FARM, batch_fields
from tests.helpers.browser import jpeg, zh
from tests.helpers.events import delete_trace_rows
from tests.helpers.users import PASSWORD
from traceability.models import (
    Batch,
    LabelJob,
    Serial,
    TraceEvent,
)
from traceability.services import batches as batch_services

LOT = "ZM2026-10B"
PROCESS = "Process from other batches (e.g. mill paddy into rice)"
RENDER_TIMEOUT_MS = 30_000


@pytest.fixture
def deletable_trace_rows(transactional_db):
    """Django empties the tables after a live-server test with DELETE, which the
    append-only triggers refuse on SQLite: the trace rows go first, triggers off."""
    yield
    delete_trace_rows()


def fill(page, values):
    """Type into (or choose in) the fields of the page's form, found by their names."""
    for name, value in values.items():
        field = page.locator(f'main [name="{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)


def send(page):
    page.locator("main form button[type=submit]").click()


@pytest.fixture
def farm(seller, seller_user):
    return catalog_services.create_farm(actor=seller_user, seller=seller, name="龙潭田", **FARM)


def sign_in(farmer, user):
    page = farmer.open("/login/")
    fill(page, {"username": str(user.phone), "password": PASSWORD})
    page.get_by_role("button", name=zh("Sign in")).click()
    page.get_by_role("link", name=zh("My shop")).first.click()


def create_batch(farmer):
    page = farmer.page
    page.get_by_role("link", name=zh("Batches"), exact=True).click()
    page.get_by_role("link", name=zh("Add a batch")).click()
    fill(page, {"variant": "武功山紫米 · 5 kg bag", "farm": "龙潭田", "lot": LOT})
    fill(page, {"harvest_date": "2026-10-08", "best_before": "2027-10-08", "quantity": "800"})
    page.locator('main [name="unit"]').select_option("kg")
    fill(page, {"notes": "梯田紫米，晒干入仓。"})
    farmer.step("batch form")
    send(page)
    expect(page.locator("h1")).to_have_text(zh("Lot %(lot)s") % {"lot": LOT})
    expect(page.locator("figure.qr svg")).to_be_visible()
    farmer.step("batch created")


def record_step(farmer, step, when, **extra):
    page = farmer.page
    page.get_by_role("link", name=zh("Record a step")).click()
    page.get_by_label(zh(step), exact=True).check()
    fill(page, {"event_time": when, **extra})
    return page


def record_harvest_and_packing(farmer):
    page = record_step(farmer, "Harvest or make", "2026-10-08T09:30", temperature="21.5")
    page.locator('main [name="read_point"]').select_option(label="龙潭田")
    page.locator("main input[type=file]").set_input_files(
        {"name": "harvest.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    farmer.step("harvest form")
    send(page)
    steps = page.locator("ol.timeline > li")
    expect(steps).to_have_count(1)
    expect(steps.first).to_contain_text(zh("Harvest or make"))
    photo = steps.first.locator("img")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")

    page = record_step(farmer, "Pack", "2026-10-20T15:00")
    send(page)
    expect(steps).to_have_count(2)
    expect(steps.nth(1)).to_contain_text(zh("Pack"))
    farmer.step("harvested and packed")


def correct_the_harvest_reading(farmer):
    page = farmer.page
    steps = page.locator("ol.timeline > li")
    steps.first.get_by_role("link", name=zh("Correct")).click()
    expect(page.locator('main [name="temperature"]')).to_have_value("21.5")
    fill(page, {"temperature": "19.5"})
    farmer.step("correction form")
    send(page)
    expect(steps).to_have_count(4)  # the original, its declaration, the corrected step, packing
    expect(page.locator("ol.timeline > li.withdrawn")).to_contain_text(zh("corrected"))
    expect(page.locator("ol.timeline")).to_contain_text("19.5 °C")
    farmer.step("harvest corrected")


def download_the_qr_codes(farmer, tmp_path):
    """The QR code as PNG and SVG, named after the lot; the PNG scans to the batch."""
    page = farmer.page
    links = page.locator(".qr-downloads a")
    expect(links).to_have_count(2)
    links.first.scroll_into_view_if_needed()
    farmer.step("qr code downloads")
    saved = {}
    for name, kind in (("Download PNG", "png"), ("Download SVG", "svg")):
        with page.expect_download() as download:
            page.get_by_role("link", name=zh(name)).click()
        assert download.value.suggested_filename == f"qr-{LOT}.{kind}"
        saved[kind] = Path(tmp_path) / f"qr.{kind}"
        download.value.save_as(saved[kind])
    with Image.open(saved["png"]) as image:
        found = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    assert [r.data.decode("ascii") for r in found] == [Batch.objects.get(lot=LOT).digital_link()]
    assert saved["svg"].read_text().startswith("<svg ") and "<path " in saved["svg"].read_text()


def record_milling(farmer, paddy):
    """Processing names the batch made: this one, already chosen."""
    page = record_step(farmer, PROCESS, "2026-10-20T16:00")
    made = page.get_by_label(zh("Batch made"))
    expect(made).to_be_visible()
    expect(made.locator("option:checked")).to_contain_text(LOT)
    page.get_by_label(f"{paddy.lot} · {paddy.harvest_date}").check()
    made.scroll_into_view_if_needed()
    farmer.step("processing form with the batch made")
    send(page)
    expect(page.locator("h1")).to_have_text(zh("Lot %(lot)s") % {"lot": LOT})
    expect(page.locator("ol.timeline")).to_contain_text(zh(PROCESS))
    farmer.step("milled from paddy")


def serials_and_labels(farmer, tmp_path):
    page = farmer.page
    page.get_by_label(zh("How many serials")).fill("30")
    page.get_by_role("button", name=zh("Generate serials")).click()
    expect(page.locator(".serial-count")).to_have_text("30")

    page.get_by_label(zh("Number of copies")).fill("30")
    # The sheet renders within the request here (eager tasks): embedding the CJK
    # font takes seconds on a busy machine.
    page.get_by_role("button", name=zh("Order a label sheet")).click(timeout=RENDER_TIMEOUT_MS)
    expect(page.locator(".job-status")).to_have_text(zh("done"), timeout=RENDER_TIMEOUT_MS)
    farmer.step("label sheet done")
    with page.expect_download() as download:
        page.get_by_role("link", name=zh("Download the labels (PDF)")).click()
    saved = Path(tmp_path) / "labels.pdf"
    download.value.save_as(saved)
    return saved.read_bytes()


def test_a_farmer_traces_a_batch_and_prints_its_labels(
    deletable_trace_rows, visitor_factory, seller_user, product, farm, tmp_path
):
    paddy = batch_services.create_batch(
        actor=seller_user, variant=product.variants.get(), farm=farm, **batch_fields(lot="PADDY")
    )
    farmer = visitor_factory("farmer")
    sign_in(farmer, seller_user)
    create_batch(farmer)
    record_harvest_and_packing(farmer)
    correct_the_harvest_reading(farmer)
    download_the_qr_codes(farmer, tmp_path)
    record_milling(farmer, paddy)
    sheet = serials_and_labels(farmer, tmp_path)

    assert sheet.startswith(b"%PDF")
    events = TraceEvent.objects.order_by("pk")
    assert [(e.biz_step, e.disposition, e.action, e.corrects_id) for e in events] == [
        ("commissioning", "active", "ADD", None),
        ("packing", "container_closed", "OBSERVE", None),
        ("commissioning", "active", "ADD", None),  # the corrected harvest
        ("commissioning", "active", "ADD", events[0].pk),  # the original, declared wrong
        ("commissioning", "active", "", None),  # milled from the paddy
    ]
    assert sorted(events[4].links.values_list("batch__lot", "role")) == [
        ("PADDY", "input"),
        (LOT, "output"),
    ]
    assert events[0].photo is not None and events[0].read_point == farm
    assert events[2].photo == events[0].photo  # a correction keeps the step's photo
    assert Serial.objects.filter(batch__lot=LOT).count() == 30
    job = LabelJob.objects.get()
    assert (job.status, job.count, job.progress) == ("done", 30, 30)

"""A buyer scans a bag of purple rice: the provenance page on a phone, 360 px
wide, with and without JavaScript, in Chinese and then English."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from catalog import services as catalog_services
from catalog.demo.pictures import product_picture
from shop.core.roles import SYSTEM
from tests.helpers.batches import FARM, batch_fields
from tests.helpers.browser import zh
from tests.helpers.events import at, delete_trace_rows, harvest, observe
from tests.helpers.users import make_user
from traceability.services import batches as services
from traceability.services import signing

PAGE_WEIGHT_LIMIT = 100_000  # bytes of HTML, CSS and scripts, photos aside


@pytest.fixture
def traced(transactional_db, operator):
    """A published purple rice with its photo, harvested, packed and shipped.

    Django empties the tables after a live-server test with DELETE, which the
    append-only triggers refuse on SQLite: the trace rows go first, triggers off.
    """
    member = make_user(phone="13800138010", name="刘冬生")
    seller = catalog_services.create_seller(
        actor=member,
        name="王龙潭紫米合作社",
        name_en="Wanglongtan Purple Rice Cooperative",
        kind="cooperative",
        province="江西省",
        city="萍乡市",
        county="芦溪县",
        division_code="360323000000",
        story="刘冬生一家三代在武功山下种紫米。",
    )
    seller = catalog_services.verify_seller(actor=operator, seller=seller)
    category = catalog_services.create_category(actor=operator, name="大米", name_en="Rice")
    product = catalog_services.create_product(
        actor=member,
        seller=seller,
        category=category,
        name="武功山紫米",
        name_en="Wugong purple rice",
        is_published=True,
    )
    variant = catalog_services.create_variant(
        actor=member, product=product, sku="ZM-5", name="5 kg 袋", net_weight_grams=5000, price="69"
    )
    upload = SimpleUploadedFile("rice.jpg", product_picture("Purple rice", "rice"), "image/jpeg")
    catalog_services.add_product_image(actor=member, product=product, upload=upload, alt="紫米")
    farm = catalog_services.create_farm(actor=member, seller=seller, name="龙潭田", **FARM)
    batch = services.create_batch(actor=member, variant=variant, farm=farm, **batch_fields())
    harvest(member, batch)
    observe(member, batch, "packing", "in_progress", event_time=at(2))
    observe(member, batch, "shipping", "in_transit", event_time=at(3))
    signing.sign_checkpoint(actor=SYSTEM)
    yield batch
    delete_trace_rows()


def test_a_buyer_sees_where_the_rice_comes_from(visitor, traced):
    weights = []
    visitor.page.on(
        "response",
        lambda r: weights.append(0 if r.request.resource_type == "image" else len(r.body())),
    )
    page = visitor.open(f"/t/{traced.code}")
    expect(page.locator("h1")).to_have_text("武功山紫米")
    expect(page.locator(".verdict")).to_contain_text(zh("Record verified"))
    expect(page.get_by_text("龙潭田", exact=True)).to_be_visible()
    expect(page.get_by_text("刘冬生一家三代在武功山下种紫米。")).to_be_visible()
    steps = page.locator("ol.timeline > li strong")
    expect(steps).to_have_text([zh("Harvested or produced"), zh("Packed"), zh("Shipped")])
    assert page.locator("main img").first.evaluate("img => img.naturalWidth") > 0
    visitor.step("provenance")
    assert sum(weights) <= PAGE_WEIGHT_LIMIT, weights

    page.get_by_label(zh("Your province (optional)")).select_option("31")
    page.get_by_role("button", name=zh("Share my city")).click()
    expect(page).to_have_url(f"{visitor.base_url}/t/{traced.code}?geo=31")
    expect(
        page.get_by_text(zh("Thank you: your province was recorded with this scan."))
    ).to_be_visible()
    visitor.step("city shared")

    page.get_by_role("link", name="English").click()
    expect(page.locator("ol.timeline > li strong").first).to_have_text("Harvested or produced")
    expect(page.locator(".verdict")).to_contain_text("Record verified")
    visitor.step("in English", lang="en")

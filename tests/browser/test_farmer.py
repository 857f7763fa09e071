"""A farmer lists a product from a phone; it goes public once an operator verifies them."""

import re

from playwright.sync_api import expect

from shop.core import notifications
from tests.helpers.browser import jpeg, zh
from tests.helpers.users import PASSWORD

SELLER = "山村紫米合作社"
PRODUCT = "山村紫米"


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


def register_and_create_a_seller(farmer):
    page = farmer.open("/")
    page.get_by_role("link", name=zh("Register"), exact=True).click()
    fill(page, {"phone": "139 0013 9000", "name": "赵大山"})
    fill(page, {"password": PASSWORD, "password_again": PASSWORD})
    farmer.step("register")
    page.get_by_role("button", name=zh("Create the account")).click()
    expect(page.get_by_text("139****9000")).to_be_visible()
    code = re.search(r"\b(\d{6})\b", notifications.outbox[-1].text).group(1)
    fill(page, {"code": code})
    farmer.step("register code")
    page.get_by_role("button", name=zh("Create the account")).click()
    expect(page.get_by_text("赵大山", exact=True)).to_be_visible()

    page.get_by_role("link", name=zh("Sell here")).click()
    fill(page, {"name": SELLER, "name_en": "Mountain Village Purple Rice Cooperative"})
    fill(page, {"province": "江西省", "city": "萍乡市", "county": "芦溪县"})
    fill(page, {"township": "万龙山乡", "village": "王龙潭村", "division_code": "360323203201"})
    page.locator('main [name="kind"]').select_option("cooperative")
    fill(page, {"linked_poverty_households": "5", "story": "梯田紫米，一年一季。"})
    farmer.step("seller form")
    send(page)
    expect(page.locator("h1")).to_have_text(SELLER)
    expect(page.get_by_text(zh("Waiting for an operator"), exact=True)).to_be_visible()
    farmer.step("seller created")


def add_farm_product_variant_and_picture(farmer):
    page = farmer.page
    page.get_by_role("link", name=zh("Add a farm")).click()
    fill(page, {"name": "山村梯田", "village": "王龙潭村", "produce": "紫米"})
    fill(page, {"latitude": "27.529", "longitude": "114.158", "area_mu": "12.5"})
    farmer.step("farm form")
    send(page)
    expect(page.get_by_role("link", name="山村梯田")).to_be_visible()

    page.get_by_role("link", name=zh("Add a product")).click()
    fill(page, {"name": PRODUCT, "name_en": "Mountain village purple rice"})
    fill(page, {"category": "大米", "farm": "山村梯田", "origin": "江西萍乡武功山"})
    farmer.step("product form")
    send(page)
    expect(page.locator("h1")).to_have_text(PRODUCT)

    page.get_by_role("link", name=zh("Add a variant")).click()
    fill(page, {"name": "1公斤袋", "sku": "SC-1KG", "price": "36.00"})
    fill(page, {"net_weight_grams": "1000"})
    farmer.step("variant form")
    send(page)
    expect(page.locator("h1")).to_have_text(PRODUCT)
    expect(page.get_by_text("SC-1KG")).to_be_visible()
    stock = page.get_by_label(zh("Stock of %(variant)s") % {"variant": "1公斤袋"})
    stock.fill("20")
    page.get_by_role("button", name=zh("Set stock")).click()
    expect(stock).to_have_value("20")

    page.locator("main input[type=file]").set_input_files(
        {"name": "rice.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    page.get_by_role("button", name=zh("Upload the picture")).click()
    expect(page.locator("ul.thumbs img")).to_have_count(1)
    farmer.step("product with variant and picture")


def verify_on_the_queue(operator_visitor, operator):
    page = operator_visitor.open("/login/")
    fill(page, {"username": operator.email, "password": PASSWORD})
    page.get_by_role("button", name=zh("Sign in")).click()
    page.get_by_role("link", name=zh("Verification queue")).click()
    waiting = page.locator("article", has_text=SELLER)
    expect(waiting).to_have_count(1)
    operator_visitor.step("verification queue")
    waiting.get_by_role("button", name=zh("Verify"), exact=True).click()
    expect(page.locator("article", has_text=SELLER)).to_have_count(0)
    operator_visitor.step("seller verified")


def test_a_farmer_lists_a_product_that_goes_public_once_verified(
    visitor_factory, category, operator
):
    farmer = visitor_factory("farmer")
    register_and_create_a_seller(farmer)
    add_farm_product_variant_and_picture(farmer)

    page = farmer.page
    page.get_by_role("button", name=zh("Publish"), exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_text(zh("Not published"), exact=True)).to_be_visible()
    farmer.step("publishing refused")

    verify_on_the_queue(visitor_factory("operator"), operator)

    page.get_by_role("link", name=SELLER, exact=True).click()
    page.get_by_role("link", name=PRODUCT, exact=True).click()
    page.get_by_role("button", name=zh("Publish"), exact=True).click()
    expect(page.get_by_text(zh("Published"), exact=True)).to_be_visible()
    farmer.step("published")

    buyer = visitor_factory("buyer")
    page = buyer.open("/")
    page.get_by_role("searchbox").fill(PRODUCT)
    page.get_by_role("searchbox").press("Enter")
    page.locator(".card .name", has_text=PRODUCT).click()
    expect(page.locator("h1")).to_have_text(PRODUCT)
    expect(page.locator("td.price")).to_have_text("¥36.00")
    expect(page.get_by_text(zh("In stock"), exact=True)).to_be_visible()
    picture = page.locator(".gallery img")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.complete && img.naturalWidth > 0")
    buyer.step("found by a buyer")

"""A buyer on a phone browses the shop: home, category, product, seller, search, English."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from catalog import services
from catalog.demo import data
from catalog.demo.pictures import product_picture
from tests.helpers.browser import zh
from tests.helpers.users import make_user

# A slice of the demo, through the same services: two sellers of Wanglongtan village,
# purple rice (with its pictures) and green tea. Quicker than the whole demo.
SHELF = {
    "王龙潭刘冬生土鸡土蛋": ["刘家自种紫米"],
    "芦溪县王龙潭紫米种植专业合作社": ["武功山紫米", "王龙潭紫米礼盒", "武功山云雾绿茶"],
}
CATEGORIES = {"Rice": ("大米", "Grain & oil"), "Green tea": ("绿茶", "Tea")}
PARENTS = {"Grain & oil": "粮油", "Tea": "茶叶"}


def _categories(operator):
    parents = {
        name_en: services.create_category(actor=operator, name=name, name_en=name_en)
        for name_en, name in PARENTS.items()
    }
    return {
        name_en: services.create_category(
            actor=operator, name=name, name_en=name_en, parent=parents[parent]
        )
        for name_en, (name, parent) in CATEGORIES.items()
    }


def _list(member, seller, item, category):
    product = services.create_product(
        actor=member,
        seller=seller,
        category=category,
        name=item["name"],
        name_en=item["name_en"],
        description=item["description"],
        storage=item["storage"],
        shelf_life_days=item["shelf_life_days"],
        is_published=True,
    )
    for position, fields in enumerate(item["variants"]):
        services.create_variant(actor=member, product=product, sort_order=position, **fields)
    picture = product_picture(item["name_en"], item["motif"])
    upload = SimpleUploadedFile(f"{product.slug}.jpg", picture, "image/jpeg")
    services.add_product_image(actor=member, product=product, upload=upload, alt=item["name"])


@pytest.fixture
def shelf(transactional_db, operator):
    categories = _categories(operator)
    for record in data.SELLERS:
        wanted = SHELF.get(record["seller"]["name"])
        if wanted is None:
            continue
        member = make_user(**record["member"])
        seller = services.create_seller(actor=member, **record["seller"])
        seller = services.verify_seller(actor=operator, seller=seller)
        for item in record["products"]:
            if item["name"] in wanted:
                _list(member, seller, item, categories[item["category"]])


def test_a_buyer_browses_searches_and_switches_language(visitor, shelf):
    page = visitor.open("/")
    expect(page.locator("h1")).to_have_text(
        zh("Specialty food from mountain villages, traceable to the farm.")
    )
    visitor.step("home")

    page.get_by_role("link", name="粮油", exact=True).click()
    expect(page.locator("h1")).to_have_text("粮油")
    visitor.step("category grain and oil")
    page.get_by_role("link", name="大米", exact=True).click()
    expect(page.locator("h1")).to_have_text("大米")
    visitor.step("category rice")

    page.get_by_text("武功山紫米", exact=True).click()
    expect(page.locator("h1")).to_have_text("武功山紫米")
    expect(page.locator("td.price").first).to_have_text("¥69.00")
    visitor.step("product")

    page.get_by_role("link", name="芦溪县王龙潭紫米种植专业合作社").click()
    expect(page.locator("h1")).to_have_text("芦溪县王龙潭紫米种植专业合作社")
    expect(page.get_by_text("王龙潭紫米礼盒", exact=True)).to_be_visible()
    visitor.step("seller")

    page.get_by_role("searchbox").fill("紫米")
    page.get_by_role("searchbox").press("Enter")
    expect(page).to_have_url(visitor.base_url + "/search/?q=%E7%B4%AB%E7%B1%B3")
    names = page.locator(".card .name")
    expect(names.filter(has_text="武功山紫米")).to_have_count(1)
    expect(names.filter(has_text="绿茶")).to_have_count(0)
    assert all("紫米" in name for name in names.all_inner_texts())
    visitor.step("search purple rice")

    page.get_by_role("link", name="English").click()
    expect(
        page.locator(".card .name").filter(has_text="Wugong Mountain purple rice")
    ).to_have_count(1)
    visitor.step("search in English", lang="en")

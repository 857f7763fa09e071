"""A farmer runs their catalogue from the workbench pages alone: plain forms,
no JavaScript, no GraphQL, the same services as the API."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog import services
from catalog.models import Farm, Product, ProductImage, ProductVariant, Seller
from tests.helpers.catalog import SELLER_DATA
from tests.helpers.pictures import picture
from tests.helpers.users import make_user
from tests.helpers.workbench import browser, catalogue_rows, field_errors, token


@pytest.fixture
def farmer(db):
    return make_user(phone="13900139001", name="新农户")


def _register(client):
    data = {**SELLER_DATA, "story": "三代种紫米", "submission": token(client, "/shop/register/")}
    return client.post("/shop/register/", data), data


def test_a_farmer_registers_lists_a_product_and_publishes_it_once_verified(
    farmer, category, operator, django_capture_on_commit_callbacks
):
    client = browser(farmer)
    start = client.get("/shop/")
    assert start.status_code == 200
    assert 'href="/shop/register/"' in start.content.decode()

    # Register the seller; the same token again writes nothing twice.
    response, data = _register(client)
    seller = Seller.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/shop/{seller.pk}/"
    assert list(seller.members.all()) == [farmer]
    assert not seller.is_verified and seller.division_code == "360323203201"
    home = client.get(f"/shop/{seller.pk}/").content.decode()
    assert "Registered. An operator will check your details" in home
    assert "Waiting for an operator" in home
    again = client.post("/shop/register/", data)
    assert "already sent" in again.content.decode()
    assert Seller.objects.count() == 1
    assert client.get("/shop/")["Location"] == f"/shop/{seller.pk}/"

    # A farm, with a GPS reading more precise than the column.
    farm_url = f"/shop/{seller.pk}/farms/new/"
    response = client.post(
        farm_url,
        {
            "name": "山腰梯田",
            "village": "王龙潭村",
            "latitude": "27.59123456",
            "longitude": "114.21",
            "area_mu": "12.5",
            "produce": "紫米",
            "submission": token(client, farm_url),
        },
    )
    assert response.status_code == 302
    farm = Farm.objects.get()
    assert (farm.seller, farm.latitude, farm.area_mu) == (
        seller,
        Decimal("27.591235"),
        Decimal("12.50"),
    )

    # A product on that farm.
    product_url = f"/shop/{seller.pk}/products/new/"
    assert (
        ">Rice</option>" in client.get(product_url).content.decode()
    )  # names in the page's language
    response = client.post(
        product_url,
        {
            "name": "武功山紫米",
            "category": category.pk,
            "farm": farm.pk,
            "origin": "江西萍乡武功山",
            "shelf_life_days": "365",
            "submission": token(client, product_url),
        },
    )
    product = Product.objects.get()
    page_url = f"/shop/{seller.pk}/products/{product.pk}/"
    assert response["Location"] == page_url
    assert (product.farm, product.category, product.is_published) == (farm, category, False)

    # A variant with its price and first stock.
    variant_url = f"{page_url}variants/new/"
    response = client.post(
        variant_url,
        {
            "name": "5 kg bag",
            "sku": "ZM-5KG",
            "price": "88.00",
            "net_weight_grams": "5000",
            "stock_quantity": "5",
            "submission": token(client, variant_url),
        },
    )
    assert response["Location"] == page_url
    variant = ProductVariant.objects.get()
    assert (variant.price, variant.stock_quantity, variant.seller) == (Decimal("88.00"), 5, seller)

    # A photo from the phone's camera; its thumbnails follow after commit.
    page = client.get(page_url).content.decode()
    assert 'accept="image/*"' in page and 'enctype="multipart/form-data"' in page
    photo = SimpleUploadedFile("IMG_0001.jpg", picture("JPEG", size=(320, 240)), "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{page_url}pictures/",
            {"image": photo, "alt": "紫米", "submission": token(client, page_url)},
        )
    assert response["Location"] == page_url
    image = ProductImage.objects.get()
    assert (image.product, image.width, image.height, image.alt) == (product, 320, 240, "紫米")
    assert image.thumbnails.count() == 4
    assert "/media/thumbnails/" in client.get(page_url).content.decode()

    # Stock is set to a quantity.
    response = client.post(
        f"/shop/{seller.pk}/variants/{variant.pk}/stock/", {f"stock-{variant.pk}-quantity": "12"}
    )
    assert response["Location"] == page_url
    variant.refresh_from_db()
    assert variant.stock_quantity == 12

    # Publishing is refused, with the service's reason, until an operator verifies.
    refused = client.post(f"{page_url}publish/", {"is_published": "true"})
    assert refused.status_code == 200
    assert field_errors(refused, "publish") == [
        "An operator must verify the seller before its products can be published."
    ]
    product.refresh_from_db()
    assert not product.is_published
    services.verify_seller(actor=operator, seller=seller)
    response = client.post(f"{page_url}publish/", {"is_published": "true"})
    assert response["Location"] == page_url
    product.refresh_from_db()
    assert product.is_published
    assert "武功山紫米" in browser().get("/").content.decode()

    # The seller's page shows it all at a glance.
    home = client.get(f"/shop/{seller.pk}/").content.decode()
    assert "Verified" in home and "山腰梯田" in home
    assert "武功山紫米" in home and "Published" in home
    assert "¥88.00" in home and "Stock: 12" in home

    # Unpublish again.
    client.post(f"{page_url}publish/", {"is_published": "false"})
    product.refresh_from_db()
    assert not product.is_published


def test_a_farmer_edits_the_seller_farm_product_and_variant(seller_user, seller, product):
    client = browser(seller_user)
    farm = services.create_farm(
        actor=seller_user,
        seller=seller,
        name="老田",
        village="王龙潭村",
        latitude="27.5",
        longitude="114.1",
        area_mu="3",
        produce="紫米",
    )
    base = f"/shop/{seller.pk}"
    edit_seller = {**SELLER_DATA, "story": "新的故事", "linked_poverty_households": "15"}
    assert client.post(f"{base}/edit/", edit_seller).status_code == 302
    seller.refresh_from_db()
    assert (seller.story, seller.linked_poverty_households) == ("新的故事", 15)

    farm_data = {
        "name": "新田",
        "village": "王龙潭村",
        "latitude": "27.6",
        "longitude": "114.2",
        "area_mu": "4",
        "produce": "紫米",
    }
    assert client.post(f"{base}/farms/{farm.pk}/", farm_data).status_code == 302
    farm.refresh_from_db()
    assert (farm.name, farm.area_mu) == ("新田", Decimal("4.00"))

    product_data = {"name": "武功山紫米（新米）", "category": product.category_id, "farm": farm.pk}
    assert client.post(f"{base}/products/{product.pk}/", product_data).status_code == 302
    product.refresh_from_db()
    assert (product.name, product.farm, product.name_en) == ("武功山紫米（新米）", farm, "")

    variant = product.variants.get()
    variant_data = {
        "name": "2.5 kg bag",
        "sku": "ZM-2KG",
        "price": "45.50",
        "net_weight_grams": "2500",
        "gtin": "6901234567892",
        "cold_chain": "on",
    }
    response = client.post(f"{base}/variants/{variant.pk}/", variant_data)
    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.price, variant.gtin, variant.cold_chain) == (
        Decimal("45.50"),
        "06901234567892",
        True,
    )
    assert variant.stock_quantity == 10  # stock changes only through the stock form
    assert "The variant was saved." in client.get(response["Location"]).content.decode()


def test_a_rejected_seller_sees_the_reason_and_how_to_fix_it(farmer, operator):
    client = browser(farmer)
    _register(client)
    seller = Seller.objects.get()
    services.reject_seller(actor=operator, seller=seller, reason="营业执照照片看不清")
    page = client.get(f"/shop/{seller.pk}/").content.decode()
    assert "营业执照照片看不清" in page
    assert f'href="/shop/{seller.pk}/edit/"' in page
    response = client.post(f"/shop/{seller.pk}/edit/", {**SELLER_DATA, "story": "补充了照片"})
    assert response.status_code == 302
    seller.refresh_from_db()
    assert seller.rejected_at is None
    assert "Waiting for an operator" in client.get(f"/shop/{seller.pk}/").content.decode()


def test_a_member_of_several_sellers_picks_one(seller_user, seller):
    second = services.create_seller(actor=seller_user, **{**SELLER_DATA, "name": "万龙山茶场"})
    page = browser(seller_user).get("/shop/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/shop/{seller.pk}/"' in html and f'href="/shop/{second.pk}/"' in html
    assert 'href="/shop/register/"' in html


def test_a_long_product_list_is_paged_by_cursor(seller_user, seller, category):
    for number in range(25):
        services.create_product(
            actor=seller_user, seller=seller, category=category, name=f"米{number:02}"
        )
    client = browser(seller_user)
    first = client.get(f"/shop/{seller.pk}/").content.decode()
    assert "米00" in first and "米19" in first and "米20" not in first
    after = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = client.get(f"/shop/{seller.pk}/{after.replace('&amp;', '&')}").content.decode()
    assert "米20" in second and "米24" in second and "米19" not in second


def test_nothing_is_written_by_reading_the_pages(seller_user, seller, product):
    before = catalogue_rows()
    client = browser(seller_user)
    variant = product.variants.get()
    for url in (
        "/shop/",
        "/shop/register/",
        f"/shop/{seller.pk}/",
        f"/shop/{seller.pk}/edit/",
        f"/shop/{seller.pk}/farms/new/",
        f"/shop/{seller.pk}/products/new/",
        f"/shop/{seller.pk}/products/{product.pk}/",
        f"/shop/{seller.pk}/products/{product.pk}/variants/new/",
        f"/shop/{seller.pk}/variants/{variant.pk}/",
    ):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert (
            '<meta name="robots" content="noindex">' in response.content.decode() or url == "/shop/"
        )
    assert catalogue_rows() == before

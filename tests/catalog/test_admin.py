"""Operators add pictures in the admin through the same checks and service as the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from catalog.models import ProductImage
from tests.helpers.pictures import picture
from tests.helpers.users import PASSWORD


@pytest.fixture
def admin_client(operator):
    operator.is_superuser = True
    operator.save()
    client = Client(HTTP_HOST="127.0.0.1")
    assert client.login(username=operator.email, password=PASSWORD)
    return client


def _change_form(product, upload):
    variant = product.variants.get()
    return {
        "seller": product.seller_id,
        "category": product.category_id,
        "name": product.name,
        "name_en": product.name_en,
        "slug": product.slug,
        "is_published": "on",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "1",
        "variants-0-id": variant.pk,
        "variants-0-product": product.pk,
        "variants-0-sku": variant.sku,
        "variants-0-name": variant.name,
        "variants-0-net_weight_grams": variant.net_weight_grams,
        "variants-0-price": str(variant.price),
        "variants-0-stock_quantity": variant.stock_quantity,
        "variants-0-sort_order": variant.sort_order,
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-0-image": upload,
        "images-0-alt": "紫米",
        "images-0-sort_order": "0",
    }


def test_a_picture_added_in_the_admin_gets_its_size_and_thumbnails(
    admin_client, product, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("rice.jpg", picture("JPEG", size=(800, 600)))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/catalog/product/{product.pk}/change/", _change_form(product, upload)
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    image = ProductImage.objects.get()
    assert (image.product, image.alt, image.width, image.height) == (product, "紫米", 800, 600)
    assert image.thumbnails.count() == 4


def test_a_corrupt_picture_is_refused_on_the_admin_form(admin_client, product):
    upload = SimpleUploadedFile("rice.jpg", b"not a picture at all")
    response = admin_client.post(
        f"/admin/catalog/product/{product.pk}/change/", _change_form(product, upload)
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not ProductImage.objects.exists()


def test_the_admin_speaks_chinese_with_the_products_name(admin_client, product):
    index = admin_client.get("/admin/").content.decode()
    assert "山村集市运营后台" in index and "Django" not in index
    page = admin_client.get(f"/admin/catalog/seller/{product.seller_id}/change/").content.decode()
    for label in ("认证时间", "认证人", "网址别名"):
        assert label in page
    for english in ("Verified at", "Verified by", "Slug"):
        assert english not in page
    page = admin_client.get(f"/admin/catalog/product/{product.pk}/change/").content.decode()
    assert "商家" in page and "分类" in page
    assert ">Seller<" not in page and ">Category<" not in page
    listing = admin_client.get("/admin/catalog/product/").content.decode()
    assert "创建时间" in listing and "Created at" not in listing


def test_the_admin_refuses_to_publish_for_an_unverified_seller(admin_client, product):
    from catalog.models import Seller

    Seller.objects.filter(pk=product.seller_id).update(is_verified=False)
    product.__class__.objects.filter(pk=product.pk).update(is_published=False)
    form = _change_form(product, "")
    form["images-TOTAL_FORMS"] = "0"
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)
    assert response.status_code == 200
    assert (
        "运营人员必须先认证该商家" in response.content.decode()
        or "errorlist" in response.content.decode()
    )
    product.refresh_from_db()
    assert product.is_published is False


@pytest.mark.parametrize(
    ("gtin", "stored"),
    [("6901234567892", "06901234567892"), ("6901234567893", None), ("12345678901234x", None)],
)
def test_the_admin_checks_a_gtins_check_digit_and_pads_it(admin_client, product, gtin, stored):
    form = _change_form(product, "")
    form["images-TOTAL_FORMS"] = "0"
    form["variants-0-gtin"] = gtin
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)
    variant = product.variants.get()
    if stored:
        assert response.status_code == 302
        assert variant.gtin == stored
    else:
        assert response.status_code == 200
        assert "GTIN 无效：请检查位数和校验位。" in response.content.decode()
        assert variant.gtin is None


def test_stock_edited_in_the_admin_goes_through_the_stock_service(
    admin_client, product, django_capture_on_commit_callbacks
):
    from tests.helpers.api import GraphQLClient
    from tests.helpers.ids import gid

    query = "query ($id: ID!) { product(id: $id) { variants { stockQuantity } } }"
    anonymous = GraphQLClient()
    assert anonymous.execute(query, {"id": gid(product)})["product"]["variants"] == [
        {"stockQuantity": 10}
    ]
    form = _change_form(product, "")
    form["images-TOTAL_FORMS"] = "0"
    form["variants-0-stock_quantity"] = "-1"
    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)
    assert response.status_code == 200
    assert "库存不能为负数" in response.content.decode()
    assert product.variants.get().stock_quantity == 10

    form["variants-0-stock_quantity"] = "0"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)
    assert response.status_code == 302
    # Sold out in the admin: anonymous readers see it at once, as after the API.
    assert anonymous.execute(query, {"id": gid(product)})["product"]["variants"] == [
        {"stockQuantity": 0}
    ]


def test_a_product_added_in_the_admin_is_created_by_the_service(admin_client, product):
    from catalog.models import Product

    form = _change_form(product, "")
    form.update(
        {
            "name": "武功山红米",
            "name_en": "Wugong red rice",
            "images-TOTAL_FORMS": "0",
            "variants-INITIAL_FORMS": "0",
            "variants-0-id": "",
            "variants-0-product": "",
            "variants-0-sku": "HM-5KG",
        }
    )
    response = admin_client.post("/admin/catalog/product/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    added = Product.objects.get(name="武功山红米")
    assert added.slug == "wugong-red-rice"
    variant = added.variants.get()
    assert (variant.sku, variant.seller_id) == ("HM-5KG", product.seller_id)

"""Who may open a seller's workbench: signed-in members and operators. Anyone
else is sent to sign in, refused (403) or finds nothing (404), and nothing changes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog import services
from tests.helpers.catalog import SELLER_DATA
from tests.helpers.pictures import picture
from tests.helpers.workbench import browser, catalogue_rows


@pytest.fixture
def pending(other_seller_user):
    """A seller of another user that no operator has verified: hidden from others."""
    return services.create_seller(actor=other_seller_user, **{**SELLER_DATA, "name": "待审核"})


def pages(seller, product):
    variant = product.variants.get()
    base = f"/shop/{seller.pk}"
    return {
        f"{base}/": {},
        f"{base}/edit/": SELLER_DATA,
        f"{base}/farms/new/": {"name": "田"},
        f"{base}/products/new/": {"name": "米", "category": product.category_id},
        f"{base}/products/{product.pk}/": {"name": "改名", "category": product.category_id},
        f"{base}/products/{product.pk}/publish/": {"is_published": "false"},
        f"{base}/products/{product.pk}/variants/new/": {"name": "1 kg"},
        f"{base}/variants/{variant.pk}/": {"name": "1 kg"},
        f"{base}/variants/{variant.pk}/stock/": {f"stock-{variant.pk}-quantity": "0"},
    }


def test_signed_out_visitors_are_sent_to_sign_in(product):
    client = browser()
    before = catalogue_rows()
    for url, data in {
        "/shop/": {},
        "/shop/register/": SELLER_DATA,
        **pages(product.seller, product),
    }.items():
        for response in (client.get(url), client.post(url, data)):
            assert response.status_code == 302, url
            assert response["Location"].startswith("/login/?next=")
    assert catalogue_rows() == before


@pytest.mark.parametrize("role", ["customer", "station_staff", "other_seller"])
def test_a_non_member_is_refused_a_visible_sellers_workbench(role, users_by_role, product):
    client = browser(users_by_role[role])
    before = catalogue_rows()
    for url, data in pages(product.seller, product).items():
        assert client.get(url).status_code in (403, 405), url
        assert client.post(url, data).status_code == 403, url
    picture_url = f"/shop/{product.seller_id}/products/{product.pk}/pictures/"
    upload = SimpleUploadedFile("a.jpg", picture("JPEG", size=(64, 48)))
    assert client.post(picture_url, {"image": upload}).status_code == 403
    assert catalogue_rows() == before


def test_a_hidden_seller_is_not_found(customer, pending):
    client = browser(customer)
    assert client.get(f"/shop/{pending.pk}/").status_code == 404
    assert client.post(f"/shop/{pending.pk}/farms/new/", {"name": "田"}).status_code == 404
    assert client.get("/shop/999999/").status_code == 404


def test_another_sellers_objects_under_ones_own_seller_are_not_found(
    seller_user, seller, other_seller, other_seller_user, category
):
    """Their ids in the URL of one's own workbench find nothing: no leak, no write."""
    farm = services.create_farm(
        actor=other_seller_user,
        seller=other_seller,
        name="果园",
        village="苍溪",
        latitude="31.7",
        longitude="105.9",
        area_mu="20",
        produce="猕猴桃",
    )
    theirs = services.create_product(
        actor=other_seller_user, seller=other_seller, category=category, name="猕猴桃"
    )
    variant = services.create_variant(
        actor=other_seller_user,
        product=theirs,
        sku="MHT-1",
        name="5 斤",
        price="50.00",
        net_weight_grams=2500,
    )
    client = browser(seller_user)
    before = catalogue_rows()
    base = f"/shop/{seller.pk}"
    for url, data in {
        f"{base}/farms/{farm.pk}/": {"name": "我的"},
        f"{base}/products/{theirs.pk}/": {"name": "我的", "category": category.pk},
        f"{base}/products/{theirs.pk}/publish/": {"is_published": "false"},
        f"{base}/products/{theirs.pk}/pictures/": {},
        f"{base}/products/{theirs.pk}/variants/new/": {"name": "1 kg"},
        f"{base}/variants/{variant.pk}/": {"name": "我的"},
        f"{base}/variants/{variant.pk}/stock/": {f"stock-{variant.pk}-quantity": "0"},
    }.items():
        assert client.post(url, data).status_code == 404, url
    assert catalogue_rows() == before


def test_operators_open_any_sellers_workbench(operator, seller, product, pending):
    client = browser(operator)
    assert client.get(f"/shop/{seller.pk}/").status_code == 200
    assert client.get(f"/shop/{pending.pk}/").status_code == 200
    assert client.get(f"/shop/{seller.pk}/products/{product.pk}/").status_code == 200


def test_a_malformed_cursor_is_a_bad_request(seller_user, seller):
    client = browser(seller_user)
    assert client.get(f"/shop/{seller.pk}/?after=not-a-cursor").status_code == 400
    assert client.get(f"/shop/{seller.pk}/?farms=%00").status_code == 400

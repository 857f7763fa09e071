"""Every workbench form refuses bad input with the error beside the field, and
writes nothing: empty, too long, wrong format, NUL bytes, another seller's ids,
pictures that are not pictures or are bombs, and a double submit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog import services
from catalog.models import Product, ProductImage
from tests.helpers.catalog import SELLER_DATA
from tests.helpers.pictures import media_files, picture, png_header_only
from tests.helpers.workbench import browser, catalogue_rows, field_errors, token

FARM = {
    "name": "山腰梯田",
    "village": "王龙潭村",
    "latitude": "27.59",
    "longitude": "114.21",
    "area_mu": "12.5",
    "produce": "紫米",
}
VARIANT = {"name": "1 kg bag", "sku": "ZM-1KG", "price": "20.00", "net_weight_grams": "1000"}


@pytest.fixture
def farm(seller, seller_user):
    return services.create_farm(actor=seller_user, seller=seller, **FARM)


@pytest.fixture
def foreign(other_seller, other_seller_user, category):
    """Another seller's farm, product and variant."""
    farm = services.create_farm(actor=other_seller_user, seller=other_seller, **FARM)
    product = services.create_product(
        actor=other_seller_user, seller=other_seller, category=category, name="猕猴桃", farm=farm
    )
    variant = services.create_variant(
        actor=other_seller_user, product=product, **{**VARIANT, "net_weight_grams": 1000}
    )
    return farm, product, variant


def refused(client, url, data, field_id, expected=None):
    """POST `data`; the page comes back with an error beside `field_id` and nothing written."""
    before = catalogue_rows()
    response = client.post(url, data)
    assert response.status_code == 200, response
    errors = field_errors(response, field_id)
    assert errors and all(errors)
    if expected is not None:
        assert any(expected in e for e in errors), errors
    assert catalogue_rows() == before
    return errors


NUL = "紫\x00米"


@pytest.mark.parametrize(
    "changes, field, expected",
    [
        ({"name": ""}, "name", "required"),
        ({"name": "   "}, "name", "required"),
        ({"name": "社" * 121}, "name", "at most 120"),
        ({"name": NUL}, "name", "Null characters"),
        ({"kind": "bank"}, "kind", "valid choice"),
        ({"division_code": "36032320320"}, "division_code", "12 digits"),
        ({"division_code": "３６０３２３２０３２０１"}, "division_code", "12 digits"),
        ({"division_code": ""}, "division_code", "required"),
        ({"linked_poverty_households": "-1"}, "linked_poverty_households", "greater than"),
        ({"linked_poverty_households": "many"}, "linked_poverty_households", "whole number"),
        ({"linked_poverty_households": "9" * 30}, "linked_poverty_households", "less than"),
        ({"county": NUL}, "county", "Null characters"),
    ],
)
def test_registering_a_seller_refuses_bad_input(customer, changes, field, expected):
    client = browser(customer)
    data = {**SELLER_DATA, **changes, "submission": token(client, "/shop/register/")}
    refused(client, "/shop/register/", data, f"id_{field}", expected)


def test_editing_the_seller_refuses_bad_input(seller_user, seller):
    client = browser(seller_user)
    data = {**SELLER_DATA, "province": "省" * 41}
    refused(client, f"/shop/{seller.pk}/edit/", data, "id_province", "at most 40")


FARM_CASES = [
    ({"name": ""}, "name", "required"),
    ({"name": "田" * 121}, "name", "at most 120"),
    ({"produce": NUL}, "produce", "Null characters"),
    ({"latitude": "91"}, "latitude", "90"),
    ({"longitude": "-180.5"}, "longitude", "-180"),
    ({"latitude": "north"}, "latitude", "number"),
    ({"latitude": "nan"}, "latitude", "number"),
    ({"area_mu": "-1"}, "area_mu", "0"),
    ({"area_mu": "1.234"}, "area_mu", "decimal places"),
    ({"village": ""}, "village", "required"),
]


@pytest.mark.parametrize("changes, field, expected", FARM_CASES)
def test_adding_a_farm_refuses_bad_input(seller_user, seller, changes, field, expected):
    client = browser(seller_user)
    url = f"/shop/{seller.pk}/farms/new/"
    refused(
        client, url, {**FARM, **changes, "submission": token(client, url)}, f"id_{field}", expected
    )


@pytest.mark.parametrize("changes, field, expected", FARM_CASES)
def test_editing_a_farm_refuses_bad_input(seller_user, seller, farm, changes, field, expected):
    url = f"/shop/{seller.pk}/farms/{farm.pk}/"
    refused(browser(seller_user), url, {**FARM, **changes}, f"id_{field}", expected)


@pytest.mark.parametrize(
    "changes, field, expected",
    [
        ({"name": ""}, "name", "required"),
        ({"name": "米" * 121}, "name", "at most 120"),
        ({"name": NUL}, "name", "Null characters"),
        ({"category": ""}, "category", "required"),
        ({"category": "999999"}, "category", "valid choice"),
        ({"category": "abc"}, "category", "valid choice"),
        ({"farm": "1\x00"}, "farm", "Null characters"),
        ({"shelf_life_days": "0"}, "shelf_life_days", "at least one day"),
        ({"shelf_life_days": "-3"}, "shelf_life_days", "greater than or equal to 0"),
        ({"shelf_life_days": "1e9999"}, "shelf_life_days", "whole number"),
        ({"origin": "源" * 201}, "origin", "at most 200"),
    ],
)
def test_adding_a_product_refuses_bad_input(
    seller_user, seller, category, changes, field, expected
):
    client = browser(seller_user)
    url = f"/shop/{seller.pk}/products/new/"
    data = {"name": "红米", "category": category.pk, **changes, "submission": token(client, url)}
    refused(client, url, data, f"id_{field}", expected)


def test_another_sellers_farm_is_not_a_choice(
    seller_user, seller, category, product, farm, foreign
):
    their_farm = foreign[0]
    client = browser(seller_user)
    url = f"/shop/{seller.pk}/products/new/"
    page = client.get(url).content.decode()
    assert f'value="{farm.pk}"' in page and f'value="{their_farm.pk}"' not in page
    data = {
        "name": "红米",
        "category": category.pk,
        "farm": their_farm.pk,
        "submission": token(client, url),
    }
    refused(client, url, data, "id_farm", "valid choice")
    edit = {"name": product.name, "category": category.pk, "farm": their_farm.pk}
    refused(client, f"/shop/{seller.pk}/products/{product.pk}/", edit, "id_farm", "valid choice")


@pytest.mark.parametrize(
    "changes, field, expected",
    [
        ({"price": ""}, "price", "required"),
        ({"price": "0"}, "price", "greater than or equal to 0.01"),
        ({"price": "-5"}, "price", "greater than or equal to 0.01"),
        ({"price": "0.001"}, "price", "decimal places"),
        ({"price": "12,50"}, "price", "number"),
        ({"price": "NaN"}, "price", "number"),
        ({"price": "100000000"}, "price", "digits"),
        ({"sku": ""}, "sku", "required"),
        ({"sku": "S" * 65}, "sku", "at most 64"),
        ({"sku": "ZM-5KG"}, "sku", "already has a variant with this SKU"),
        ({"name": NUL}, "name", "Null characters"),
        ({"gtin": "6901234567890"}, "gtin", "check digit"),
        ({"gtin": "abc"}, "gtin", "GTIN"),
        ({"net_weight_grams": "0"}, "net_weight_grams", "positive"),
        ({"net_weight_grams": "heavy"}, "net_weight_grams", "whole number"),
        ({"stock_quantity": "-1"}, "stock_quantity", "greater than or equal to 0"),
        ({"stock_quantity": "2000000000"}, "stock_quantity", "too large"),
    ],
)
def test_adding_a_variant_refuses_bad_input(seller_user, seller, product, changes, field, expected):
    client = browser(seller_user)
    url = f"/shop/{seller.pk}/products/{product.pk}/variants/new/"
    data = {**VARIANT, "stock_quantity": "3", **changes, "submission": token(client, url)}
    refused(client, url, data, f"id_{field}", expected)


def test_editing_a_variant_refuses_a_gtin_used_elsewhere(seller_user, seller, product, foreign):
    services.update_variant(
        actor=foreign[0].seller.members.get(), variant=foreign[2], gtin="6901234567892"
    )
    variant = product.variants.get()
    url = f"/shop/{seller.pk}/variants/{variant.pk}/"
    data = {**VARIANT, "gtin": "6901234567892"}
    refused(browser(seller_user), url, data, "id_gtin", "Another variant already has this GTIN")


@pytest.mark.parametrize(
    "quantity, expected",
    [
        ("", "required"),
        ("-1", "Stock cannot be negative"),
        ("many", "whole number"),
        ("1000000001", "Stock is too large"),
        ("9" * 40, "less than or equal to"),
        ("1\x00", "whole number"),
    ],
)
def test_setting_stock_refuses_bad_input(seller_user, seller, product, quantity, expected):
    variant = product.variants.get()
    url = f"/shop/{seller.pk}/variants/{variant.pk}/stock/"
    prefix = f"stock-{variant.pk}"
    refused(
        browser(seller_user),
        url,
        {f"{prefix}-quantity": quantity},
        f"id_{prefix}-quantity",
        expected,
    )


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"not a picture at all", "readable"),
        (b"", "empty"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "readable"),
        (picture("JPEG", size=(64, 48))[:200], "readable"),
        (picture("GIF", size=(64, 48)), "readable"),
        (picture("PNG", size=(7000, 7000), mode="1"), "too many pixels"),
        (png_header_only(7000, 7000), "too many pixels"),
        (png_header_only(20000, 20000), "too many pixels"),
    ],
    ids=["text", "empty", "svg", "truncated-jpeg", "gif", "png-bomb", "bomb-header", "past-pillow"],
)
def test_a_picture_that_is_not_one_or_is_a_bomb_is_refused_beside_the_field(
    seller_user, seller, product, data, expected
):
    client = browser(seller_user)
    url = f"/shop/{seller.pk}/products/{product.pk}/"
    upload = SimpleUploadedFile("photo.jpg", data, "image/jpeg")
    post = {"image": upload, "alt": "紫米", "submission": token(client, url)}
    errors = refused(client, f"{url}pictures/", post, "picture_image")
    assert expected in " ".join(errors).lower(), errors
    assert media_files() == []


def test_a_picture_past_the_upload_limit_is_refused_beside_the_field(
    seller_user, seller, product, settings
):
    settings.UPLOAD_MAX_BYTES = 1024
    client = browser(seller_user)
    url = f"/shop/{seller.pk}/products/{product.pk}/"
    upload = SimpleUploadedFile("big.jpg", picture("JPEG", size=(800, 600)), "image/jpeg")
    refused(
        client,
        f"{url}pictures/",
        {"image": upload, "submission": token(client, url)},
        "picture_image",
        "larger than 1.0",
    )
    assert media_files() == []


def test_a_picture_with_too_long_alt_text_is_refused(seller_user, seller, product):
    client = browser(seller_user)
    url = f"/shop/{seller.pk}/products/{product.pk}/"
    upload = SimpleUploadedFile("photo.jpg", picture("JPEG", size=(64, 48)), "image/jpeg")
    post = {"image": upload, "alt": "字" * 201, "submission": token(client, url)}
    refused(client, f"{url}pictures/", post, "picture_alt", "at most 200")


def test_a_picture_sent_twice_is_stored_once(
    seller_user, seller, product, django_capture_on_commit_callbacks
):
    client = browser(seller_user)
    url = f"/shop/{seller.pk}/products/{product.pk}/"
    submission = token(client, url)
    for _attempt in range(2):
        upload = SimpleUploadedFile("photo.jpg", picture("JPEG", size=(64, 48)), "image/jpeg")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"{url}pictures/", {"image": upload, "submission": submission})
    assert "already sent" in response.content.decode()
    assert ProductImage.objects.count() == 1


@pytest.mark.parametrize("kind", ["farm", "product", "variant"])
def test_a_create_form_sent_twice_writes_once(seller_user, seller, product, category, kind):
    client = browser(seller_user)
    url, data = {
        "farm": (f"/shop/{seller.pk}/farms/new/", FARM),
        "product": (f"/shop/{seller.pk}/products/new/", {"name": "红米", "category": category.pk}),
        "variant": (
            f"/shop/{seller.pk}/products/{product.pk}/variants/new/",
            {**VARIANT, "stock_quantity": "1"},
        ),
    }[kind]
    data = {**data, "submission": token(client, url)}
    assert client.post(url, data).status_code == 302
    after_first = catalogue_rows()
    again = client.post(url, data)
    assert again.status_code == 200
    assert "This form was already sent; nothing was changed again." in again.content.decode()
    assert catalogue_rows() == after_first


def test_publishing_with_a_forged_value_is_refused(seller_user, seller, product):
    url = f"/shop/{seller.pk}/products/{product.pk}/publish/"
    refused(browser(seller_user), url, {"is_published": "yes\x00"}, "publish", "valid choice")
    assert Product.objects.get().is_published

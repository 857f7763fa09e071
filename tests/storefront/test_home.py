import io
import json
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from catalog import services
from tests.helpers.users import PASSWORD


def test_home_lists_published_products_with_prices(product):
    page = Client(HTTP_HOST="127.0.0.1").get("/").content.decode()
    assert "武功山紫米" in page
    assert "¥88.00" in page


def test_home_hides_unpublished_products(product, seller_user):
    services.update_product(actor=seller_user, product=product, is_published=False)
    page = Client(HTTP_HOST="127.0.0.1").get("/").content.decode()
    assert "武功山紫米" not in page


def test_sign_in_by_phone_opens_a_session_that_the_api_accepts(customer):
    browser = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    browser.get("/login/")
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/login/",
        {"username": "138 0013 8001", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    token = browser.cookies["csrftoken"].value
    me = browser.post(
        "/graphql/",
        json.dumps({"query": "{ me { phone } }"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert me.json() == {"data": {"me": {"phone": "+8613800138001"}}}
    assert "顾客" in browser.get("/").content.decode()


def test_a_wrong_password_shows_the_form_again(customer):
    browser = Client(HTTP_HOST="127.0.0.1")
    response = browser.post("/login/", {"username": "13800138001", "password": "wrong-one"})
    assert response.status_code == 200
    assert "_auth_user_id" not in browser.session


def test_home_shows_the_mobile_sized_webp_thumbnail(
    product, seller_user, django_capture_on_commit_callbacks
):
    picture = io.BytesIO()
    Image.new("RGB", (1600, 1200), (120, 40, 160)).save(picture, "JPEG")
    upload = SimpleUploadedFile("rice.jpg", picture.getvalue(), content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        services.add_product_image(actor=seller_user, product=product, upload=upload, alt="紫米")
    page = Client(HTTP_HOST="127.0.0.1").get("/").content.decode()
    webp = r'<source type="image/webp" srcset="/media/thumbnails/\S*rice-256\.webp 256w, '
    webp += r'/media/thumbnails/\S*rice-768\.webp 768w"'
    assert re.search(webp, page)
    jpeg = r'<img src="/media/thumbnails/\S*rice-768\.jpeg" '
    jpeg += r'width="768" height="576" alt="紫米"'
    assert re.search(jpeg, page)

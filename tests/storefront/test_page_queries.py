"""Every catalogue page costs the same SQL queries whatever it shows: a list of
10 products as one of 2, a product with 4 variants and 3 pictures as one with
1 of each (relations are loaded for the whole page at once, `shop.core.loading`)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from catalog import services


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PUBLIC_CACHE_SECONDS = 0


@pytest.fixture
def add_product(seller, seller_user, category, django_capture_on_commit_callbacks):
    made = []

    def add(variants=2, pictures=1):
        number = len(made)
        product = services.create_product(
            actor=seller_user,
            seller=seller,
            category=category,
            name=f"紫米{number:02d}",
            name_en=f"Purple rice {number:02d}",
            is_published=True,
        )
        for position in range(variants):
            services.create_variant(
                actor=seller_user,
                product=product,
                sku=f"P{number}-{position}",
                name=f"{position + 1} kg",
                net_weight_grams=1000 * (position + 1),
                price=f"{20 + position}.00",
                stock_quantity=position,
            )
        for position in range(pictures):
            data = io.BytesIO()
            Image.new("RGB", (400, 300), (120, 40 + position, 160)).save(data, "JPEG")
            upload = SimpleUploadedFile(f"p{number}-{position}.jpg", data.getvalue())
            with django_capture_on_commit_callbacks(execute=True):
                services.add_product_image(actor=seller_user, product=product, upload=upload)
        made.append(product)
        return product

    return add


def queries_for(path):
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries), response.content.decode()


LIST_PAGES = [
    "/",
    "/search/",
    "/search/?q=rice&sort=price_desc&price_min=1&cold_chain=no",
    "/search/?category=rice&region=36&sort=newest",
    "/c/rice/",
    "/s/wugong-mountain-purple-rice-cooperative/",
    "/region/360323203201/",
    "/region/36/",
]


@pytest.mark.parametrize("path", LIST_PAGES)
def test_a_list_page_costs_the_same_queries_for_2_or_10_products(add_product, path):
    for _ in range(2):
        add_product()
    few, page = queries_for(path)
    home = path == "/"  # featured and new products: each up to 8
    assert page.count('class="card"') == (4 if home else 2)
    for _ in range(8):
        add_product()
    many, page = queries_for(path)
    assert page.count('class="card"') == (16 if home else 10)
    assert many == few


def test_the_product_page_costs_the_same_for_many_variants_and_pictures(add_product):
    plain = add_product(variants=1, pictures=1)
    rich = add_product(variants=4, pictures=3)
    few, _ = queries_for(f"/p/{plain.slug}/")
    many, page = queries_for(f"/p/{rich.slug}/")
    assert page.count("<picture>") == 3
    assert page.count("<tr>") == 5  # the header and 4 variants
    assert many == few

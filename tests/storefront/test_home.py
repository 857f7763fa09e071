from django.test import Client

from catalog import services


def test_home_lists_published_products_with_prices(product):
    page = Client(HTTP_HOST="127.0.0.1").get("/").content.decode()
    assert "武功山紫米" in page
    assert "¥88.00" in page


def test_home_hides_unpublished_products(product):
    services.update_product(product, is_published=False)
    page = Client(HTTP_HOST="127.0.0.1").get("/").content.decode()
    assert "武功山紫米" not in page

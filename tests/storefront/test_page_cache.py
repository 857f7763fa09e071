"""Anonymous pages are kept whole per path, query and language, and a change
made through the services reaches them at once; nothing personal is kept."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants
from django.contrib.messages.storage.fallback import FallbackStorage
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from catalog import services
from storefront import page_cache
from storefront.views.catalogue import home


def anonymous(**headers):
    return Client(HTTP_HOST="127.0.0.1", **headers)


def fetch(client, path):
    """(status, page, SQL queries) of one request."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, response.content.decode(), len(queries)


PAGES = [
    "/",
    "/search/?q=紫米",
    "/c/rice/",
    "/p/wugong-purple-rice/",
    "/s/wugong-mountain-purple-rice-cooperative/",
    "/region/36/",
]


@pytest.mark.parametrize("path", PAGES)
def test_a_repeated_anonymous_page_costs_no_sql(product, path):
    status, first, cost = fetch(anonymous(), path)
    assert status == 200 and cost > 0
    status, again, cost = fetch(anonymous(), path)
    assert status == 200 and cost == 0
    assert again == first


def test_the_cache_keeps_languages_and_queries_apart(product):
    assert "Wugong purple rice" in fetch(anonymous(HTTP_ACCEPT_LANGUAGE="en"), "/")[1]
    chinese = fetch(anonymous(), "/")[1]
    assert '<html lang="zh-Hans">' in chinese and "Wugong purple rice" not in chinese
    assert "武功山紫米" in fetch(anonymous(), "/search/?q=紫米")[1]
    assert "武功山紫米" not in fetch(anonymous(), "/search/?q=红米")[1]


@pytest.mark.parametrize("path", PAGES)
def test_a_product_change_through_the_services_shows_at_once(
    product, seller_user, django_capture_on_commit_callbacks, path
):
    fetch(anonymous(), path)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_product(actor=seller_user, product=product, name="武功山有机紫米")
    assert "武功山有机紫米" in fetch(anonymous(), path)[1]


def test_selling_out_and_a_seller_change_show_at_once(
    product, seller, seller_user, django_capture_on_commit_callbacks
):
    path = f"/p/{product.slug}/"
    assert "In stock" in fetch(anonymous(HTTP_ACCEPT_LANGUAGE="en"), path)[1]
    with django_capture_on_commit_callbacks(execute=True):
        services.update_stock(actor=seller_user, variant=product.variants.get(), delta=-10)
    assert "Sold out" in fetch(anonymous(HTTP_ACCEPT_LANGUAGE="en"), path)[1]
    with django_capture_on_commit_callbacks(execute=True):
        services.update_seller(actor=seller_user, seller=seller, name_en="Wugong Rice Co-op")
    assert "Wugong Rice Co-op" in fetch(anonymous(HTTP_ACCEPT_LANGUAGE="en"), path)[1]


def test_unpublishing_makes_the_product_page_a_404_at_once(
    product, seller_user, django_capture_on_commit_callbacks
):
    path = f"/p/{product.slug}/"
    fetch(anonymous(), path)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_product(actor=seller_user, product=product, is_published=False)
    assert fetch(anonymous(), path)[0] == 404
    assert "武功山紫米" not in fetch(anonymous(), "/")[1]


def test_a_change_to_another_product_leaves_a_product_page_cached(
    product, other_seller, other_seller_user, category, django_capture_on_commit_callbacks
):
    path = f"/p/{product.slug}/"
    fetch(anonymous(), path)
    with django_capture_on_commit_callbacks(execute=True):
        services.create_product(
            actor=other_seller_user, seller=other_seller, category=category, name="猕猴桃"
        )
    assert fetch(anonymous(), path)[2] == 0
    assert fetch(anonymous(), "/search/")[2] > 0


def test_signed_in_visitors_get_fresh_pages_and_leave_nothing(product, seller_user, customer):
    services.update_product(actor=seller_user, product=product, is_published=False)
    owner = Client(HTTP_HOST="127.0.0.1")
    owner.force_login(seller_user)
    assert "武功山紫米" in owner.get("/").content.decode()
    assert "武功山紫米" not in fetch(anonymous(), "/")[1]
    assert "武功山紫米" in owner.get("/").content.decode()
    shopper = Client(HTTP_HOST="127.0.0.1")
    shopper.force_login(customer)
    assert fetch(shopper, "/")[2] > 0
    assert fetch(shopper, "/")[2] > 0
    assert "顾客" not in fetch(anonymous(), "/")[1]


def test_errors_and_bad_input_are_not_kept(product):
    for path in ("/p/no-such-product/", "/search/?price_min=abc", "/search/?after=bad"):
        status, _, _ = fetch(anonymous(), path)
        assert status in (400, 404)
        assert fetch(anonymous(), path)[2] > 0


def _request(path="/"):
    request = RequestFactory(HTTP_HOST="127.0.0.1").get(path)
    request.session = Client().session
    request._messages = FallbackStorage(request)
    request.LANGUAGE_CODE = "en"
    request.user = AnonymousUser()
    return request


def test_a_page_showing_messages_is_neither_served_from_nor_kept_in_the_cache(product):
    home(_request())  # now cached
    with_message = _request()
    with_message._messages.add(constants.INFO, "Your order was sent.")
    with CaptureQueriesContext(connection) as queries:
        page = home(with_message).content.decode()
    assert "Your order was sent." in page and len(queries) > 0
    assert "Your order was sent." not in home(_request()).content.decode()


def test_a_response_that_sets_a_cookie_is_not_kept(db, settings):
    calls = []

    @page_cache.cached_page()
    def view(request):
        calls.append(1)
        response = home(request)
        response.set_cookie("seen", "1")
        return response

    view(_request())
    view(_request())
    assert len(calls) == 2


def test_with_the_cache_off_every_page_is_computed(product, settings):
    settings.PUBLIC_CACHE_SECONDS = 0
    fetch(anonymous(), "/")
    assert fetch(anonymous(), "/")[2] > 0

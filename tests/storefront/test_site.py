"""What every page shares: the language switch, the head tags, static assets,
the form template and the one-time submission token."""

import gzip
import json
from pathlib import Path

import pytest
from django import forms
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.staticfiles import finders
from django.test import Client, RequestFactory

from shop.core.errors import DomainError, RequestErrorCode
from storefront.forms.base import PageForm, SubmitOnce

pytestmark = pytest.mark.django_db


def browser(**headers):
    return Client(HTTP_HOST="127.0.0.1", **headers)


@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        ("", "zh-Hans"),
        ("fr-FR,fr;q=0.9", "zh-Hans"),
        ("en-US,en;q=0.8", "en"),
        ("zh-CN", "zh-Hans"),
    ],
)
def test_pages_are_chinese_unless_the_browser_prefers_english(accept, lang):
    page = browser(HTTP_ACCEPT_LANGUAGE=accept).get("/").content.decode()
    assert f'<html lang="{lang}">' in page


def test_the_language_switch_remembers_the_choice_and_goes_back():
    client = browser(HTTP_ACCEPT_LANGUAGE="zh-CN")
    page = client.get("/login/").content.decode()
    assert 'href="/lang/en/?next=%2Flogin%2F"' in page
    response = client.get("/lang/en/", {"next": "/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/login/").content.decode().startswith('<!doctype html>\n<html lang="en">')
    page = client.get("/").content.decode()
    assert 'href="/lang/zh-hans/?next=%2F"' in page
    client.get("/lang/zh-hans/", {"next": "/"})
    assert '<html lang="zh-Hans">' in client.get("/").content.decode()


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_the_language_switch_never_sends_visitors_elsewhere(target):
    response = browser().get("/lang/en/", {"next": target})
    assert response["Location"] == "/"


def test_an_unknown_language_changes_nothing():
    client = browser()
    response = client.get("/lang/xx/", {"next": "/"})
    assert response.status_code == 302
    assert "django_language" not in response.cookies
    assert '<html lang="zh-Hans">' in client.get("/").content.decode()


def test_the_switch_is_a_plain_link_so_anonymous_pages_carry_no_csrf_token():
    page = browser().get("/").content.decode()
    assert "csrfmiddlewaretoken" not in page


def test_every_page_has_canonical_and_open_graph_tags(settings):
    settings.PUBLIC_BASE_URL = "https://shancun.example"
    page = browser().get("/", {"utm_source": "wechat"}).content.decode()
    assert '<link rel="canonical" href="https://shancun.example/">' in page
    assert '<meta property="og:url" content="https://shancun.example/">' in page
    assert (
        '<meta property="og:image" content="https://shancun.example/static/storefront/icon-512.png">'
        in page
    )
    assert '<meta name="description" content="来自山村的特色食品，源头可追溯至基地。">' in page


def test_the_favicon_manifest_and_stylesheet_are_served_by_the_app():
    page = browser().get("/").content.decode()
    for href in (
        "/static/storefront/favicon.svg",
        "/static/storefront/manifest.webmanifest",
        "/static/storefront/site.css",
    ):
        assert f'href="{href}"' in page
    manifest = json.loads(Path(finders.find("storefront/manifest.webmanifest")).read_bytes())
    assert manifest["lang"] == "zh-Hans"
    for icon in manifest["icons"]:
        assert finders.find(f"storefront/{icon['src']}")
    assert "http" not in page.split("<body>")[0].replace("https://", "").replace(
        "http://127.0.0.1", ""
    )


def test_robots_txt_keeps_crawlers_out_of_private_pages():
    body = browser().get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in body
    assert "Disallow: /shop/" in body


def test_a_missing_page_is_a_404_page_in_the_visitors_language():
    zh = browser().get("/no-such-page/")
    en = browser(HTTP_ACCEPT_LANGUAGE="en").get("/no-such-page/")
    assert zh.status_code == en.status_code == 404
    assert "页面不存在" in zh.content.decode()
    assert "This page does not exist" in en.content.decode()


class PlantingForm(SubmitOnce, PageForm):
    crop = forms.CharField(label="Crop", max_length=10, help_text="What grows there.")


def test_a_fields_errors_are_shown_beside_it_and_named_by_aria():
    form = PlantingForm(data={"crop": "x" * 11})
    assert not form.is_valid()
    html = form.render()
    assert 'aria-describedby="id_crop_helptext id_crop_error"' in html
    assert 'aria-invalid="true"' in html
    assert '<div class="error" id="id_crop_error"><p>' in html
    assert html.index('<label for="id_crop"') < html.index('id="id_crop_error"')


def test_a_services_errors_land_on_the_fields_they_name():
    form = PlantingForm(data={"crop": "rice"})
    assert form.is_valid()
    error = DomainError.of(
        [
            *DomainError(RequestErrorCode.INVALID_CURSOR, "Crop is wrong.", "crop").errors,
            *DomainError(RequestErrorCode.INVALID_CURSOR, "Whole form.", "not_a_field").errors,
        ]
    )
    form.show_domain_error(error)
    assert form.errors == {"crop": ["Crop is wrong."], "__all__": ["Whole form."]}


def test_a_form_sent_twice_is_refused_the_second_time():
    request = RequestFactory().post("/")
    request.session = SessionStore()
    token = PlantingForm().initial["submission"]
    first = PlantingForm(data={"crop": "rice", "submission": token})
    assert first.is_valid() and not first.submitted_before(request)
    first.remember(request)
    again = PlantingForm(data={"crop": "rice", "submission": token})
    assert again.is_valid()
    assert again.submitted_before(request)
    assert again.non_field_errors() == ["This form was already sent; nothing was changed again."]
    fresh = PlantingForm(data={"crop": "rice", "submission": PlantingForm().initial["submission"]})
    assert fresh.is_valid() and not fresh.submitted_before(request)


def test_pages_travel_compressed_to_browsers_that_accept_it():
    response = browser(HTTP_ACCEPT_ENCODING="gzip, deflate, br").get("/")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert gzip.decompress(response.content).decode().startswith("<!doctype html>")

"""Registering and signing in on the pages: the account service's rules beside each
field, nothing created on a mistake, demo logins only while DEBUG is on."""

import re

import pytest
from django.test import Client

from catalog.demo import data as demo
from shop.accounts.models import User
from shop.core import notifications
from tests.helpers.users import PASSWORD

STRONG = "mountain-tea-2026"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def browser(db):
    return Client(HTTP_HOST="127.0.0.1", **EN)


def register(browser, **fields):
    data = {"phone": "", "email": "", "name": "", "password": STRONG, "password_again": STRONG}
    return browser.post("/register/", {**data, **fields})


def field_error(page, field):
    """The text of the error shown beside `field` (the form template's markup)."""
    html = page.content.decode()
    marker = f'id="id_{field}_error"'
    assert marker in html, f"no error beside {field}"
    return html.split(marker, 1)[1].split("</div>", 1)[0]


def sent_code(to):
    return re.search(r"\b(\d{6})\b", notifications.outbox[-1].text).group(1)


def confirm(browser, code):
    return browser.post("/register/confirm/", {"code": code})


def test_registering_by_phone_confirms_the_code_signs_in_and_goes_home(browser):
    response = register(browser, phone="139 7991 1555", name="新用户")
    assert response.status_code == 302 and response["Location"] == "/register/confirm/"
    page = browser.get("/register/confirm/").content.decode()
    assert "139****1555" in page and 'autocomplete="one-time-code"' in page
    assert not User.objects.exists()
    assert notifications.outbox[-1].to == "+8613979911555"
    response = confirm(browser, sent_code("+8613979911555"))
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get()
    assert str(user.phone) == "+8613979911555" and user.name == "新用户"
    assert user.check_password(STRONG)
    assert browser.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_code_comes_back_beside_its_field(browser):
    register(browser, phone="13979911555")
    page = confirm(browser, "12345x")
    assert page.status_code == 200 and "not right" in field_error(page, "code")
    assert not User.objects.exists() and "_auth_user_id" not in browser.session


def test_a_taken_number_is_answered_like_a_new_one(browser, customer):
    """Threat: a stranger learns from the page whether a number has an account."""
    taken = register(browser, phone="13800138001")
    assert taken.status_code == 302 and taken["Location"] == "/register/confirm/"
    assert "138****8001" in browser.get("/register/confirm/").content.decode()
    assert [m.to for m in notifications.outbox] == ["+8613800138001"]  # its owner, told
    assert "registered" not in browser.get("/register/confirm/").content.decode().lower()


def test_registering_by_email_returns_to_a_safe_next(browser):
    register(browser, email="Li.Ming@Example.CN", next="/search/?q=茶")
    response = confirm(browser, sent_code("li.ming@example.cn"))
    assert response.status_code == 302 and response["Location"] == "/search/?q=%E8%8C%B6"
    assert User.objects.get().email.endswith("@example.cn")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\x00x"])
def test_an_unsafe_next_goes_home_instead(browser, target):
    register(browser, phone="13979911556", next=target)
    response = confirm(browser, sent_code("+8613979911556"))
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({}, "phone", "Give a mobile phone number or an email"),
        ({"phone": "12345"}, "phone", "valid mainland China mobile"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"phone": "138\x0000138009"}, "phone", "Null characters"),
        ({"phone": "1" * 33}, "phone", "at most 32"),
        ({"email": "a" * 250 + "@x.cn"}, "email", "at most 254"),
        ({"name": "名" * 101, "phone": "13979911557"}, "name", "at most 100"),
        (
            {"phone": "13979911557", "password": "12345678", "password_again": "12345678"},
            "password",
            "entirely numeric",
        ),
        (
            {"phone": "13979911557", "password": "short", "password_again": "short"},
            "password",
            "too short",
        ),
        (
            {"phone": "13979911557", "password_again": "mountain-tea-2027"},
            "password_again",
            "not the same",
        ),
        ({"phone": "13979911557", "password": "", "password_again": ""}, "password", "required"),
    ],
)
def test_a_mistake_comes_back_beside_its_field_and_creates_nothing(
    browser, customer, operator, fields, field, says
):
    before = list(User.objects.order_by("pk").values())
    page = register(browser, **fields)
    assert page.status_code == 200
    assert says in field_error(page, field)
    assert list(User.objects.order_by("pk").values()) == before
    assert "_auth_user_id" not in browser.session


def test_the_pages_link_sign_in_and_register_keeping_next(browser):
    sign_in = browser.get("/login/?next=/search/").content.decode()
    assert 'href="/register/?next=/search/"' in sign_in
    assert 'name="next" value="/search/"' in sign_in
    assert 'href="/login/"' in browser.get("/register/").content.decode()


def test_sign_in_returns_to_next(browser, customer):
    response = browser.post(
        "/login/", {"username": "13800138001", "password": PASSWORD, "next": "/search/"}
    )
    assert response.status_code == 302 and response["Location"] == "/search/"


def test_demo_logins_are_shown_while_debug_is_on(browser, settings):
    settings.DEBUG = True
    page = browser.get("/login/").content.decode()
    assert demo.OPERATOR["email"] in page and demo.OPERATOR_PASSWORD in page
    assert demo.SELLER_PASSWORD in page
    assert all(record["member"]["phone"] in page for record in demo.SELLERS)


def test_demo_logins_are_never_shown_without_debug(browser, settings):
    settings.DEBUG = False
    page = browser.get("/login/").content.decode()
    for secret in (demo.OPERATOR_PASSWORD, demo.SELLER_PASSWORD, demo.OPERATOR["email"]):
        assert secret not in page
    assert "Demo logins" not in page

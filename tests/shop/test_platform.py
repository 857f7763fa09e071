"""The platform around the API: deploy checks, health, CSRF, GraphiQL."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.helpers.users import PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_in_a_production_like_environment():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECURE_SSL_REDIRECT", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="shop.settings",
        SECRET_KEY="k9#Vq2!zR7@pL4$wX8^mN1&bT6*yH3(cJ5)fD0_gS-uE=aQ+iO",
        ALLOWED_HOSTS="shop.example.cn",
        PUBLIC_BASE_URL="https://shop.example.cn",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env["DJANGO_SETTINGS_MODULE"] = "shop.settings"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_healthz_reports_database_and_broker():
    response = Client(HTTP_HOST="127.0.0.1").get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == ("ok" if settings.CELERY_BROKER_URL else "eager")


@pytest.mark.django_db
def test_healthz_says_down_when_the_broker_is_unreachable(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = Client(HTTP_HOST="127.0.0.1").get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"


@pytest.mark.django_db
def test_cookie_authenticated_graphql_posts_need_the_csrf_token():
    make_user(phone="13800138000")
    browser = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    assert browser.login(username="13800138000", password=PASSWORD)
    body = json.dumps({"query": "{ me { phone } }"})
    refused = browser.post("/graphql/", body, content_type="application/json")
    assert refused.status_code == 403

    browser.get("/graphql/", HTTP_ACCEPT="text/html")
    token = browser.cookies["csrftoken"].value
    allowed = browser.post(
        "/graphql/", body, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert allowed.json() == {"data": {"me": {"phone": "+8613800138000"}}}


@pytest.mark.django_db
def test_anonymous_api_clients_need_no_csrf_token():
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    response = client.post(
        "/graphql/", json.dumps({"query": "{ me { id } }"}), content_type="application/json"
    )
    assert response.json() == {"data": {"me": None}}


@pytest.mark.django_db
def test_graphiql_is_served_to_browsers():
    response = Client(HTTP_HOST="127.0.0.1").get("/graphql/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"graphiql" in response.content.lower()


@pytest.mark.django_db
def test_mutations_cannot_be_sent_with_get():
    response = Client(HTTP_HOST="127.0.0.1").get(
        "/graphql/", {"query": 'mutation { tokenRefresh(refreshToken: "x") { token } }'}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.django_db
def test_admin_login_page_is_served():
    assert Client(HTTP_HOST="127.0.0.1").get("/admin/login/").status_code == 200

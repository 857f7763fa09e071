"""Threat: a shared cache (a carrier's proxy, a station's shared phone) keeps a
page with someone's personal data. Property: every response to a signed-in
user, by session or bearer token, is `Cache-Control: private, no-store`."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from shop.accounts.tokens import create_access_token
from tests.helpers.users import PASSWORD, make_user


@pytest.mark.django_db
def test_pages_of_a_signed_in_user_are_private_and_not_stored(product):
    make_user(phone="13800138000")
    browser = Client(HTTP_HOST="127.0.0.1")
    public = browser.get(reverse("storefront:product", args=[product.slug]))
    assert "private" not in public.get("Cache-Control", "")
    assert browser.login(username="13800138000", password=PASSWORD)
    for path in ("/", reverse("storefront:product", args=[product.slug]), "/shop/"):
        response = browser.get(path)
        assert response["Cache-Control"] == "private, no-store", path


@pytest.mark.django_db
def test_api_answers_to_a_bearer_token_are_private_and_not_stored():
    user = make_user(phone="13800138000")
    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {create_access_token(user)}")
    body = json.dumps({"query": "{ me { phone } }"})
    response = api.post("/graphql/", body, content_type="application/json")
    assert response.json()["data"]["me"]["phone"] == "+8613800138000"
    assert response["Cache-Control"] == "private, no-store"
    anonymous = Client(HTTP_HOST="127.0.0.1").post(
        "/graphql/", body, content_type="application/json"
    )
    assert "private" not in anonymous.get("Cache-Control", "")

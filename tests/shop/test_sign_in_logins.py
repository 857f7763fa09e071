"""Logins are normalised in one place (shop.accounts.selectors), stored in that
form, and looked up by exact match."""

import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumber_field.phonenumber import PhoneNumber

from shop.accounts import registration
from shop.accounts.models import User
from shop.accounts.selectors import (
    MAX_LOGIN_LENGTH,
    canonical_email,
    find_user_by_login,
    normalise_login,
)
from shop.core import notifications
from shop.core.errors import DomainError
from tests.helpers.users import PASSWORD, make_user


@pytest.mark.parametrize(
    ("login", "expected"),
    [
        ("13800138000", "+8613800138000"),
        (" +86 138-0013-8000 ", "+8613800138000"),
        ("１３８００１３８０００", "+8613800138000"),
        ("008613800138000", "+8613800138000"),
        ("Sister@Example.COM", "sister@example.com"),
        ("ſister@example.com", "sister@example.com"),
        ("sıster@example.com", "sister@example.com"),
        ("ｓｉｓｔｅｒ＠ｅｘａｍｐｌｅ．ｃｏｍ", "sister@example.com"),
        ("STRAẞE@example.com", "strasse@example.com"),
        ("12345", "12345"),  # no account can match it, but it is counted the same way
        ("+12025550123", "+12025550123"),
        (PhoneNumber.from_string("13800138000", region="CN"), "+8613800138000"),
    ],
)
def test_normalise_login(login, expected):
    assert normalise_login(login) == expected


@pytest.mark.parametrize(
    "login",
    [
        "",
        "   ",
        "a" * (MAX_LOGIN_LENGTH + 1),
        "a" * 1_000_000 + "@example.com",
        None,
        "\ud800@example.com",
    ],
)
def test_logins_that_cannot_be_an_account_are_refused(login):
    assert normalise_login(login) is None


def test_a_login_that_grows_past_the_limit_when_folded_is_refused():
    assert len("ß" * 200) <= MAX_LOGIN_LENGTH
    assert normalise_login("ß" * 200 + "@x.cn") is None


@settings(database=None)
@given(st.text(max_size=300))
def test_normalising_twice_changes_nothing(text):
    once = normalise_login(text)
    if once is not None:
        assert len(once) <= MAX_LOGIN_LENGTH
        assert normalise_login(once) == once
    assert canonical_email(canonical_email(text)) == canonical_email(text)


@pytest.mark.django_db
def test_emails_are_stored_normalised_whichever_way_an_account_is_made():
    started = registration.start_registration(password=PASSWORD, email=" Li@Example.CN ")
    code = re.search(r"\b(\d{6})\b", notifications.outbox[-1].text).group(1)
    registered = registration.confirm_registration(login=started.login, code=code)
    created = make_user(email="ＷＡＮＧ@example.cn")
    saved = User(email="ſun@EXAMPLE.cn")
    saved.set_password(PASSWORD)
    saved.save()
    emails = sorted(User.objects.values_list("email", flat=True))
    assert emails == ["li@example.cn", "sun@example.cn", "wang@example.cn"]
    assert {registered.email, created.email, saved.email} == set(emails)


@pytest.mark.django_db
def test_registering_another_spelling_of_a_taken_email_tells_its_owner():
    make_user(email="sister@example.com")
    started = registration.start_registration(password=PASSWORD, email="SIſTER@example.com")
    assert started.login == "sister@example.com"
    [told] = notifications.outbox
    assert told.to == "sister@example.com" and not re.search(r"\b\d{6}\b", told.text)
    for bad in ["a" * 250 + "@x.cn", "a@\ud800.cn"]:
        with pytest.raises(DomainError) as invalid:
            registration.start_registration(password=PASSWORD, email=bad)
        assert invalid.value.code.name == "INVALID"


@pytest.mark.django_db
def test_an_email_typed_into_the_admin_is_stored_normalised():
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(make_user(phone="13800138009", is_staff=True, is_superuser=True))
    response = browser.post(
        "/admin/accounts/user/add/",
        {"email": "New.Person@Example.CN", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(phone=None)
    assert user.email == "new.person@example.cn"
    assert find_user_by_login("NEW.PERSON@example.cn") == user


@pytest.mark.django_db
def test_the_lookup_is_an_exact_match_on_the_normalised_form():
    user = make_user(phone="13800138000", email="li@example.cn")
    assert find_user_by_login("LI@EXAMPLE.CN") == user
    assert find_user_by_login("+86 13800138000") == user
    assert find_user_by_login("li@example.c") is None
    assert find_user_by_login("i@example.cn") is None
    assert find_user_by_login("13800138001") is None
    assert find_user_by_login("%@example.cn") is None


@pytest.mark.django_db
def test_the_data_migration_normalises_stored_emails_and_keeps_conflicts():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("shop.accounts.migrations.0003_normalise_emails")
    kept = make_user(email="li@example.cn")
    clash = make_user(phone="13800138001")
    mixed = make_user(phone="13800138002")
    # Rows written before emails were normalised (bypassing save, which normalises).
    User.objects.filter(pk=clash.pk).update(email="LI@example.cn")
    User.objects.filter(pk=mixed.pk).update(email=" Wang@Example.CN")
    migration.normalise_emails(apps, SimpleNamespace(connection=connection))
    emails = dict(User.objects.values_list("pk", "email"))
    assert emails == {
        kept.pk: "li@example.cn",
        clash.pk: "LI@example.cn",  # its normalised form is taken: left for an operator
        mixed.pk: "wang@example.cn",
    }


@pytest.mark.django_db
def test_the_admin_refuses_another_spelling_of_a_taken_email():
    make_user(email="li@example.cn")
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(make_user(phone="13800138009", is_staff=True, is_superuser=True))
    response = browser.post(
        "/admin/accounts/user/add/",
        {"email": "LI@Example.CN", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert User.objects.count() == 2


@pytest.mark.django_db
def test_createsuperuser_finds_an_email_however_it_is_written():
    from django.core.management import CommandError, call_command

    make_user(email="root@example.cn")
    with pytest.raises(CommandError, match="already taken"):
        call_command("createsuperuser", email="ROOT@Example.cn", interactive=False, verbosity=0)
    assert User.objects.get_by_natural_key("ROOT@example.CN").email == "root@example.cn"

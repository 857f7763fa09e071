"""A password change, a deactivation or tokensRevoke revokes every API token
issued before; new ones work."""

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.test import Client

from shop.accounts.models import User
from tests.helpers.api import GraphQLClient
from tests.helpers.users import PASSWORD, make_user

NEW_PASSWORD = "mountain-tea-2027"
TOKEN = """
mutation Token($login: String!, $password: String!) {
  tokenCreate(login: $login, password: $password) { token refreshToken errors { code } }
}"""
REFRESH = """
mutation Refresh($token: String!) {
  tokenRefresh(refreshToken: $token) { token errors { field code } }
}"""
REVOKE = "mutation { tokensRevoke { errors { field code message } } }"
ME = "{ me { phone } }"


def sign_in(login="13800138000", password=PASSWORD):
    data = GraphQLClient().execute(TOKEN, {"login": login, "password": password})["tokenCreate"]
    assert data["errors"] == [], data
    return data["token"], data["refreshToken"]


def me_with(access):
    client = GraphQLClient()
    client.headers["HTTP_AUTHORIZATION"] = f"Bearer {access}"
    return client.execute(ME)["me"]


def refreshed_with(refresh):
    return GraphQLClient().execute(REFRESH, {"token": refresh})["tokenRefresh"]


def assert_dead(access, refresh):
    assert me_with(access) is None
    assert refreshed_with(refresh) == {
        "token": None,
        "errors": [{"field": "refreshToken", "code": "INVALID_TOKEN"}],
    }


def assert_alive(access, refresh):
    assert me_with(access) == {"phone": "+8613800138000"}
    new = refreshed_with(refresh)
    assert new["errors"] == [] and me_with(new["token"]) == {"phone": "+8613800138000"}


@pytest.fixture
def user(db):
    return make_user(phone="13800138000")


def test_tokens_work_until_something_revokes_them(user):
    assert_alive(*sign_in())


def test_a_password_change_revokes_tokens(user):
    old = sign_in()
    user.set_password(NEW_PASSWORD)
    user.save()
    assert_dead(*old)
    assert_alive(*sign_in(password=NEW_PASSWORD))


def test_a_password_saved_with_update_fields_takes_the_new_key_along(user):
    old = sign_in()
    user.set_password(NEW_PASSWORD)
    user.save(update_fields=["password"])
    stored = User.objects.get(pk=user.pk)
    assert stored.token_key == user.token_key
    assert stored.check_password(NEW_PASSWORD)
    assert_dead(*old)


def test_a_password_reset_form_revokes_tokens(user):
    old = sign_in()
    form = SetPasswordForm(user, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()
    assert_dead(*old)
    assert_alive(*sign_in(password=NEW_PASSWORD))


def test_an_operator_changing_a_password_in_the_admin_revokes_tokens(user):
    old = sign_in()
    admin = Client(HTTP_HOST="127.0.0.1")
    admin.force_login(make_user(email="root@example.cn", is_staff=True, is_superuser=True))
    response = admin.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert_dead(*old)
    assert_alive(*sign_in(password=NEW_PASSWORD))


def test_making_the_password_unusable_revokes_tokens(user):
    old = sign_in()
    user.set_unusable_password()
    user.save()
    assert_dead(*old)


def test_a_password_hash_upgrade_is_not_a_password_change(user, settings):
    old = sign_in()
    key = User.objects.get(pk=user.pk).token_key
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.ScryptPasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    sign_in()  # a correct password, stored by the old hasher: re-hashed
    stored = User.objects.get(pk=user.pk)
    assert stored.password.startswith("scrypt$")
    assert stored.token_key == key
    assert_alive(*old)


def test_deactivation_revokes_tokens_for_good(user):
    old = sign_in()
    user.is_active = False
    user.save()
    assert_dead(*old)
    user.is_active = True
    user.save()
    assert_dead(*old)
    assert_alive(*sign_in())


def test_deactivation_with_update_fields_saves_the_new_key(user):
    old = sign_in()
    user.is_active = False
    user.save(update_fields=["is_active"])
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert_dead(*old)


def test_reactivating_after_a_bulk_deactivation_revokes_tokens(user):
    """QuerySet.update bypasses save(); reactivating through save() still revokes."""
    old = sign_in()
    User.objects.filter(pk=user.pk).update(is_active=False)
    stale = User.objects.get(pk=user.pk)
    stale.is_active = True
    stale.save()
    assert_dead(*old)


def test_an_operator_deactivating_a_user_in_the_admin_revokes_tokens(user):
    old = sign_in()
    admin = Client(HTTP_HOST="127.0.0.1")
    admin.force_login(make_user(email="root@example.cn", is_staff=True, is_superuser=True))
    response = admin.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {"phone": "+8613800138000", "email": "", "name": "", "groups": []},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.is_active is False
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert_dead(*old)


def test_saving_other_fields_keeps_tokens(user):
    old = sign_in()
    user.name = "李"
    user.save()
    user.refresh_from_db()
    user.save(update_fields=["name"])
    assert_alive(*old)


def test_tokens_revoke_signs_the_user_out_of_every_client(user):
    other = make_user(phone="13800138009")
    others = sign_in("13800138009")
    first, second = sign_in(), sign_in()
    client = GraphQLClient()
    client.headers["HTTP_AUTHORIZATION"] = f"Bearer {first[0]}"
    assert client.execute(REVOKE) == {"tokensRevoke": {"errors": []}}
    assert_dead(*first)
    assert_dead(*second)
    assert client.error_code(REVOKE) == "UNAUTHENTICATED"
    assert_alive(*sign_in())
    assert me_with(others[0]) == {"phone": str(other.phone)}


def test_tokens_revoke_needs_a_signed_in_user(user):
    status, body = GraphQLClient().post(REVOKE)
    assert status == 200
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert body["data"] == {"tokensRevoke": None}
    assert User.objects.get(pk=user.pk).token_key == user.token_key

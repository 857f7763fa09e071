"""The sign-in throttle: each attack of the issue, through the real ways in
(/login/, /admin/login/, the API's tokenCreate) and the real cache
(locmem by default, Redis when CACHE_URL is set)."""

import re
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from shop.accounts import services, throttle
from shop.accounts.errors import AccountErrorCode
from shop.accounts.models import User
from shop.core.errors import DomainError
from tests.helpers.api import GraphQLClient
from tests.helpers.users import PASSWORD, make_user

TOKEN = """
mutation Token($login: String!, $password: String!) {
  tokenCreate(login: $login, password: $password) { token errors { field code message } }
}"""
ACCOUNT_LOCKED_EN = "Too many failed attempts to sign in to this account; try again in 15 minutes."
ACCOUNT_LOCKED_ZH = "该账号登录失败次数过多，请 15 分钟后再试。"
NETWORK_LOCKED_EN = "Too many failed sign-in attempts from your network; try again in 15 minutes."
OWNER = "203.0.113.10"
STRANGER = "198.51.100.20"
ATTACKER = "192.0.2.30"


pytestmark = pytest.mark.usefixtures("ratelimit_clock")


def api(login, password, address=STRANGER, **meta):
    client = GraphQLClient()
    client.headers.update(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en", **meta)
    return client.execute(TOKEN, {"login": login, "password": password})["tokenCreate"]


def api_codes(login, password, address=STRANGER, **meta):
    return [e["code"] for e in api(login, password, address, **meta)["errors"]]


def web(login, password, address=STRANGER, path="/login/", language="en"):
    """Post a login form; return (signed in?, the form's non-field error codes, the page)."""
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language)
    response = client.post(path, {"username": login, "password": password, "next": "/admin/"})
    signed_in = "_auth_user_id" in client.session
    if response.status_code == 302:
        return signed_in, [], ""
    form = response.context["form"]
    codes = [error.code for error in form.non_field_errors().as_data()]
    return signed_in, codes, response.content.decode()


def cache_entries():
    """Every (key, value) the limits cache holds, as bytes, read from the backend itself."""
    cache = caches["limits"]
    backend = type(cache).__name__
    if backend == "LocMemCache":
        return [(key.encode(), value) for key, value in cache._cache.items()]
    if backend.endswith("RedisCache"):  # this process's keys: xdist workers share the database
        client = cache._cache.get_client()
        keys = client.scan_iter(match=cache.make_key("*"))
        return [(key, client.get(key) or b"") for key in keys]
    pytest.fail(f"no way to list the entries of {backend}")


def test_25_wrong_passwords_on_the_web_login_lock_the_account(db):
    make_user(phone="13800138000")
    pages = [web("13800138000", f"guess-{n}") for n in range(25)]
    outcomes = [codes for _signed_in, codes, _page in pages]
    assert outcomes[:10] == [["invalid_login"]] * 10
    assert "The phone number, email or password is not correct." in pages[0][2]
    assert outcomes[10:] == [["too_many_attempts"]] * 15
    signed_in, codes, page = web("13800138000", PASSWORD)
    assert (signed_in, codes) == (False, ["too_many_attempts"])
    assert ACCOUNT_LOCKED_EN in page
    assert "Please enter a correct" not in page
    _, _, chinese = web("13800138000", PASSWORD, language="zh-hans")
    assert ACCOUNT_LOCKED_ZH in chinese


def test_an_account_locked_through_the_api_is_locked_on_the_web_and_the_admin(db):
    make_user(email="op@example.cn", is_staff=True, is_superuser=True)
    for n in range(throttle.MAX_FAILURES):
        assert api_codes("op@example.cn", f"guess-{n}") == ["INVALID_CREDENTIALS"]
    assert api_codes("op@example.cn", PASSWORD) == ["TOO_MANY_ATTEMPTS"]
    assert web("op@example.cn", PASSWORD)[:2] == (False, ["too_many_attempts"])
    signed_in, codes, page = web("op@example.cn", PASSWORD, path="/admin/login/")
    assert (signed_in, codes) == (False, ["too_many_attempts"])
    assert ACCOUNT_LOCKED_EN in page


def test_an_account_locked_on_the_web_and_the_admin_is_locked_for_the_api(db):
    make_user(email="op@example.cn", is_staff=True)
    for n in range(throttle.MAX_FAILURES):
        path = "/login/" if n % 2 else "/admin/login/"
        assert web("op@example.cn", f"guess-{n}", path=path)[1] == ["invalid_login"]
    assert api_codes("op@example.cn", PASSWORD) == ["TOO_MANY_ATTEMPTS"]
    # Another account is not affected.
    make_user(email="li@example.cn", is_staff=True)
    assert web("li@example.cn", PASSWORD, path="/admin/login/")[0] is True


def test_the_api_says_which_limit_refused_and_gives_no_token(db):
    make_user(phone="13800138000")
    for n in range(throttle.MAX_FAILURES):
        api("13800138000", f"guess-{n}")
    refused = api("13800138000", PASSWORD)
    assert refused["token"] is None
    assert refused["errors"] == [
        {"field": "login", "code": "TOO_MANY_ATTEMPTS", "message": ACCOUNT_LOCKED_EN}
    ]


@pytest.mark.parametrize(
    ("stored", "spellings"),
    [
        (
            {"email": "sister@example.com"},
            [
                "ſister@example.com",  # U+017F long s
                "sıster@example.com",  # U+0131 dotless i
                "SISTER@EXAMPLE.COM",
                " Sister@Example.com ",
                "ｓｉｓｔｅｒ＠ｅｘａｍｐｌｅ．ｃｏｍ",  # full width
            ],
        ),
        (
            {"phone": "13800138000"},
            [
                "13800138000",
                "１３８００１３８０００",  # full-width digits
                "+86 138 0013 8000",
                "+8613800138000",
                "138-0013-8000",
            ],
        ),
    ],
)
def test_every_spelling_of_a_login_counts_against_the_same_account(db, stored, spellings):
    make_user(**stored)
    for n in range(throttle.MAX_FAILURES):
        login = spellings[n % len(spellings)]
        # A different address each time: only the per-account count can add these up.
        address = f"198.51.100.{n + 1}"
        assert api_codes(login, f"guess-{n}", address) == ["INVALID_CREDENTIALS"]
    for login in spellings:
        assert api_codes(login, PASSWORD, "198.51.100.99") == ["TOO_MANY_ATTEMPTS"]


@pytest.mark.parametrize(
    "login", ["ſister@example.com", "sıster@example.com", "SISTER@example.com"]
)
def test_other_spellings_of_an_email_sign_in_to_the_same_account(db, login):
    user = make_user(email="sister@example.com")
    data = api(login, PASSWORD)
    assert data["errors"] == [] and data["token"]
    assert web(login, PASSWORD)[0] is True
    assert User.objects.get().pk == user.pk


def test_unknown_logins_are_locked_like_real_ones(db):
    """Counted by their normalised form, so that the lock does not tell which accounts exist."""
    for n in range(throttle.MAX_FAILURES):
        login = ["nobody@example.com", "NOBODY@example.com", "ｎobody@example.com"][n % 3]
        assert api_codes(login, "x", f"198.51.100.{n + 1}") == ["INVALID_CREDENTIALS"]
    assert api_codes("Nobody@Example.com", "x", "198.51.100.99") == ["TOO_MANY_ATTEMPTS"]


def test_one_address_failing_against_many_accounts_hits_the_address_limit(db):
    make_user(phone="13800138000")
    for n in range(throttle.MAX_FAILURES_PER_ADDRESS):
        # No account reaches its own limit: 30 different accounts, one try each.
        assert api_codes(f"user{n}@example.com", "guess", ATTACKER) == ["INVALID_CREDENTIALS"]
    data = api("13800138000", PASSWORD, ATTACKER)
    assert data["token"] is None
    assert data["errors"] == [
        {"field": "login", "code": "TOO_MANY_ATTEMPTS", "message": NETWORK_LOCKED_EN}
    ]
    signed_in, codes, page = web("13800138000", PASSWORD, ATTACKER)
    assert (signed_in, codes) == (False, ["too_many_attempts"])
    assert NETWORK_LOCKED_EN in page
    # The account itself is not locked: from elsewhere it signs in.
    assert api("13800138000", PASSWORD, STRANGER)["token"]


def test_an_ipv6_client_is_counted_by_its_64_network(db):
    for n in range(throttle.MAX_FAILURES_PER_ADDRESS):
        api(f"user{n}@example.com", "guess", f"2001:db8:1:2::{n + 1:x}")
    assert api_codes("someone@example.com", "guess", "2001:db8:1:2:ffff::1") == [
        "TOO_MANY_ATTEMPTS"
    ]
    assert api_codes("someone@example.com", "guess", "2001:db8:1:3::1") == ["INVALID_CREDENTIALS"]


def test_x_forwarded_for_is_ignored_without_trusted_proxies(db, settings):
    settings.TRUSTED_PROXY_HOPS = 0
    for n in range(throttle.MAX_FAILURES_PER_ADDRESS):
        # Each request claims another address; all come from ATTACKER.
        forged = {"HTTP_X_FORWARDED_FOR": f"10.0.{n}.1"}
        assert api_codes(f"user{n}@example.com", "guess", ATTACKER, **forged) == [
            "INVALID_CREDENTIALS"
        ]
    forged = {"HTTP_X_FORWARDED_FOR": "10.9.9.9"}
    assert api_codes("someone@example.com", "guess", ATTACKER, **forged) == ["TOO_MANY_ATTEMPTS"]


def test_x_forwarded_for_is_honoured_behind_one_trusted_proxy(db, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    proxy = "10.0.0.2"
    # The client may prepend anything; the proxy appends the address it saw.
    via_proxy = {"HTTP_X_FORWARDED_FOR": f"10.0.0.99, {ATTACKER}"}
    for n in range(throttle.MAX_FAILURES_PER_ADDRESS):
        assert api_codes(f"user{n}@example.com", "guess", proxy, **via_proxy) == [
            "INVALID_CREDENTIALS"
        ]
    spoofed = {"HTTP_X_FORWARDED_FOR": f"10.9.9.9, {ATTACKER}"}
    assert api_codes("someone@example.com", "guess", proxy, **spoofed) == ["TOO_MANY_ATTEMPTS"]
    # Other clients behind the same proxy are not locked with the attacker.
    other = {"HTTP_X_FORWARDED_FOR": STRANGER}
    assert api_codes("someone@example.com", "guess", proxy, **other) == ["INVALID_CREDENTIALS"]


def _lock_for_strangers(login):
    for n in range(throttle.MAX_FAILURES):
        api(login, f"attacker-{n}", f"192.0.2.{n + 1}")
    assert api_codes(login, PASSWORD, STRANGER) == ["TOO_MANY_ATTEMPTS"]


def test_the_owner_at_their_last_successful_address_gets_in_while_the_account_is_locked(db):
    make_user(phone="13800138000")
    assert api("13800138000", PASSWORD, OWNER)["token"]
    _lock_for_strangers("13800138000")
    assert api("13800138000", PASSWORD, OWNER)["token"]
    assert web("13800138000", PASSWORD, OWNER)[0] is True
    # Still locked for everyone else, the owner's success notwithstanding.
    assert api_codes("13800138000", PASSWORD, STRANGER) == ["TOO_MANY_ATTEMPTS"]


def test_the_owners_address_has_its_own_limit_for_the_account(db):
    make_user(phone="13800138000")
    assert api("13800138000", PASSWORD, OWNER)["token"]
    for n in range(throttle.MAX_FAILURES):
        assert api_codes("13800138000", f"guess-{n}", OWNER) == ["INVALID_CREDENTIALS"]
    assert api_codes("13800138000", PASSWORD, OWNER) == ["TOO_MANY_ATTEMPTS"]


def test_the_owners_address_is_still_under_the_address_limit(db):
    make_user(phone="13800138000")
    assert api("13800138000", PASSWORD, OWNER)["token"]
    for n in range(throttle.MAX_FAILURES_PER_ADDRESS):
        api(f"user{n}@example.com", "guess", OWNER)
    assert api_codes("13800138000", PASSWORD, OWNER) == ["TOO_MANY_ATTEMPTS"]


def test_the_owners_address_is_forgotten_after_30_days(db):
    user = make_user(phone="13800138000")
    assert api("13800138000", PASSWORD, OWNER)["token"]
    user.refresh_from_db()
    assert user.last_sign_in_address_hash and OWNER not in user.last_sign_in_address_hash
    User.objects.filter(pk=user.pk).update(
        last_sign_in_at=timezone.now() - timedelta(days=throttle.KNOWN_ADDRESS_DAYS, minutes=1)
    )
    _lock_for_strangers("13800138000")
    assert api_codes("13800138000", PASSWORD, OWNER) == ["TOO_MANY_ATTEMPTS"]


def test_a_lock_ends_with_its_window(db, ratelimit_clock):
    make_user(phone="13800138000")
    _lock_for_strangers("13800138000")
    ratelimit_clock.advance(throttle.WINDOW_SECONDS)
    assert api("13800138000", PASSWORD, STRANGER)["token"]


def test_a_successful_sign_in_forgets_the_failures_from_its_address_only(db):
    make_user(phone="13800138000")
    for _round in range(3):
        for n in range(throttle.MAX_FAILURES - 1):
            api("13800138000", f"typo-{n}", OWNER)
        assert api("13800138000", PASSWORD, OWNER)["token"]
    # 27 failures on the account: strangers are locked out.
    assert api_codes("13800138000", PASSWORD, STRANGER) == ["TOO_MANY_ATTEMPTS"]


def test_signing_in_with_no_request_uses_the_account_limit(db):
    make_user(phone="13800138000")
    browser = Client(HTTP_HOST="127.0.0.1")
    for n in range(throttle.MAX_FAILURES):
        assert browser.login(username="13800138000", password=f"guess-{n}") is False
    with pytest.raises(throttle.SignInThrottled):
        browser.login(username="13800138000", password=PASSWORD)


def test_cache_keys_and_values_hold_no_login(db):
    make_user(phone="13800138000", email="sister@example.com")
    for login in ["sister@example.com", "ſister@example.com", "13800138000", "ghost@example.com"]:
        api(login, "wrong-password", ATTACKER)
    entries = cache_entries()
    assert entries
    prefix = re.escape(caches["default"].key_prefix.encode())  # the test process's, if any
    for key, value in entries:
        assert re.fullmatch(prefix + rb":\d+:rl:[0-9a-f]{64}", key), key
        for text in (b"sister", b"ghost", b"13800138000", b"example", ATTACKER.encode()):
            assert text not in key and text not in value
        assert len(value) < 100


# A million characters: the size of the logins, under the API's 1 MB body limit.
@pytest.mark.parametrize("size", [255, 1_000_000])
def test_a_login_longer_than_any_email_is_refused_and_nothing_is_stored(db, size):
    make_user(email="sister@example.com")
    huge = "a" * (size - len("@example.com")) + "@example.com"
    for _ in range(3):
        data = api(huge, "wrong-password", ATTACKER)
        assert data["token"] is None
        assert [(e["field"], e["code"]) for e in data["errors"]] == [
            ("login", "INVALID_CREDENTIALS")
        ]
    signed_in, _codes, _page = web(huge, "wrong-password", ATTACKER)
    assert signed_in is False
    assert cache_entries() == []


def test_a_login_of_254_characters_is_counted(db):
    login = "a" * (254 - len("@example.com")) + "@example.com"
    api(login, "wrong-password", ATTACKER)
    assert cache_entries()


@pytest.mark.parametrize("login", ["\ud800@example.com", "1380013800\udfff"])
def test_a_login_with_a_lone_surrogate_is_refused_not_a_server_error(db, login):
    """The API refuses such text at its edge; the service refuses it too, for other callers."""
    status, body = GraphQLClient().post(TOKEN, {"login": login, "password": "wrong-password"})
    assert status == 400
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_ARGUMENT"]
    with pytest.raises(DomainError) as refused:
        services.create_tokens(login=login, password="wrong-password")
    assert refused.value.code == AccountErrorCode.INVALID_CREDENTIALS
    assert cache_entries() == []

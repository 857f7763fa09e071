import re

import pytest

from shop.accounts import registration, throttle
from shop.accounts.models import User
from shop.accounts.tokens import REFRESH, create_refresh_token, user_from_token
from shop.core import notifications
from shop.core.errors import DomainError
from tests.helpers.api import GraphQLClient
from tests.helpers.services import run_at_once
from tests.helpers.users import PASSWORD, ROLES, make_user

pytestmark = pytest.mark.usefixtures("ratelimit_clock")

REGISTER = """
mutation Register($input: AccountRegisterInput!) {
  accountRegister(input: $input) { sentTo login errors { field code message } }
}"""
CONFIRM = """
mutation Confirm($login: String!, $code: String!) {
  accountRegisterConfirm(login: $login, code: $code) {
    user { id phone email roles } token refreshToken errors { field code }
  }
}"""
TOKEN = """
mutation Token($login: String!, $password: String!) {
  tokenCreate(login: $login, password: $password) {
    token refreshToken user { phone } errors { field code }
  }
}"""
REFRESH_TOKEN = """
mutation Refresh($token: String!) {
  tokenRefresh(refreshToken: $token) { token errors { field code } }
}"""
REVOKE = "mutation { tokensRevoke { errors { field code } } }"
ME = "{ me { phone email roles } }"


def sent_code(to):
    """The code in the newest message to `to`."""
    [text] = [m.text for m in notifications.outbox if m.to == to][-1:]
    return re.search(r"\b(\d{6})\b", text).group(1)


@pytest.mark.django_db
def test_register_with_mainland_mobile_normalises_to_e164_and_confirms_by_code():
    client = GraphQLClient()
    started = client.execute(
        REGISTER, {"input": {"phone": "138 0013 8000", "password": PASSWORD, "name": "李"}}
    )["accountRegister"]
    assert started == {"sentTo": "138****8000", "login": "+8613800138000", "errors": []}
    assert not User.objects.exists()  # not before the code comes back
    confirmed = client.execute(
        CONFIRM, {"login": started["login"], "code": sent_code("+8613800138000")}
    )["accountRegisterConfirm"]
    assert confirmed["errors"] == []
    assert confirmed["user"]["phone"] == "+8613800138000"
    assert confirmed["user"]["roles"] == ["CUSTOMER"]
    token = client.execute(TOKEN, {"login": "13800138000", "password": PASSWORD})["tokenCreate"]
    assert token["token"] and token["user"] == {"phone": "+8613800138000"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"phone": "12345", "password": PASSWORD}, "phone", "INVALID_PHONE"),
        ({"phone": "+12025550123", "password": PASSWORD}, "phone", "INVALID_PHONE"),
        ({"phone": "01088886666", "password": PASSWORD}, "phone", "INVALID_PHONE"),
        ({"email": "not-an-email", "password": PASSWORD}, "email", "INVALID"),
        ({"phone": "13800138000", "password": "123"}, "password", "PASSWORD_TOO_WEAK"),
        ({"password": PASSWORD}, "phone", "REQUIRED"),
    ],
)
def test_register_rejects_bad_input_and_writes_nothing(variables, field, code):
    data = GraphQLClient().execute(REGISTER, {"input": variables})["accountRegister"]
    assert data["sentTo"] is None
    assert [(e["field"], e["code"]) for e in data["errors"]] == [(field, code)]
    assert not User.objects.exists()
    assert notifications.outbox == []


@pytest.mark.django_db
def test_a_taken_phone_or_email_gets_the_same_answer_and_its_owner_is_told():
    """Threat: a stranger lists which numbers have accounts (a farmer's phone is
    how buyers, and scammers, reach them). Property: the answer is the same."""
    owner = make_user(phone="13800138000", email="li@example.cn")
    client = GraphQLClient()
    new = client.execute(REGISTER, {"input": {"phone": "13900139000", "password": PASSWORD}})
    taken_phone = client.execute(
        REGISTER, {"input": {"phone": "+86 138-0013-8000", "password": PASSWORD}}
    )
    taken_email = client.execute(
        REGISTER, {"input": {"email": "LI@example.cn", "password": PASSWORD}}
    )
    for answer in (new, taken_phone, taken_email):
        assert set(answer["accountRegister"]) == {"sentTo", "login", "errors"}
        assert answer["accountRegister"]["errors"] == []
    assert taken_phone["accountRegister"]["sentTo"] == "138****8000"
    told = [m.text for m in notifications.outbox if m.to in (owner.phone, owner.email)]
    assert len(told) == 2
    assert not re.search(r"\b\d{6}\b", " ".join(told))  # no code for a taken login
    refused = client.execute(CONFIRM, {"login": "+8613800138000", "code": "000000"})
    assert refused["accountRegisterConfirm"]["errors"] == [
        {"field": "code", "code": "INVALID_CODE"}
    ]
    assert User.objects.count() == 1
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)  # the owner's account is as it was


@pytest.mark.django_db
def test_wrong_codes_end_the_registration_and_nothing_is_created():
    client = GraphQLClient()
    client.execute(REGISTER, {"input": {"phone": "13900139000", "password": PASSWORD}})
    right = sent_code("+8613900139000")
    wrong = "111111" if right != "111111" else "222222"
    for _attempt in range(registration.MAX_CODE_ATTEMPTS):
        answer = client.execute(CONFIRM, {"login": "+8613900139000", "code": wrong})
        assert answer["accountRegisterConfirm"]["errors"][0]["code"] == "INVALID_CODE"
    late = client.execute(CONFIRM, {"login": "+8613900139000", "code": right})
    assert late["accountRegisterConfirm"]["errors"][0]["code"] == "INVALID_CODE"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_registering_is_limited_per_number():
    """Threat: a script texts one number over and over (or guesses at it)."""
    client = GraphQLClient()
    for _n in range(registration.STARTS_PER_LOGIN.count):
        client.execute(REGISTER, {"input": {"phone": "13900139000", "password": PASSWORD}})
    again = client.execute(REGISTER, {"input": {"phone": "13900139000", "password": PASSWORD}})
    assert again["accountRegister"]["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    assert len([m for m in notifications.outbox if m.to == "+8613900139000"]) == 3


@pytest.mark.django_db
def test_registering_is_limited_per_network():
    """Threat: a script registers in bulk (168 accounts in 20 s once slowed every
    page with password hashing)."""
    client = GraphQLClient()
    for n in range(registration.STARTS_PER_NETWORK.count):
        answer = client.execute(
            REGISTER, {"input": {"phone": f"1370013{n:04d}", "password": PASSWORD}}
        )
        assert answer["accountRegister"]["errors"] == []
    refused = client.execute(REGISTER, {"input": {"phone": "13600136000", "password": PASSWORD}})
    assert refused["accountRegister"]["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    assert not [m for m in notifications.outbox if m.to == "+8613600136000"]
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["13800138000", "+8613800138000", "LI@example.cn"])
def test_sign_in_by_phone_or_email_then_use_the_token(login):
    make_user(phone="13800138000", email="li@example.cn")
    data = GraphQLClient().execute(TOKEN, {"login": login, "password": PASSWORD})["tokenCreate"]
    assert data["errors"] == []
    client = GraphQLClient()
    client.headers["HTTP_AUTHORIZATION"] = f"Bearer {data['token']}"
    assert client.execute(ME)["me"]["phone"] == "+8613800138000"


@pytest.mark.django_db
def test_wrong_password_and_inactive_user_get_invalid_credentials():
    make_user(phone="13800138000")
    make_user(phone="13800138009", is_active=False)
    client = GraphQLClient()
    wrong = client.execute(TOKEN, {"login": "13800138000", "password": "nope-nope-nope"})
    inactive = client.execute(TOKEN, {"login": "13800138009", "password": PASSWORD})
    for data in (wrong, inactive):
        assert data["tokenCreate"]["token"] is None
        assert data["tokenCreate"]["errors"] == [{"field": "login", "code": "INVALID_CREDENTIALS"}]


@pytest.mark.django_db
def test_refresh_gives_a_new_access_token_until_tokens_are_revoked():
    user = make_user(phone="13800138000")
    refresh = create_refresh_token(user)
    client = GraphQLClient()
    data = client.execute(REFRESH_TOKEN, {"token": refresh})["tokenRefresh"]
    assert data["errors"] == [] and data["token"]
    user.rotate_token_key()
    revoked = client.execute(REFRESH_TOKEN, {"token": refresh})["tokenRefresh"]
    assert revoked["token"] is None
    assert revoked["errors"] == [{"field": "refreshToken", "code": "INVALID_TOKEN"}]


@pytest.mark.django_db
def test_an_access_token_is_not_a_refresh_token():
    make_user(phone="13800138000")
    data = GraphQLClient().execute(TOKEN, {"login": "13800138000", "password": PASSWORD})
    access = data["tokenCreate"]["token"]
    assert user_from_token(access, REFRESH) is None


@pytest.mark.django_db
def test_me_is_null_when_anonymous_and_with_a_forged_token():
    assert GraphQLClient().execute(ME)["me"] is None
    forged = GraphQLClient()
    forged.headers["HTTP_AUTHORIZATION"] = "Bearer eyJhbGciOiJIUzI1NiJ9.e30.bad"
    assert forged.execute(ME)["me"] is None


def test_roles_follow_memberships(client_as):
    assert client_as("customer").execute(ME)["me"]["roles"] == ["CUSTOMER"]
    assert client_as("seller").execute(ME)["me"]["roles"] == ["CUSTOMER", "SELLER"]
    assert client_as("operator").execute(ME)["me"]["roles"] == ["CUSTOMER", "OPERATOR"]
    staff = client_as("station_staff").execute(ME)["me"]["roles"]
    assert staff == ["CUSTOMER", "STATION_STAFF"]


@pytest.mark.parametrize("role", ROLES)
def test_account_mutations_work_the_same_whoever_calls_them(client_as, role):
    """Registering and signing in are public: the caller's own token changes nothing."""
    client = client_as(role)
    started = client.execute(REGISTER, {"input": {"phone": "13900139000", "password": PASSWORD}})[
        "accountRegister"
    ]
    assert started["errors"] == []
    registered = client.execute(
        CONFIRM, {"login": started["login"], "code": sent_code(started["login"])}
    )["accountRegisterConfirm"]
    assert registered["errors"] == [] and registered["user"]["phone"] == "+8613900139000"
    signed_in = client.execute(TOKEN, {"login": "13900139000", "password": PASSWORD})
    assert signed_in["tokenCreate"]["user"] == {"phone": "+8613900139000"}
    refresh = create_refresh_token(User.objects.get(phone="+8613900139000"))
    refreshed = client.execute(REFRESH_TOKEN, {"token": refresh})["tokenRefresh"]
    assert refreshed["errors"] == [] and refreshed["token"]


@pytest.mark.parametrize("role", ROLES)
def test_tokens_revoke_is_for_any_signed_in_user_and_revokes_only_theirs(
    client_as, role, users_by_role
):
    users = users_by_role
    bystander = make_user(phone="13900139001")
    bystander_refresh = create_refresh_token(bystander)
    client = client_as(role)
    if role == "anonymous":
        _status, body = client.post(REVOKE)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
        assert body["data"] == {"tokensRevoke": None}
    else:
        user = users[role]
        refresh = create_refresh_token(user)
        assert client.execute(REVOKE) == {"tokensRevoke": {"errors": []}}
        assert user_from_token(refresh, REFRESH) is None
        assert client.execute(ME) == {"me": None}
        assert GraphQLClient(User.objects.get(pk=user.pk)).execute(ME)["me"]
    assert user_from_token(bystander_refresh, REFRESH) == bystander


def test_every_account_mutation_is_in_a_permission_test():
    from shop.schema import schema

    mutations = set(schema.graphql_schema.mutation_type.fields)
    accounts = {name for name in mutations if name.startswith(("account", "token"))}
    # accountRegister(Confirm), tokenCreate, tokenRefresh: the same for every role (above).
    assert accounts == {
        "accountRegister",
        "accountRegisterConfirm",
        "tokenCreate",
        "tokenRefresh",
        "tokensRevoke",
    }


@pytest.mark.django_db
def test_repeated_failed_sign_ins_lock_the_account_for_a_while():
    make_user(phone="13800138000")
    client = GraphQLClient()
    spellings = ["13800138000", "+86 138 0013 8000", "138-0013-8000"]
    for attempt in range(throttle.MAX_FAILURES):
        login = spellings[attempt % len(spellings)]
        wrong = client.execute(TOKEN, {"login": login, "password": f"guess-{attempt}"})
        assert wrong["tokenCreate"]["errors"] == [{"field": "login", "code": "INVALID_CREDENTIALS"}]
    right = client.execute(TOKEN, {"login": "13800138000", "password": PASSWORD})
    assert right["tokenCreate"]["token"] is None
    assert right["tokenCreate"]["errors"] == [{"field": "login", "code": "TOO_MANY_ATTEMPTS"}]

    make_user(phone="13800138009")
    other = client.execute(TOKEN, {"login": "13800138009", "password": PASSWORD})
    assert other["tokenCreate"]["errors"] == []


@pytest.mark.django_db
def test_a_successful_sign_in_forgets_earlier_failures_from_its_address():
    """Its own address is then known for the account (see test_sign_in_throttle.py)."""
    make_user(phone="13800138000")
    client = GraphQLClient()
    for _ in range(throttle.MAX_FAILURES - 1):
        client.execute(TOKEN, {"login": "13800138000", "password": "wrong-password"})
    assert client.execute(TOKEN, {"login": "13800138000", "password": PASSWORD})["tokenCreate"][
        "token"
    ]
    for _ in range(throttle.MAX_FAILURES - 1):
        client.execute(TOKEN, {"login": "13800138000", "password": "wrong-password"})
    assert client.execute(TOKEN, {"login": "13800138000", "password": PASSWORD})["tokenCreate"][
        "token"
    ]


@pytest.mark.django_db
def test_a_login_longer_than_any_phone_or_email_is_refused_with_a_code():
    make_user(phone="13800138000")
    data = GraphQLClient().execute(TOKEN, {"login": "1" * 255, "password": PASSWORD})
    assert data["tokenCreate"]["token"] is None
    assert data["tokenCreate"]["errors"] == [{"field": "login", "code": "INVALID_CREDENTIALS"}]


@pytest.mark.django_db
def test_wrong_codes_sent_at_once_each_count():
    """Threat: a guesser sends many codes in parallel so that each reads the same
    count of attempts. Property: every wrong code counts; the registration ends."""
    registration.start_registration(password=PASSWORD, phone="13900139000")
    right = sent_code("+8613900139000")
    wrong = "111111" if right != "111111" else "222222"

    def guess():
        try:
            registration.confirm_registration(login="+8613900139000", code=wrong)
        except DomainError as refused:
            return refused.code.name

    assert run_at_once(guess, 8) == ["INVALID_CODE"] * 8
    with pytest.raises(DomainError):
        registration.confirm_registration(login="+8613900139000", code=right)
    assert not User.objects.exists()

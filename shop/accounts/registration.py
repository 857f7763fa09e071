"""Registering an account, confirmed by a one-time code sent to the phone (or
the email), so that nobody learns whether a number has an account and nobody
takes a number that is not theirs.

`start_registration` checks the form of what is given, counts the attempt
(per client network and per login, whether the login is taken or not) and
answers the same either way: for a new login it keeps the registration for
`REGISTRATION_CODE_SECONDS` and sends a 6-digit code; for a taken one it
tells the owner that someone tried, and keeps nothing. The password is
hashed in both cases, so the time taken tells nothing either.
`confirm_registration` creates the account when the code is right; a wrong
code, an expired or unknown registration and a login taken meanwhile all
get the same answer, and MAX_CODE_ATTEMPTS wrong codes end the registration.

Pending registrations live in the `limits` cache (never evicted, shared by
every process); while it is away, registering is refused, saying so.
"""

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from shop.accounts.errors import AccountErrorCode
from shop.accounts.models import User
from shop.accounts.selectors import (
    MAX_LOGIN_LENGTH,
    canonical_email,
    is_unicode_text,
    parse_mainland_mobile,
)
from shop.core.errors import DomainError
from shop.core.notifications import notify
from shop.core.throttling import Limit, LimitsUnavailable

STARTS_PER_NETWORK = Limit("register:network", 10, 3600)
# Also how many codes one number or address can be sent in an hour.
STARTS_PER_LOGIN = Limit("register:login", 3, 3600)
CONFIRMS_PER_NETWORK = Limit("register-confirm:network", 30, 900)
MAX_CODE_ATTEMPTS = 5
UNAVAILABLE = _("Registering is unavailable for a moment; please try again in a minute.")
OWNER_TOLD = _(
    "Someone tried to register an account with this number or email at the Mountain village "
    "market. If it was you, sign in: your account is as it was."
)
WRONG_CODE = _("This code is not right, or has expired. Ask for a new one.")


@dataclass(frozen=True)
class Started:
    """What the person registering is told: the same whether the login was new."""

    sent_to: str  # masked: "138****8000", "l***@example.cn"
    login: str  # what to confirm with


def _masked(login: str) -> str:
    if "@" in login:
        name, _at, domain = login.partition("@")
        return f"{name[:1]}***@{domain}"
    national = login.removeprefix("+86")
    return f"{national[:3]}****{national[-4:]}"


def _key(login: str) -> str:
    return "registration:" + hashlib.sha256(login.encode()).hexdigest()


def _attempts_key(login: str) -> str:
    return _key(login) + ":attempts"


def _code_digest(login: str, code: str) -> str:
    return salted_hmac(
        "shop.accounts.registration", f"{login}:{code}", algorithm="sha256"
    ).hexdigest()


def _pending() -> Any:
    return caches[settings.RATELIMIT_USE_CACHE]


def _clean(phone: str | None, email: str | None, name: str) -> tuple[str | None, str | None, str]:
    phone = (phone or "").strip() or None
    email = canonical_email(email or "") or None
    if not phone and not email:
        raise DomainError(
            AccountErrorCode.REQUIRED, _("Give a mobile phone number or an email."), "phone"
        )
    if phone:
        phone = parse_mainland_mobile(phone)
        if phone is None:
            raise DomainError(
                AccountErrorCode.INVALID_PHONE,
                _("Enter a valid mainland China mobile number."),
                "phone",
            )
    if email:
        try:
            valid = len(email) <= MAX_LOGIN_LENGTH and is_unicode_text(email)
            validate_email(email)
        except ValidationError:
            valid = False
        if not valid:
            raise DomainError(AccountErrorCode.INVALID, _("Enter a valid email address."), "email")
    name = name.strip()
    longest = cast(int, User._meta.get_field("name").max_length)
    if len(name) > longest:
        raise DomainError(AccountErrorCode.INVALID, _("At most %d characters.") % longest, "name")
    return phone, email, name


def _count(limit: Limit, subject: str, message: Any, field: str) -> None:
    try:
        refused = limit.reached(subject)
    except LimitsUnavailable as away:
        raise DomainError(AccountErrorCode.TEMPORARILY_UNAVAILABLE, UNAVAILABLE, field) from away
    if refused:
        raise DomainError(AccountErrorCode.TOO_MANY_ATTEMPTS, message, field)
    limit.hit(subject)


def start_registration(
    *,
    password: str,
    phone: str | None = None,
    email: str | None = None,
    name: str = "",
    network: str | None = None,
) -> Started:
    """Send a code to the new account's phone (else its email), or tell the
    owner of a taken login; answer the same either way."""
    phone, email, name = _clean(phone, email, name)
    login = cast(str, phone or email)
    candidate = User(phone=phone, email=email, name=name)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise DomainError(
            AccountErrorCode.PASSWORD_TOO_WEAK, " ".join(exc.messages), "password"
        ) from exc
    if network is not None:
        _count(
            STARTS_PER_NETWORK,
            network,
            _("Too many registrations from your network; try again later."),
            "phone" if phone else "email",
        )
    _count(
        STARTS_PER_LOGIN,
        login,
        _("Too many codes were sent to this number or email; try again in an hour."),
        "phone" if phone else "email",
    )
    hashed = make_password(password)
    taken = User.objects.filter(phone=phone).exists() if phone else False
    taken = taken or (User.objects.filter(email=email).exists() if email else False)
    if taken:
        with translation.override(settings.LANGUAGE_CODE):  # the owner's language is not known
            notify(login, OWNER_TOLD)
        return Started(_masked(login), login)
    code = f"{secrets.randbelow(10**6):06d}"
    pending = {
        "phone": phone,
        "email": email,
        "name": name,
        "password": hashed,
        "code": _code_digest(login, code),
    }
    _pending().set_many(
        {_key(login): pending, _attempts_key(login): 0},
        timeout=settings.REGISTRATION_CODE_SECONDS,
    )
    notify(
        login,
        _(
            "Your Mountain village market code is %(code)s. It expires in 10 minutes; "
            "nobody from the market will ask you for it."
        )
        % {"code": code},
    )
    return Started(_masked(login), login)


def confirm_registration(*, login: str, code: str, network: str | None = None) -> User:
    """The new account, when `code` is the one sent for `login`."""
    if network is not None:
        _count(
            CONFIRMS_PER_NETWORK,
            network,
            _("Too many codes tried from your network; try again later."),
            "code",
        )
    key = _key(login)
    pending = _pending().get(key)
    wrong = DomainError(AccountErrorCode.INVALID_CODE, WRONG_CODE, "code")
    if not isinstance(pending, dict):
        raise wrong
    if not constant_time_compare(pending["code"], _code_digest(login, (code or "").strip())):
        # Counted atomically: wrong codes sent at once each count.
        try:
            tried = _pending().incr(_attempts_key(login))
        except ValueError:  # the count expired, or the cache is away: end it
            tried = MAX_CODE_ATTEMPTS
        if tried >= MAX_CODE_ATTEMPTS:
            _pending().delete_many([key, _attempts_key(login)])
        raise wrong
    _pending().delete_many([key, _attempts_key(login)])
    user = User(phone=pending["phone"], email=pending["email"], name=pending["name"])
    user.password = pending["password"]
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # registered meanwhile, through another code
        raise wrong from exc
    return user

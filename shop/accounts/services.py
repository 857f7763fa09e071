from typing import cast

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shop.accounts import tokens
from shop.accounts.errors import AccountErrorCode
from shop.accounts.models import User
from shop.accounts.selectors import (
    MAX_LOGIN_LENGTH,
    canonical_email,
    is_unicode_text,
    parse_mainland_mobile,
)
from shop.core.errors import DomainError
from shop.core.roles import Actor, require_login


def register_account(
    *, password: str, phone: str | None = None, email: str | None = None, name: str = ""
) -> User:
    """Create a customer account identified by a mobile number and/or an email."""
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
        if User.objects.filter(phone=phone).exists():
            raise DomainError(
                AccountErrorCode.UNIQUE, _("This phone number is already registered."), "phone"
            )
    if email:
        try:
            valid = len(email) <= MAX_LOGIN_LENGTH and is_unicode_text(email)
            validate_email(email)
        except ValidationError:
            valid = False
        if not valid:
            raise DomainError(AccountErrorCode.INVALID, _("Enter a valid email address."), "email")
        if User.objects.filter(email=email).exists():
            raise DomainError(
                AccountErrorCode.UNIQUE, _("This email is already registered."), "email"
            )
    name = name.strip()
    if len(name) > cast(int, User._meta.get_field("name").max_length):
        raise DomainError(
            AccountErrorCode.INVALID,
            _("At most %d characters.") % User._meta.get_field("name").max_length,
            "name",
        )
    candidate = User(phone=phone, email=email, name=name)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise DomainError(
            AccountErrorCode.PASSWORD_TOO_WEAK, " ".join(exc.messages), "password"
        ) from exc
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError as exc:
        raise DomainError(
            AccountErrorCode.UNIQUE, _("This account is already registered."), "phone"
        ) from exc
    return candidate


def create_tokens(
    *, login: str, password: str, request: HttpRequest | None = None
) -> tuple[User, str, str]:
    """Check credentials; return (user, access token, refresh token).

    The authentication backend applies the sign-in throttle: a refused attempt
    raises throttle.SignInThrottled, a DomainError with code TOO_MANY_ATTEMPTS.
    """
    user = authenticate(request, username=login, password=password)
    if user is None:
        raise DomainError(
            AccountErrorCode.INVALID_CREDENTIALS,
            _("The phone number, email or password is not correct."),
            "login",
        )
    return user, tokens.create_access_token(user), tokens.create_refresh_token(user)


def revoke_tokens(*, actor: Actor) -> User:
    """Sign the actor out of every API client: no token issued so far works any more."""
    require_login(actor)
    user = cast(User, actor)
    user.rotate_token_key()
    return user


def refresh_access_token(*, refresh_token: str) -> tuple[User, str]:
    user = tokens.user_from_token(refresh_token, tokens.REFRESH)
    if user is None:
        raise DomainError(
            AccountErrorCode.INVALID_TOKEN,
            _("The refresh token is invalid or has expired."),
            "refreshToken",
        )
    return user, tokens.create_access_token(user)

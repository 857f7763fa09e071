from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from shop.accounts import throttle, tokens
from shop.accounts.errors import AccountErrorCode
from shop.accounts.models import User
from shop.accounts.selectors import parse_mainland_mobile
from shop.errors import DomainError


def register_account(*, password, phone=None, email=None, name=""):
    """Create a customer account identified by a mobile number and/or an email."""
    phone = (phone or "").strip() or None
    email = (email or "").strip().lower() or None
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
            validate_email(email)
        except ValidationError as exc:
            raise DomainError(
                AccountErrorCode.INVALID, _("Enter a valid email address."), "email"
            ) from exc
        if User.objects.filter(email__iexact=email).exists():
            raise DomainError(
                AccountErrorCode.UNIQUE, _("This email is already registered."), "email"
            )
    candidate = User(phone=phone, email=email, name=name.strip())
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


def create_tokens(*, login, password, request=None):
    """Check credentials; return (user, access token, refresh token)."""
    if throttle.is_blocked(login):
        raise DomainError(
            AccountErrorCode.TOO_MANY_ATTEMPTS,
            _("Too many failed attempts to sign in to this account; try again in 15 minutes."),
            "login",
        )
    user = authenticate(request, username=login, password=password)
    if user is None:
        throttle.record_failure(login)
        raise DomainError(
            AccountErrorCode.INVALID_CREDENTIALS,
            _("The phone number, email or password is not correct."),
            "login",
        )
    throttle.clear(login)
    return user, tokens.create_access_token(user), tokens.create_refresh_token(user)


def refresh_access_token(refresh_token):
    user = tokens.user_from_token(refresh_token, tokens.REFRESH)
    if user is None:
        raise DomainError(
            AccountErrorCode.INVALID_TOKEN,
            _("The refresh token is invalid or has expired."),
            "refreshToken",
        )
    return user, tokens.create_access_token(user)

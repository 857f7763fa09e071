"""Signing in and out. Registering is in `shop.accounts.registration`."""

from typing import cast

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shop.accounts import tokens
from shop.accounts.errors import AccountErrorCode
from shop.accounts.models import User
from shop.core.errors import DomainError
from shop.core.roles import Actor, require_login


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
    return user, *tokens_for(user)


def tokens_for(user: User) -> tuple[str, str]:
    """A new access and refresh token of `user` (just signed in or registered)."""
    return tokens.create_access_token(user), tokens.create_refresh_token(user)


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

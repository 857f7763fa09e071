"""Signed access and refresh tokens (JWT, HS256) for API clients.

Each token carries the user's `token_key`; rotating it revokes every token
issued before, without keeping a list of tokens on the server.
"""

from datetime import UTC, datetime, timedelta

import jwt
from django.conf import settings

from shop.accounts.models import User

ALGORITHM = "HS256"
ACCESS = "access"
REFRESH = "refresh"


def _encode(user: User, kind: str, ttl: timedelta) -> str:
    now = datetime.now(UTC)
    payload = {
        "sub": str(user.pk),
        "typ": kind,
        "key": user.token_key,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(payload, settings.SECRET_KEY, algorithm=ALGORITHM)


def create_access_token(user: User) -> str:
    return _encode(user, ACCESS, settings.JWT_ACCESS_TTL)


def create_refresh_token(user: User) -> str:
    return _encode(user, REFRESH, settings.JWT_REFRESH_TTL)


def user_from_token(token: str, kind: str) -> User | None:
    """Return the active user a valid token of `kind` belongs to, or None."""
    try:
        payload = jwt.decode(
            token,
            settings.SECRET_KEY,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub", "typ", "key"]},
        )
    except jwt.PyJWTError:
        return None
    if payload["typ"] != kind:
        return None
    user = User.objects.filter(pk=payload["sub"], is_active=True).first()
    if user is None or user.token_key != payload["key"]:
        return None
    return user

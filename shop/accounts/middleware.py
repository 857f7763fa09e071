from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from shop.accounts.tokens import ACCESS, user_from_token

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shop.accounts.models import User

    class _BearerRequest(HttpRequest):
        """A request as this middleware leaves it."""

        bearer_token: str | None


PREFIX = "Bearer "


class BearerTokenMiddleware:
    """Authenticate API clients by `Authorization: Bearer <access token>`.

    A request carrying a bearer token is not cookie-authenticated, so it is
    also exempt from the CSRF check (see shop.core.api.view).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: "_BearerRequest") -> HttpResponse:
        header = request.headers.get("Authorization", "")
        request.bearer_token = None
        if header.startswith(PREFIX):
            token = header[len(PREFIX) :].strip()
            request.bearer_token = token
            # The lazy object stands for the user it computes.
            request.user = cast(
                "User | AnonymousUser", SimpleLazyObject(lambda: _user_or_anonymous(token))
            )
        return self.get_response(request)


def _user_or_anonymous(token: str) -> "User | AnonymousUser":
    from django.contrib.auth.models import AnonymousUser

    return user_from_token(token, ACCESS) or AnonymousUser()

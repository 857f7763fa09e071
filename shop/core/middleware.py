"""Middleware of the plumbing."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class PrivateResponseMiddleware:
    """Whatever is shown to a signed-in user (by session or bearer token) is
    personal: no shared cache or browser history may keep it
    (`Cache-Control: private, no-store`), whatever the view said."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
        return response

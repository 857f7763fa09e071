"""Whole anonymous pages from the public response cache (`shop.core.public_cache`).

A page is the same for every anonymous visitor asking for the same path and
query in the same language, so it is kept under that key; the view `tag`s
what it shows and the services' bumps make it stale, as for the API. Only
the query parameters the view reads (`query=`) count: the page is rendered as
if only they were given, so `?utm=…` or junk makes no new entry. Nothing
personal is ever kept: not for a signed-in user, not a page showing messages
(they are someone's), not a response other than 200, and not one that sets a
cookie (a session, a CSRF token) or would, once the middleware has run.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from shop.core import public_cache

View = Callable[..., HttpResponse]


def _cacheable(request: HttpRequest) -> bool:
    return (
        public_cache.enabled()
        and request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and not len(messages.get_messages(request))
    )


def _key(request: HttpRequest) -> str:
    return public_cache.cache_key(
        "public-page",
        request.get_full_path(),
        request.LANGUAGE_CODE,
    )


def _shareable(request: HttpRequest, response: HttpResponse) -> bool:
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (session is not None and session.modified)
        and not len(messages.get_messages(request))
    )


def cached_page(*, query: Iterable[str] = ()) -> Callable[[View], View]:
    """Serve the view's anonymous GETs from the public cache; the view tags what
    it shows and reads no query parameter but `query`."""
    names = tuple(query)

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not _cacheable(request):
                return view(request, *args, **kwargs)
            public_cache.keep_only(request, names)
            key = _key(request)
            stored = public_cache.get(key)
            if stored is not None:
                content, content_type = stored
                return HttpResponse(content, content_type=content_type)
            public_cache.start(request)
            response = view(request, *args, **kwargs)
            if _shareable(request, response):
                public_cache.put(key, request, (response.content, response["Content-Type"]))
            return response

        return wrapper

    return decorate

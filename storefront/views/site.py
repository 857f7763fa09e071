"""Pages every visitor may need whatever they do: the language switch, robots.txt."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


@require_GET
def switch_language(request: HttpRequest, code: str) -> HttpResponse:
    """Remember the visitor's language and go back to where they were.

    A plain link, not a form, so that every page stays the same for every
    anonymous visitor (cacheable, no CSRF token) and it works without JavaScript.
    """
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("storefront:home")
    response = HttpResponseRedirect(target)
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=LANGUAGE_COOKIE_MAX_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /graphql/",
        "Disallow: /shop/",
        "Disallow: /operator/",
        "Disallow: /lang/",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")

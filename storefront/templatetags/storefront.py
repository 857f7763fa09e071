"""Template helpers every page uses: names in the page's language, absolute
and canonical URLs, the language switch and links that keep a list's filters."""

from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.template import Context
from django.urls import reverse
from django.utils.translation import get_language

register = template.Library()


def english() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def localized(obj: Any, field: str = "name") -> str:
    """`obj.<field>_en` on English pages when it is filled in, else `obj.<field>`."""
    if english():
        translated = getattr(obj, f"{field}_en", "")
        if translated:
            return translated
    return getattr(obj, field)


@register.simple_tag
def absolute_url(path: str = "") -> str:
    """PUBLIC_BASE_URL + path: what links shared in a chat must carry."""
    return settings.PUBLIC_BASE_URL + path


@register.simple_tag(takes_context=True)
def canonical_url(context: Context) -> str:
    """The page's one address: its path, plus the query parameters that choose
    what it shows (a view lists them in `canonical_query`)."""
    request = context["request"]
    query = context.get("canonical_query") or {}
    suffix = f"?{urlencode(query)}" if query else ""
    return settings.PUBLIC_BASE_URL + request.path + suffix


@register.simple_tag(takes_context=True)
def other_language(context: Context) -> dict[str, str]:
    """The link that switches to the language this page is not in."""
    request = context["request"]
    code, label, lang = ("zh-hans", "中文", "zh-Hans") if english() else ("en", "English", "en")
    query = urlencode({"next": request.get_full_path()})
    return {
        "url": f"{reverse('storefront:language', args=[code])}?{query}",
        "label": label,
        "lang": lang,
    }


@register.simple_tag(takes_context=True)
def query_with(context: Context, **changes: Any) -> str:
    """This page's query string with `changes` applied (None removes a key)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    return f"?{params.urlencode()}" if params else "?"

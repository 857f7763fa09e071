"""The resolver's addresses. The composition root mounts them with the pages a
person sees: `include("traceability.resolver.urls"), {"pages": ...}` first, and
`traceability.resolver.compressed_urls` after every page of the site.

A Digital Link is routed when its path starts with `/01/` (or `/gtin/`), so
that any malformed one gets its 400, or when a custom path comes before a
GTIN segment of 8, 12, 13 or 14 digits; no other address of the site has one.
"""

from django.urls import re_path

from traceability.resolver import views

app_name = "resolver"
KEY = r"(?:01|gtin)"
# The site's own roots, never a custom path of a Digital Link.
NOT_SITE = r"(?!(?:static|media|admin|graphql)/)"
urlpatterns = [
    re_path(rf"^{KEY}/", views.digital_link_page, name="digital_link"),
    re_path(
        rf"^{NOT_SITE}(?:[^/]+/)+?{KEY}/(?:\d{{8}}|\d{{12,14}})(?:/|$)",
        views.digital_link_page,
        name="prefixed_digital_link",
    ),
    re_path(r"^t/(?P<code>[^/]{1,40})$", views.short_code_page, name="short_code"),
    re_path(r"^\.well-known/gs1resolver$", views.resolver_description, name="gs1resolver"),
]

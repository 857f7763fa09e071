import base64
import hashlib
import re
from functools import wraps

from csp.constants import NONE, SELF
from csp.decorators import csp
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from shop.api.view import ShopGraphQLView
from shop.views import healthz, ping

# GraphiQL's page (graphene-django's template graphene/graphiql.html) loads these
# SRI-pinned files from a CDN, its own static graphene_django/graphiql.js, and has one
# inline <style> and one inline <script> of settings. Until its assets are served
# locally it gets a policy of its own that allows exactly those: each CDN file by its
# full URL, the two inline blocks by their SHA-256, its fonts (embedded as data: URLs)
# and requests to this server only.
_CDN = "https://cdn.jsdelivr.net/npm/"
_V = ShopGraphQLView
GRAPHIQL_SCRIPTS = (
    f"{_CDN}whatwg-fetch@{_V.whatwg_fetch_version}/dist/fetch.umd.js",
    f"{_CDN}react@{_V.react_version}/umd/react.production.min.js",
    f"{_CDN}react-dom@{_V.react_version}/umd/react-dom.production.min.js",
    f"{_CDN}graphiql@{_V.graphiql_version}/graphiql.min.js",
    f"{_CDN}graphql-ws@{_V.subscriptions_transport_ws_version}/umd/graphql-ws.min.js",
    f"{_CDN}@graphiql/plugin-explorer@{_V.graphiql_plugin_explorer_version}"
    "/dist/graphiql-plugin-explorer.umd.js",
)
GRAPHIQL_STYLES = (
    f"{_CDN}graphiql@{_V.graphiql_version}/graphiql.min.css",
    f"{_CDN}@graphiql/plugin-explorer@{_V.graphiql_plugin_explorer_version}/dist/style.css",
)
# Inline <script> (without src) and <style> elements, and their text.
_INLINE = re.compile(rb"<(script|style)\b(?![^>]*\ssrc=)[^>]*>(.*?)</\1\s*>", re.DOTALL)


def _sha256_source(text):
    # Browsers hash the element's text after turning CR LF into LF.
    digest = hashlib.sha256(text.replace(b"\r\n", b"\n")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def graphiql_policy(page):
    """The directives for one rendered GraphiQL page (bytes).

    Hashing the page's own inline blocks is safe because the template puts no
    request data in them, only the GRAPHENE settings.
    """
    inline = {b"script": [], b"style": []}
    for tag, text in _INLINE.findall(page):
        inline[tag].append(_sha256_source(text))
    return {
        "default-src": [NONE],
        "script-src": [SELF, *GRAPHIQL_SCRIPTS, *inline[b"script"]],
        "style-src": [*GRAPHIQL_STYLES, *inline[b"style"]],
        "font-src": ["data:"],
        "img-src": ["data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [NONE],
        "frame-ancestors": [NONE],
    }


def graphiql_csp(view):
    """Give GraphiQL's HTML page its policy; JSON responses keep the site's."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        # django-csp's per-view decorator, applied to this one response.
        return csp(graphiql_policy(response.content))(lambda: response)()

    return wrapped


urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "graphql/",
        csrf_exempt(graphiql_csp(ShopGraphQLView.as_view(graphiql=True))),
        name="graphql",
    ),
    path("healthz", healthz, name="healthz"),
    path("ping", ping, name="ping"),
    path("", include("storefront.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from shop.core.api.view import ShopGraphQLView
from shop.core.views import healthz, ping
from storefront.views.provenance import PAGES as PROVENANCE_PAGES

admin.site.site_header = _("Mountain village market: operators")
admin.site.site_title = _("Mountain village market")
admin.site.index_title = _("Verify sellers, certificates and stations")

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "graphql/",
        csrf_exempt(ShopGraphQLView.as_view(graphiql=True)),
        name="graphql",
    ),
    path("healthz", healthz, name="healthz"),
    path("ping", ping, name="ping"),
    # First: the QR resolver is the most requested address.
    path("", include("traceability.resolver.urls"), {"pages": PROVENANCE_PAGES}),
    path("", include("traceability.urls")),
    path("", include("shop.payments.urls")),
    path("", include("storefront.urls")),
    # Last: a compressed Digital Link is one segment any page's address might be.
    path("", include("traceability.resolver.compressed_urls"), {"pages": PROVENANCE_PAGES}),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

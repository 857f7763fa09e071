"""The pages of the QR resolver (`traceability.resolver.views` makes the
machine answers and chooses): the provenance page and the resolver's error
page, handed to the resolver by the composition root; and the farms that
trace events name as their place (`/farms/{id}`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import re_path, reverse
from django.views.decorators.http import require_safe

from catalog import cache as catalog_cache
from catalog.models import Product
from catalog.selectors import visible_farms
from shop.core import public_cache
from storefront.cards import picture_of
from storefront.page_cache import cached_page
from storefront.templatetags.storefront import localized
from traceability import regions
from traceability.resolver.provenance import Provenance
from traceability.services import scans


class ProvenancePages:
    """The `traceability.resolver.views.ResolverPages` of the storefront."""

    def page(self, request: HttpRequest, view: Provenance, *, pip_url: str | None) -> bytes:
        name = localized(view.product)
        context = {
            "view": view,
            "name": name,
            "picture": picture_of(view.image, name) if view.image else None,
            "notice": scans.notice_for(view.serial.pk) if view.serial else None,
            "regions": regions.region_choices(),
            "geo": regions.clean_geo(request.GET.get("geo")),
            "pip_url": pip_url,
            "page_url": request.path,
            "linkset_url": f"{request.path}?linkType=all",
        }
        return render_to_string("storefront/provenance.html", context, request).encode()

    def error_page(
        self, request: HttpRequest, *, status: int, code: str, message: str
    ) -> HttpResponse:
        context = {"status": status, "code": code, "message": message}
        return render(request, "storefront/provenance_error.html", context, status=status)

    def product_url(self, product: Product) -> str:
        return reverse("storefront:product", args=[product.slug])


PAGES = ProvenancePages()


@require_safe
@cached_page()
def farm_page(request: HttpRequest, farm_id: int) -> HttpResponse:
    """A farm, the readPoint and bizLocation its trace events name
    (`{PUBLIC_BASE_URL}/farms/{id}`), with the seller who farms it."""
    farms = visible_farms(request.user).select_related("seller")
    farm = get_object_or_404(farms, pk=farm_id)
    public_cache.tag(request, catalog_cache.seller_tag(farm.seller_id))
    return render(request, "storefront/farm.html", {"farm": farm, "seller": farm.seller})


urlpatterns = [
    re_path(r"^farms/(?P<farm_id>[0-9]{1,18})$", farm_page, name="farm"),
]

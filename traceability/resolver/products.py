"""What a GTIN names without a lot: the product, answered at product level.

A Digital Link of a GTIN alone (`/01/{gtin}`, or qualified by a CPV or a TPX
but no lot) names the trade item, not a batch: a GS1-Conformant Resolver
answers it with the product's links, the product page (`gs1:pip`) being the
default. Only a product on the public catalogue is found, so a GTIN of a
hidden product is as unknown as a made-up one (and counts as a guess).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _

from catalog import cache as catalog_cache
from catalog.models import ProductVariant
from catalog.selectors import visible_products
from gs1.digital_link import DigitalLink
from traceability.resolver.answers import LANGUAGES, PRODUCT_CONTEXT, link_type_uri
from traceability.resolver.provenance import Link


@dataclass(frozen=True)
class ProductRecord:
    """The variant a GTIN names (product and seller loaded) and the link that named it."""

    variant: ProductVariant
    uri: str

    @property
    def cache_tags(self) -> tuple[str, ...]:
        return (
            catalog_cache.product_tag(self.variant.product_id),
            catalog_cache.seller_tag(self.variant.seller_id),
        )


def find_product(link: DigitalLink) -> ProductRecord | None:
    """One query: the public product variant of the link's GTIN."""
    variant = (
        ProductVariant.objects.select_related("product", "seller")
        .filter(gtin=link.gtin, product__in=visible_products(AnonymousUser()))
        .first()
    )
    if variant is None:
        return None
    # The product-level link: the key and its qualifiers, no attributes or extras.
    uri = DigitalLink(link.key, link.value, link.qualifiers).uri(settings.PUBLIC_BASE_URL)
    return ProductRecord(variant, uri)


def links(record: ProductRecord, *, pip_url: str) -> list[Link]:
    """The product page is the default link and the only one a product has here."""
    title = _("Product information")
    return [
        Link("gs1:defaultLink", pip_url, title, "text/html"),
        Link("gs1:pip", pip_url, title, "text/html"),
    ]


def linkset(record: ProductRecord, *, pip_url: str) -> dict[str, Any]:
    """RFC 9264 linkset JSON of the product's links."""
    context: dict[str, Any] = {
        "anchor": record.uri,
        "itemDescription": record.variant.product.name,
    }
    for link in links(record, pip_url=pip_url):
        entry = {
            "href": link.href,
            "title": str(link.title),
            "type": link.media_type,
            "hreflang": LANGUAGES,
        }
        context.setdefault(link_type_uri(link.link_type), []).append(entry)
    return {"linkset": [context]}


def product_jsonld(record: ProductRecord, *, pip_url: str) -> dict[str, Any]:
    """The trade item as a schema.org Product (no lot: that is the batch's answer)."""
    variant, product = record.variant, record.variant.product
    names = [{"@value": product.name, "@language": "zh-Hans"}]
    if product.name_en:
        names.append({"@value": product.name_en, "@language": "en"})
    return {
        "@context": PRODUCT_CONTEXT,
        "@id": record.uri,
        "@type": ["Product", "gs1:Product"],
        "name": names,
        "sku": variant.sku,
        "size": variant.name,
        "gtin": variant.gtin,
        "gs1:gtin": variant.gtin,
        "url": pip_url,
        "manufacturer": {
            "@type": ["Organization", "gs1:Organization"],
            "name": variant.seller.name,
        },
    }

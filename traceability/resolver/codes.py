"""What a code names, whatever form it comes in: the one lookup behind the
resolver's addresses and the `provenance(code)` and `productByCode(code)` queries.

A code is a short code (``7XK3M9QPRT``), a short link (``…/t/{code}``) or a
GS1 Digital Link URI, uncompressed, compressed or partly compressed
(`gs1.compression.split_any`). A Digital Link with a lot names a batch or a
unit (`provenance.find_link`); a GTIN without one names the product
(`products.find_product`).
"""

from __future__ import annotations

from gs1 import compression
from gs1.digital_link import DigitalLink
from traceability.resolver import products, provenance
from traceability.resolver.products import ProductRecord
from traceability.resolver.provenance import Record

Found = Record | ProductRecord


def find_link(link: DigitalLink) -> Found | None:
    """The batch or unit a Digital Link with a lot names, else its product."""
    if link.lot is None:
        return products.find_product(link)
    return provenance.find_link(link)


def find(text: str) -> Found | None:
    """The record or product of a code as a person or a machine gives it; raises
    `DigitalLinkError` for a malformed Digital Link."""
    text = text.strip()
    if "://" not in text:
        return provenance.find_code(text)
    path = text.split("://", 1)[1].partition("/")[2].partition("?")[0]
    if path.startswith("t/"):
        return provenance.find_code(path[2:])
    return find_link(compression.split_any(text)[1])  # any custom path, as the resolver

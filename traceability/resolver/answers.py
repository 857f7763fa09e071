"""What the resolver answers machines, as plain JSON data: a GS1-Conformant
Resolver's formats for a record's `provenance.Provenance`.

- `product_jsonld`: schema.org `Product` with the GS1 Web Vocabulary (the
  lot, the production and best-before dates, the producer and its farm);
- `epcis_events`: the events of the batch and of the batches it was made from, as an
  EPCIS 2.0 JSON-LD document (`gs1.epcis.epcis_document`), with what anyone
  needs to check them against the trace log (`evidence`);
- `links` / `linkset`: the record's links by GS1 link type, as an RFC 9264
  linkset (`application/linkset+json`), only the types the record has;
- `link_header`: the same links as an HTTP `Link` header (RFC 8288), with the
  linkset's own address;
- `description`: the resolver description file served at
  `/.well-known/gs1resolver` (GS1-Conformant Resolver 1.2's schema, the link
  types described as GS1's Resolver Community Edition does), with the address
  of the trace log's key (`traceLogKey`), which the linkset links too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import iri_to_uri
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gs1 import epcis
from gs1.digital_link import QUALIFIERS
from traceability import facts
from traceability.resolver import evidence
from traceability.resolver.provenance import Link, Provenance, Status

GS1_VOC = "https://gs1.org/voc/"
SCHEMA_ORG = "https://schema.org/"
PRODUCT_CONTEXT = {"@vocab": SCHEMA_ORG, "schema": SCHEMA_ORG, "gs1": GS1_VOC}
JSONLD = "application/ld+json"
LINKSET = "application/linkset+json"
LANGUAGES = ["zh-Hans", "en"]


# The relation of the trace log's public key, which checks every record's receipts
# and checkpoints: GS1 has no link type for it, so an extension relation type
# (RFC 8288 3.3), the C2SP format the key is published in.
LOG_KEY = "https://c2sp.org/signed-note#verifier-keys"


def link_type_uri(link_type: str) -> str:
    """ "gs1:pip" as the linkset names it: https://gs1.org/voc/pip (another
    relation is a URI already)."""
    if not link_type.startswith("gs1:"):
        return link_type
    return GS1_VOC + link_type.removeprefix("gs1:")


def log_key_url() -> str:
    return settings.PUBLIC_BASE_URL + reverse("trace-log-key")


def normalise_link_type(value: str) -> str:
    """A requested linkType as a CURIE: "gs1:pip" for it or its full URI."""
    for prefix in (GS1_VOC, "http://gs1.org/voc/", "https://ref.gs1.org/voc/"):
        if value.startswith(prefix):
            return "gs1:" + value.removeprefix(prefix)
    return value


def _names(obj: Any) -> list[dict[str, str]]:
    names = [{"@value": obj.name, "@language": "zh-Hans"}]
    if getattr(obj, "name_en", ""):
        names.append({"@value": obj.name_en, "@language": "en"})
    return names


def _farm(view: Provenance) -> dict[str, Any]:
    farm = view.farm
    place: dict[str, Any] = {
        "@type": ["Place", "gs1:Place"],
        "@id": f"{settings.PUBLIC_BASE_URL}/farms/{farm.pk}",
        "name": _names(farm),
        "address": {
            "@type": "PostalAddress",
            "addressCountry": "CN",
            "addressRegion": view.seller.province,
            "addressLocality": view.seller.county,
            "streetAddress": farm.village,
        },
    }
    if farm.latitude is not None and farm.longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(farm.latitude),
            "longitude": float(farm.longitude),
        }
    return place


def _verification(view: Provenance) -> dict[str, Any]:
    """What `traceVerify` says of the record, for machines as the page says it for people."""
    check = view.check
    said: dict[str, Any] = {f"{evidence.PREFIX}:status": str(check.status)}
    if check.reason:
        said[f"{evidence.PREFIX}:reason"] = str(check.reason)
    if check.failing_event_id is not None:
        said[f"{evidence.PREFIX}:sequence"] = check.failing_event_id
    if check.checkpoint_at is not None:
        said[f"{evidence.PREFIX}:checkpointAt"] = check.checkpoint_at.isoformat()
    said[f"{evidence.PREFIX}:witnesses"] = check.witnesses
    return said


def product_jsonld(view: Provenance, *, pip_url: str | None) -> dict[str, Any]:
    """The record as a schema.org Product (and gs1:Product) of this one lot."""
    batch, variant, seller = view.batch, view.variant, view.seller
    data: dict[str, Any] = {
        "@context": PRODUCT_CONTEXT,
        "@id": view.uri,
        "@type": ["Product", "gs1:Product"],
        "name": _names(view.product),
        "sku": variant.sku,
        "size": variant.name,
    }
    if variant.gtin:
        data["gtin"] = data["gs1:gtin"] = variant.gtin
    data["gs1:hasBatchLotNumber"] = batch.lot
    if view.serial is not None:
        data["gs1:hasSerialNumber"] = view.serial.serial
    data["@context"] = {**PRODUCT_CONTEXT, evidence.PREFIX: evidence.namespace()}
    data[f"{evidence.PREFIX}:verification"] = _verification(view)
    if view.check.status != Status.FAILED:  # the lot's dates are only said while they verify
        data["productionDate"] = batch.harvest_date.isoformat()
        if batch.best_before:
            data["gs1:bestBeforeDate"] = {
                "@value": batch.best_before.isoformat(),
                "@type": "schema:Date",
            }
    data["gs1:netContent"] = {
        "@type": "gs1:QuantitativeValue",
        "gs1:value": variant.net_weight_grams,
        "gs1:unitCode": "GRM",
    }
    if view.product.description:
        data["description"] = view.product.description
    if view.photo is not None:
        data["image"] = view.photo.absolute_url
    if pip_url:
        data["url"] = pip_url
    data["countryOfOrigin"] = {"@type": "Country", "name": "CN"}
    data["manufacturer"] = {
        "@type": ["Organization", "gs1:Organization"],
        "name": _names(seller),
        "description": seller.story or None,
        "address": {
            "@type": "PostalAddress",
            "addressCountry": "CN",
            "addressRegion": seller.province,
            "addressLocality": seller.county,
        },
        "location": _farm(view),
    }
    if data["manufacturer"]["description"] is None:
        del data["manufacturer"]["description"]
    data["subjectOf"] = {"@id": f"{view.uri}?format=epcis", "encodingFormat": JSONLD}
    return data


def epcis_events(view: Provenance) -> dict[str, Any]:
    """The events of the batch and of what it was made from, in recording order,
    with the log's evidence; an event declared wrong stays, beside its error declaration.
    The context declares the namespace of the platform's facts the events carry."""
    document = epcis.epcis_document(
        [event.document for event in view.events], created=timezone.now()
    )
    document = evidence.add_evidence(document, view)
    document["@context"].append(facts.context())
    return document


def links(view: Provenance, *, pip_url: str | None) -> list[Link]:
    """The record's links, one per link type it has (the page is the default)."""
    page = view.uri
    found = [
        Link("gs1:defaultLink", page, _("Where it comes from"), "text/html"),
        Link("gs1:traceability", page, _("Where it comes from"), "text/html"),
        Link("gs1:epcis", f"{page}?format=epcis", _("Trace events (EPCIS 2.0)"), JSONLD),
    ]
    if pip_url:
        found.insert(1, Link("gs1:pip", pip_url, _("Product information"), "text/html"))
    if view.recall is not None:
        found.append(Link("gs1:recallStatus", f"{page}#recall", _("Recalled"), "text/html"))
    found.append(Link(LOG_KEY, log_key_url(), _("The trace log's public key"), "application/json"))
    return found


def linkset(view: Provenance, *, pip_url: str | None) -> dict[str, Any]:
    """RFC 9264 linkset JSON, as a GS1-Conformant Resolver lists a record's links."""
    context: dict[str, Any] = {"anchor": view.uri, "itemDescription": view.product.name}
    for link in links(view, pip_url=pip_url):
        entry: dict[str, Any] = {
            "href": link.href,
            "title": str(link.title),
            "type": link.media_type,
        }
        if link.media_type == "text/html":
            entry["hreflang"] = LANGUAGES
        context.setdefault(link_type_uri(link.link_type), []).append(entry)
    return {"linkset": [context]}


def link_header(anchor: str, found: list[Link]) -> str:
    """The links as an RFC 8288 `Link` header: one per link type (its CURIE as
    the relation, as GS1 resolvers write it) and the linkset of them all."""
    parts = [
        f'<{iri_to_uri(link.href)}>; rel="{link.link_type}"; type="{link.media_type}"'
        + ('; hreflang="zh-Hans"' if link.media_type == "text/html" else "")
        for link in found
    ]
    parts.append(f'<{iri_to_uri(anchor)}?linkType=all>; rel="linkset"; type="{LINKSET}"')
    return ", ".join(parts)


# Every GS1 link type some answer of this resolver can carry (a record has
# those that apply), with its title and description.
ACTIVE_LINK_TYPES: dict[str, tuple[Promise, Promise]] = {
    "defaultLink": (
        _("Default link"),
        _(
            "Where a person is sent: the provenance page of a batch or unit, "
            "or the product page for a GTIN without a lot."
        ),
    ),
    "pip": (_("Product information"), _("The product's page on the market.")),
    "traceability": (
        _("Where it comes from"),
        _("The farm and every step of the batch, checked against the trace log."),
    ),
    "epcis": (
        _("Trace events (EPCIS 2.0)"),
        _(
            "The events of the batch and of the batches it was made from, "
            "with what checks them against the trace log."
        ),
    ),
    "recallStatus": (_("Recalled"), _("Why and when the batch was recalled.")),
}


def active_link_types() -> dict[str, dict[str, dict[str, str]]]:
    """`activeLinkTypes` as GS1's Resolver Community Edition publishes it: by
    language, each link type's CURIE with its title, description and term URI."""
    described: dict[str, dict[str, dict[str, str]]] = {}
    for language in LANGUAGES:
        with translation.override(language):
            described[language] = {
                f"gs1:{name}": {
                    "title": str(title),
                    "description": str(text),
                    "url": GS1_VOC + name,
                }
                for name, (title, text) in ACTIVE_LINK_TYPES.items()
            }
    return described


def description() -> dict[str, Any]:
    """The resolver description file (/.well-known/gs1resolver): the keys of
    GS1-Conformant Resolver 1.2's description-file schema (`contact` a vCard),
    those of GS1's Resolver Community Edition (`activeLinkTypes`,
    `supportsLanguageVariants`, ...) and one of ours (`traceLogKey`)."""
    root = settings.PUBLIC_BASE_URL
    return {
        "name": str(_("Mountain village market")),
        "resolverRoot": root,
        "supportedPrimaryKeys": list(QUALIFIERS),
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        # The page stays the default: a linkset only for linkType=all or by Accept.
        "linkTypeDefaultCanBeLinkset": False,
        # Answers vary by Accept-Language only; no context= value changes them.
        "supportedContextValuesEnumerated": [],
        "supportedContextValuesExternal": [],
        "supportsLanguageVariants": True,  # zh-Hans and en, by Accept-Language
        "supportsSemanticInterpretation": False,
        "validatesAIcombinations": False,  # the grammar's key order only (digital_link)
        "contact": {
            "fn": str(_("Mountain village market")),
            "hasEmail": f"mailto:{settings.RESOLVER_CONTACT_EMAIL}",
            "hasURL": root + "/",
        },
        "termsOfUse": settings.RESOLVER_TERMS_URL or root + "/",
        "activeLinkTypes": active_link_types(),
        # Not a GS1 key: where the key that signs every record's log is.
        "traceLogKey": log_key_url(),
    }

"""The QR resolver: GS1 Digital Links (`/01/{gtin}[/10/{lot}[/21/{serial}]]`,
after any custom path, compressed or not) and `/t/{code}`, and the resolver
description at `/.well-known/gs1resolver`.

Both kinds of code name the same record, read and found as the
`provenance(code)` query reads them (`traceability.resolver.codes`); a GTIN
without a lot names the product (`traceability.resolver.products`), whose
default link is its page (a 307 there). A link in any other form than its
uncompressed one (compressed, partly compressed, `/gtin/`, a GTIN-13) is
answered as that one, which the answer's `Link` header names
(`rel="owl:sameAs"`, as GS1 asks of a compressed request). What comes back is chosen, in
this order, by `?linkType=` (a GS1 link type: 307 to it, 404 when the record
has none; `all`: the linkset), `?format=` (`html`, `jsonld`, `epcis`,
`linkset`) and the `Accept` header (`text/html`; `application/ld+json`, with
`profile` naming EPCIS for the events; `application/linkset+json`). Every
answer carries its links in an RFC 8288 `Link` header; machine answers (all
but the page) carry CORS headers, and OPTIONS is answered for a preflight. A
malformed Digital Link is a 400 with the parser's reason, an unknown code a
404; the 404s one client address collects are counted
(`traceability.resolver.guesses`) and past the limit every unknown lookup from
it gets a 429.

Answers to anonymous requests are kept in the public cache, tagged with the
batch and every batch it was made from (a product-level answer: the product
and its seller), so a new event makes only those stale; every change to what
they show bumps a tag, so they are kept PUBLIC_CACHE_LASTING_SECONDS, and a
worker serves its own copy of them while no tag is bumped
(`public_cache.get(..., lasting=True)`). The scan of a batch or unit is
recorded on every resolve, served from the cache or not
(`traceability.services.scans.record_scan`: a push to a buffer, no database
write).

The machine answers are made here; a person's page and error page come from
the `ResolverPages` the composition root hands these views (the storefront's).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.urls import is_valid_path
from django.utils.cache import patch_vary_headers
from django.utils.encoding import iri_to_uri
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from catalog.models import Product
from gs1 import compression
from gs1.digital_link import DigitalLink, DigitalLinkError
from shop.core import public_cache
from shop.core.throttling import client_network
from traceability import regions
from traceability.resolver import answers as resolver
from traceability.resolver import codes, guesses, products, provenance
from traceability.resolver.products import ProductRecord
from traceability.resolver.provenance import Provenance, Record
from traceability.services import scans

HTML = "text/html"
FORMATS = {"html", "jsonld", "epcis", "linkset"}
EPCIS_PROFILE = "epcis"  # in Accept's profile parameter: "…/standards/epcis"
# The stem is not the resolver's business: the parser checks the path after it.
_STEM = "https://id.invalid"


@dataclass(frozen=True)
class Answer:
    """A response as the cache keeps it, with the record it resolved (for the scan)."""

    status: int
    body: bytes
    content_type: str
    location: str
    batch_id: int | None  # None: a product-level answer (no scan to record)
    serial_id: int | None
    links: str = ""  # the Link header


def _response(answer: Answer, choice: str) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    if answer.location:
        response["Location"] = answer.location
    if answer.links:
        response["Link"] = answer.links
    return _finish(response, choice)


def _finish(response: HttpResponse, choice: str) -> HttpResponse:
    """Every scan must reach us: shared caches revalidate, and answers vary by both.
    Any web page may read a machine answer (no cookie is in one); the page is ours."""
    patch_vary_headers(response, ("Accept", "Accept-Language"))
    response["Cache-Control"] = "no-cache"
    if choice != "html":
        _allow_any_origin(response)
    return response


def _allow_any_origin(response: HttpResponse) -> None:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "Link, Location, Retry-After"


METHODS = ("GET", "HEAD", "OPTIONS")


def _options() -> HttpResponse:
    """OPTIONS, and a CORS preflight: what may be asked, from any origin."""
    response = HttpResponse(status=204)
    response["Allow"] = ", ".join(METHODS)
    _allow_any_origin(response)
    response["Access-Control-Allow-Methods"] = ", ".join(METHODS)
    response["Access-Control-Allow-Headers"] = "Accept, Accept-Language"
    response["Access-Control-Max-Age"] = "86400"
    return response


def _resolver_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET and HEAD go to `view`, OPTIONS is answered here, any other method is a 405."""

    @require_http_methods(list(METHODS))
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            return _options()
        return view(request, *args, **kwargs)

    wrapped.__doc__ = view.__doc__
    return wrapped


class ResolverPages(Protocol):
    """What a person sees: the provenance page and the resolver's error page."""

    def page(self, request: HttpRequest, view: Provenance, *, pip_url: str | None) -> bytes: ...

    def error_page(
        self, request: HttpRequest, *, status: int, code: str, message: str
    ) -> HttpResponse: ...

    def product_url(self, product: Product) -> str: ...


def _error(
    request: HttpRequest, pages: ResolverPages, choice: str, status: int, code: str, message: str
) -> HttpResponse:
    """A machine gets `{"error": {"code", "message"}}`, a browser a page saying it."""
    if choice == "html":
        response = pages.error_page(request, status=status, code=code, message=message)
    else:
        body = {"error": {"code": code, "message": message}}
        response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    return _finish(response, choice)


def _choose(request: HttpRequest, params: dict[str, str]) -> str:
    """What is asked for: html, jsonld, epcis, linkset, link:gs1:… or "" (unknown format)."""
    link_type = params.get("linkType")
    if link_type:
        link_type = resolver.normalise_link_type(link_type)
        return "linkset" if link_type in ("all", "linkset") else f"link:{link_type}"
    fmt = params.get("format")
    if fmt is not None:
        return fmt if fmt in FORMATS else ""
    accepted = request.accepted_types
    if any(
        EPCIS_PROFILE in m.params.get("profile", "") and m.quality > 0
        for m in accepted
        if (m.main_type, m.sub_type) in (("application", "ld+json"), ("application", "json"))
    ):
        return "epcis"
    preferred = request.get_preferred_type(
        [HTML, resolver.JSONLD, resolver.LINKSET, "application/json"]
    )
    if preferred == resolver.LINKSET:
        return "linkset"
    if preferred in (resolver.JSONLD, "application/json"):
        return "jsonld"
    return "html"


def _cache_key(request: HttpRequest, choice: str) -> str | None:
    """The answer's key: the path, what is asked for, the place given (a valid
    one or none) and the language. Nothing else in the query changes the
    answer, so the answer is made as if nothing else were there: `?geo=junk…`
    makes no new entry."""
    if (
        not public_cache.enabled()
        or request.user.is_authenticated
        or len(messages.get_messages(request))
    ):
        return None
    geo = regions.clean_geo(request.GET.get("geo"))
    public_cache.set_query(request, urlencode({"geo": geo}) if geo else "")
    return public_cache.cache_key("provenance", request.path, choice, geo, request.LANGUAGE_CODE)


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _redirect(
    choice: str, found: list[provenance.Link], ids: tuple[int | None, int | None], links: str
) -> Answer | None:
    """The 307 to the link of the type `choice` asks for, None when there is none."""
    wanted = choice.removeprefix("link:")
    link = next((x for x in found if x.link_type == wanted), None)
    if link is None:
        return None
    return Answer(307, b"", "text/plain", link.href, *ids, links=links)


def _answer(
    request: HttpRequest, pages: ResolverPages, record: Record, choice: str
) -> Answer | None:
    """The answer for `record`, or None when the requested link type is absent."""
    view = provenance.provenance(record)
    public_cache.tag(request, *view.cache_tags)
    pip_url = (
        settings.PUBLIC_BASE_URL + pages.product_url(view.product) if view.product_public else None
    )
    ids = (record.batch.pk, record.serial.pk if record.serial else None)
    found = resolver.links(view, pip_url=pip_url)
    links = resolver.link_header(view.uri, found)
    if choice.startswith("link:"):
        return _redirect(choice, found, ids, links)
    if choice == "jsonld":
        body, content_type = _json(resolver.product_jsonld(view, pip_url=pip_url)), resolver.JSONLD
    elif choice == "epcis":
        body, content_type = _json(resolver.epcis_events(view)), resolver.JSONLD
    elif choice == "linkset":
        body, content_type = _json(resolver.linkset(view, pip_url=pip_url)), resolver.LINKSET
    else:
        body, content_type = pages.page(request, view, pip_url=pip_url), "text/html; charset=utf-8"
    return Answer(200, body, content_type, "", *ids, links=links)


def _product_answer(
    request: HttpRequest, pages: ResolverPages, record: ProductRecord, choice: str
) -> Answer | None:
    """A GTIN without a lot: the product page is the default link (a person is
    sent there), its linkset and JSON-LD for machines; it has no events."""
    public_cache.tag(request, *record.cache_tags)
    pip_url = settings.PUBLIC_BASE_URL + pages.product_url(record.variant.product)
    found = products.links(record, pip_url=pip_url)
    links = resolver.link_header(record.uri, found)
    if choice == "html":
        choice = "link:gs1:defaultLink"
    if choice.startswith("link:"):
        return _redirect(choice, found, (None, None), links)
    if choice == "jsonld":
        body = _json(products.product_jsonld(record, pip_url=pip_url))
        return Answer(200, body, resolver.JSONLD, "", None, None, links=links)
    if choice == "linkset":
        body = _json(products.linkset(record, pip_url=pip_url))
        return Answer(200, body, resolver.LINKSET, "", None, None, links=links)
    return None  # epcis: a product has no events of its own


def _make(
    request: HttpRequest, pages: ResolverPages, found: codes.Found, choice: str
) -> Answer | None:
    if isinstance(found, ProductRecord):
        return _product_answer(request, pages, found, choice)
    return _answer(request, pages, found, choice)


def _resolve(
    request: HttpRequest,
    pages: ResolverPages,
    find: Callable[[], codes.Found | None],
    params: dict[str, str],
) -> HttpResponse:
    choice = _choose(request, params)
    if not choice:
        return _error(request, pages, "", 400, "unknown_format", _("Unknown format."))
    key = _cache_key(request, choice)
    answer = public_cache.get(key, lasting=True) if key else None
    if answer is None:
        if key:
            public_cache.start(request)
        try:
            record: codes.Found | None = guesses.look_up(find, client_network(request))
        except guesses.TooManyGuesses as refused:
            response = _error(
                request, pages, choice, 429, "too_many_requests", str(guesses.REFUSED)
            )
            response["Retry-After"] = str(refused.retry_after)
            return response
        if record is None:
            return _error(request, pages, choice, 404, "not_found", _("No product has this code."))
        answer = _make(request, pages, record, choice)
        if answer is None:
            return _error(request, pages, choice, 404, "link_type_absent", _("No such link."))
        if key:
            public_cache.put(key, request, answer, lasting=True)
    if answer.batch_id is not None:
        scans.record_scan(
            batch_id=answer.batch_id,
            serial_id=answer.serial_id,
            geo=request.GET.get("geo"),
            network=client_network(request),
        )
    return _response(answer, choice)


def _query(request: HttpRequest) -> dict[str, str]:
    """The query's parameters, each with its last value (as `QueryDict.items()` gives them)."""
    return {name: values[-1] for name, values in request.GET.lists()}


def _raw_uri(request: HttpRequest) -> str:
    """The request's path and query as the client sent them (percent-escapes and
    all): the WSGI server's RAW_URI or REQUEST_URI, else the decoded path
    encoded again (servers that give neither cannot show a bad escape)."""
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or ""
    if raw.startswith("/"):
        return _STEM + raw
    if "://" in raw:
        return raw
    query = request.META.get("QUERY_STRING", "")
    return _STEM + quote(request.path, safe="/") + (f"?{query}" if query else "")


def _resolve_link(request: HttpRequest, pages: ResolverPages, uri: str) -> HttpResponse:
    """Resolve a Digital Link URI in any form: a batch or unit with its lot, else the product."""
    try:
        stem, link = compression.split_any(uri)
    except DigitalLinkError as error:
        choice = _choose(request, _query(request)) or "html"
        return _error(request, pages, choice, 400, error.reason, error.message)
    response = _resolve(request, pages, lambda: codes.find_link(link), dict(link.extras))
    identified = DigitalLink(link.key, link.value, link.qualifiers, link.attributes)
    uncompressed = urlsplit(identified.uri(stem))
    if response.has_header("Link") and uncompressed.path != urlsplit(uri).path:
        same = urlunsplit(("", "", uncompressed.path, uncompressed.query, ""))
        response["Link"] += f', <{iri_to_uri(settings.PUBLIC_BASE_URL + same)}>; rel="owl:sameAs"'
    return response


@_resolver_view
def digital_link_page(request: HttpRequest, pages: ResolverPages) -> HttpResponse:
    """A GS1 Digital Link: `[/{custom path}]/01/{gtin}[/22/{cpv}|/235/{tpx}][/10/{lot}][/21/{serial}]`."""
    return _resolve_link(request, pages, _raw_uri(request))


@_resolver_view
def compressed_link_page(request: HttpRequest, pages: ResolverPages) -> HttpResponse:
    """A compressed GS1 Digital Link (`[/{custom path}]/{compressed}`), mounted
    after the site's pages: a last segment that does not decode is no link of ours."""
    raw = _raw_uri(request)
    try:
        compression.decode(raw.partition("?")[0].rpartition("/")[2])
    except compression.NotCompressed as error:
        if settings.APPEND_SLASH and is_valid_path(f"{request.path_info}/"):
            # What CommonMiddleware does for a page's address given without its slash.
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
        raise Http404 from error
    return _resolve_link(request, pages, raw)


@_resolver_view
def short_code_page(request: HttpRequest, code: str, pages: ResolverPages) -> HttpResponse:
    """A short platform code, `/t/{code}`: a batch's or a unit's."""
    return _resolve(request, pages, lambda: provenance.find_code(code), _query(request))


@_resolver_view
def resolver_description(request: HttpRequest, **_pages: Any) -> HttpResponse:
    response = JsonResponse(resolver.description(), json_dumps_params={"ensure_ascii": False})
    _allow_any_origin(response)
    return response

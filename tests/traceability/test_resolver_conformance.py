"""The resolver against the GS1-Conformant Resolver rules, over HTTP: GTIN-level
answers, TPX and the newer attributes, the GS1 attributes it does not model,
custom paths, compressed and partly compressed links (GS1's vectors), the
Syntax Engine's vectors, Link headers, OPTIONS and CORS, and the resolver
description against GS1's schema."""

import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import services as catalog_services
from gs1 import compression
from gs1.digital_link import DigitalLink, DigitalLinkError, check_digit
from shop.core.throttling import Limit
from tests.helpers.events import harvest, observe
from traceability.resolver import guesses
from traceability.resolver.answers import GS1_VOC

GTIN = "06901234567892"
LINK = f"/01/{GTIN}/10/ZM2026-10A"
PIP = "/p/wugong-purple-rice/"
UNKNOWN = "0952012345678" + check_digit("0952012345678")[-1:]
GS1 = Path(__file__).parent / "gs1"
VECTORS = json.loads((GS1 / "digital-link.js_test_vectors.json").read_text())
SYNTAX_ENGINE = json.loads((GS1 / "gs1-syntax-engine_dl_vectors.json").read_text())


def anonymous(**headers):
    return Client(HTTP_HOST="127.0.0.1", **headers)


@pytest.fixture
def gtin_batch(batch, variant, seller_user):
    """The batch ZM2026-10A of a variant with a GTIN."""
    catalog_services.update_variant(actor=seller_user, variant=variant, gtin=GTIN[1:])
    batch.refresh_from_db()
    return batch


@pytest.fixture
def chain(seller_user, gtin_batch):
    return [harvest(seller_user, gtin_batch), observe(seller_user, gtin_batch)]


def compressed_path(link, prefix="", **options):
    packed = compression.compress(link, "http://127.0.0.1" + prefix, **options)
    return packed.removeprefix("http://127.0.0.1")


# --- a GTIN without a lot ----------------------------------------------------------------------


@pytest.mark.parametrize("path", [f"/01/{GTIN}", f"/01/{GTIN}/235/TPX-9", f"/01/{GTIN}/22/2A"])
def test_a_gtin_without_a_lot_resolves_to_its_product_page(gtin_batch, path):
    response = anonymous().get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 307 and response["Location"].endswith(PIP)
    assert 'rel="gs1:pip"' in response["Link"] and 'rel="linkset"' in response["Link"]
    assert "Access-Control-Allow-Origin" not in response  # a person's answer
    linkset = anonymous().get(f"{path}?linkType=all")
    (context,) = linkset.json()["linkset"]
    assert context["anchor"].endswith(path)
    assert {key.removeprefix(GS1_VOC) for key in context if key.startswith(GS1_VOC)} == {
        "defaultLink",
        "pip",
    }
    assert context[f"{GS1_VOC}pip"][0]["href"].endswith(PIP)
    product = anonymous().get(path, HTTP_ACCEPT="application/ld+json").json()
    assert product["gtin"] == GTIN and product["url"].endswith(PIP)
    events = anonymous().get(f"{path}?format=epcis")
    assert events.status_code == 404 and events.json()["error"]["code"] == "link_type_absent"


def test_a_product_level_answer_is_cached_on_the_product(gtin_batch, product, seller_user):
    client = anonymous()
    with CaptureQueriesContext(connection) as cold:
        assert client.get(f"/01/{GTIN}").status_code == 307
    assert len(cold) <= 3, [query["sql"] for query in cold]
    with CaptureQueriesContext(connection) as warm:
        assert client.get(f"/01/{GTIN}").status_code == 307
    assert len(warm) == 0
    catalog_services.update_product(actor=seller_user, product=product, is_published=False)
    hidden = client.get(f"/01/{GTIN}", HTTP_ACCEPT="application/json")
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"


def test_a_known_gtin_is_no_guess_and_an_unknown_one_is(gtin_batch, monkeypatch):
    monkeypatch.setattr(guesses, "GUESSES", Limit("test-gtin-guesses", 1, 600))
    client = anonymous(REMOTE_ADDR="203.0.113.9")
    for fmt in ("html", "jsonld", "linkset"):  # three cold lookups of a real GTIN
        assert client.get(f"/01/{GTIN}?format={fmt}").status_code in (200, 307)
    first = client.get(f"/01/{UNKNOWN}", HTTP_ACCEPT="application/json")
    assert first.status_code == 404  # the one guess allowed
    refused = client.get(f"/01/{UNKNOWN}/22/X", HTTP_ACCEPT="application/json")
    assert refused.status_code == 429
    assert client.get(f"/01/{GTIN}/22/NEW", HTTP_ACCEPT="text/html").status_code == 307


# --- what the path and query may carry ---------------------------------------------------------


def test_expiry_time_and_order_number_are_accepted(chain, gtin_batch):
    response = anonymous().get(f"{LINK}?7003=2612312359&400=PO-42", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and "ZM2026-10A" in response.content.decode()
    bad = anonymous().get(f"{LINK}?7003=2612312460", HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_value"


def test_gs1_attributes_it_does_not_model_are_passed_over(chain, gtin_batch):
    """Threat: a label carrying a GS1 attribute the market does not use (a
    dangerous-goods flag, a height) fails to resolve. Property: the link
    resolves as without it; a number that is no GS1 attribute is still a 400."""
    page = anonymous().get(f"{LINK}?4321=1&3133=000150", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and "ZM2026-10A" in page.content.decode()
    for query, code in (("89=1", "bad_attribute"), ("4321=", "bad_value")):
        bad = anonymous().get(f"{LINK}?{query}", HTTP_ACCEPT="application/json")
        assert bad.status_code == 400 and bad.json()["error"]["code"] == code, query


@pytest.fixture
def many_guesses(monkeypatch):
    monkeypatch.setattr(guesses, "GUESSES", Limit("test-vector-guesses", 1000, 600))


def test_the_syntax_engines_vectors_over_http(db, many_guesses):
    """Threat: the resolver answers a link otherwise than its parser reads it.
    Property: every vector path the resolver is routed (one starting with /01/
    or /gtin/; the host and any fragment are the client's) gets over HTTP what
    the parser says of it: a valid one reaches the lookup (its GTIN is not
    ours: 404), a refused one is a 400 with the parser's reason. (How the
    parser's verdicts match the vectors' is `test_digital_link`'s.)"""
    answered = Counter()
    for case in SYNTAX_ENGINE["parse_dl_uri"]:
        path = "/" + case["uri"].partition("#")[0].split("/", 3)[-1]
        if not path.startswith(("/01/", "/gtin/")):
            continue
        try:
            compression.split_any(f"http://127.0.0.1{path}")
            expected = (404, "not_found")
        except DigitalLinkError as error:
            expected = (400, str(error.reason))
        response = anonymous().get(path, HTTP_ACCEPT="application/json", RAW_URI=path)
        assert (response.status_code, response.json()["error"]["code"]) == expected, path
        answered[response.status_code] += 1
    assert answered == {404: 52, 400: 23}


def test_a_custom_path_before_the_key_resolves_and_the_site_keeps_its_pages(chain, gtin_batch):
    page = anonymous().get(f"/any/custom/path{LINK}", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and "ZM2026-10A" in page.content.decode()
    product = anonymous().get(f"/shop/brand/gtin/{GTIN}", HTTP_ACCEPT="text/html")
    assert product.status_code == 307 and product["Location"].endswith(PIP)
    assert anonymous().get(PIP).status_code == 200  # the storefront's, not the resolver's
    assert "Link" not in anonymous().get(PIP)
    assert anonymous().get(f"/static{LINK}").status_code == 404
    wrong = anonymous().get(f"/x/01/{GTIN[:-1]}3/10/A", HTTP_ACCEPT="application/json")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "bad_check_digit"


def test_compressed_links_are_decompressed(chain, gtin_batch):
    batch = DigitalLink.for_gtin(GTIN, lot="ZM2026-10A")
    for path in (compressed_path(batch), compressed_path(batch, "/any/prefix")):
        assert "/01/" not in path
        page = anonymous().get(path, HTTP_ACCEPT="text/html")
        assert page.status_code == 200 and "ZM2026-10A" in page.content.decode()
    product = anonymous().get(compressed_path(DigitalLink.for_gtin(GTIN)))
    assert product.status_code == 307 and product["Location"].endswith(PIP)
    # AI 01 and a GTIN with a wrong check digit (14 digits: one 47-bit number).
    bits = "00000001" + f"{int(GTIN[:-1] + str((int(GTIN[-1]) + 1) % 10)):047b}"
    bits += "0" * (-len(bits) % 6)
    packed = "".join(compression.BASE64[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))
    wrong = anonymous().get(f"/{packed}", HTTP_ACCEPT="application/json")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "bad_check_digit"


def same_as(response):
    """The owl:sameAs target of the answer's Link header."""
    (link,) = [part for part in response["Link"].split(", ") if 'rel="owl:sameAs"' in part]
    return link.partition(">")[0].removeprefix("<")


def test_partly_compressed_links_resolve_and_name_their_uncompressed_self(chain, gtin_batch):
    """Threat: a label printed partly compressed (GS1's toolkit leaves the key
    uncompressed) does not resolve, or a machine cannot tell which link it
    was. Property: the key (and any qualifiers) in the path and the rest in
    one compressed segment resolve as the uncompressed link, which the Link
    header names (rel="owl:sameAs"), as it does for a compressed link; an
    uncompressed link names none."""
    batch = DigitalLink.for_gtin(GTIN, lot="ZM2026-10A")
    for prefix in ("", "/any/prefix"):
        path = compressed_path(batch, prefix, uncompressed_key=True)
        assert path.startswith(f"{prefix}/01/{GTIN}/") and "/10/" not in path
        page = anonymous().get(path, HTTP_ACCEPT="text/html")
        assert page.status_code == 200 and "ZM2026-10A" in page.content.decode()
        assert same_as(page) == f"{settings.PUBLIC_BASE_URL}{prefix}{LINK}"
        full = anonymous().get(compressed_path(batch, prefix), HTTP_ACCEPT="text/html")
        assert same_as(full) == same_as(page)
    dated = DigitalLink.for_gtin(GTIN, attributes=[("17", "271231")])
    product = anonymous().get(compressed_path(dated, uncompressed_key=True))
    assert product.status_code == 307 and product["Location"].endswith(PIP)
    assert same_as(product) == f"{settings.PUBLIC_BASE_URL}/01/{GTIN}?17=271231"
    assert "owl:sameAs" not in anonymous().get(LINK)["Link"]
    tail = compressed_path(batch, uncompressed_key=True).rpartition("/")[2]
    wrong = anonymous().get(f"/01/{UNKNOWN[:-1]}{int(UNKNOWN[-1]) ^ 1}/{tail}")
    assert wrong.status_code == 400 and "bad_check_digit" in wrong.content.decode()
    twice = anonymous().get(f"/01/{GTIN}/10/OTHER/{tail}", HTTP_ACCEPT="application/json")
    assert twice.status_code == 400 and twice.json()["error"]["code"] == "duplicate_ai"


def test_gs1_compressed_vectors_resolve_over_http(db):
    """digital-link.js's compressed URIs reach the lookup (their GTIN is not ours: 404)."""
    packed = {
        uri
        for case in VECTORS["compression"]
        for uri in (case["input"], case["expected"])
        if "/01/" not in uri and "/gtin/" not in uri
    }
    assert len(packed) == 4
    for uri in packed:
        path = "/" + uri.split("/", 3)[3]
        response = anonymous().get(path, HTTP_ACCEPT="application/json")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_a_page_address_without_its_slash_still_redirects(db, product):
    response = anonymous().get(PIP.rstrip("/"))
    assert response.status_code == 301 and response["Location"].endswith(PIP)
    assert anonymous().get("/Dnot-a-compressed-link").status_code == 404


# --- headers -----------------------------------------------------------------------------------


def test_answers_carry_link_headers_and_machine_answers_cors(chain, gtin_batch):
    page = anonymous().get(LINK, HTTP_ACCEPT="text/html")
    links = page["Link"]
    for rel in ("gs1:defaultLink", "gs1:pip", "gs1:traceability", "gs1:epcis", "linkset"):
        assert f'rel="{rel}"' in links, rel
    assert f'<{settings.PUBLIC_BASE_URL}{LINK}?linkType=all>; rel="linkset"' in links
    assert "Access-Control-Allow-Origin" not in page
    for query in ("?linkType=all", "?format=jsonld", "?format=epcis", "?linkType=gs1:pip"):
        machine = anonymous().get(LINK + query)
        assert machine["Access-Control-Allow-Origin"] == "*", query
        assert "Link" in machine["Access-Control-Expose-Headers"]
        assert machine["Link"] == links
    error = anonymous().get(f"/01/{UNKNOWN}", HTTP_ACCEPT="application/json")
    assert error["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "path", [LINK, f"/01/{GTIN}", "/t/ABCDEFGHJK", "/.well-known/gs1resolver", "/p/x/01/12345670"]
)
def test_options_is_answered_without_a_lookup(db, path):
    with CaptureQueriesContext(connection) as queries:
        response = anonymous().options(path, HTTP_ORIGIN="https://elsewhere.example")
    assert response.status_code == 204 and len(queries) == 0
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert anonymous().post(path).status_code == 405


# GS1-Conformant Resolver 1.2's description-file schema
# (https://ref.gs1.org/standards/resolver/1.2.0/description-file-schema), its
# properties restated, with the vCard `contact` and the other keys of GS1's
# Resolver Community Edition schema; `activeLinkTypes` as that edition
# publishes it (web_server/src/public/gs1resolver.json): by language, each
# link type's CURIE with its title, description and term URL.
URI = {"type": "string", "format": "uri"}
STRINGS = {"type": "array", "items": {"type": "string"}}
DESCRIBED_LINK = {
    "type": "object",
    "properties": {"title": {"type": "string"}, "description": {"type": "string"}, "url": URI},
    "required": ["title", "description", "url"],
    "additionalProperties": False,
}
DESCRIPTION_SCHEMA = {
    "type": "object",
    "properties": {
        "resolverRoot": URI,
        "supportedPrimaryKeys": {"type": "array", "items": {"enum": ["all", "01", "00", "414"]}},
        "name": {"type": "string"},
        "supportedLinkType": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "namespace": URI,
                    "prefix": {"type": "string", "pattern": "^[a-zA-Z_][A-Za-z0-9_-]*?:$"},
                },
                "required": ["namespace", "prefix"],
            },
        },
        "linkTypeDefaultCanBeLinkset": {"type": "boolean"},
        "supportedContextValuesEnumerated": STRINGS,
        "supportedContextValuesExternal": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"nameOfList": {"type": "string"}, "url": URI},
            },
        },
        "supportsLanguageVariants": {"type": "boolean"},
        "supportsSemanticInterpretation": {"type": "boolean"},
        "validatesAIcombinations": {"type": "boolean"},
        "contact": {
            "type": "object",
            "properties": {"fn": {"type": "string"}, "hasEmail": URI, "hasURL": URI},
            "required": ["fn"],
            "additionalProperties": False,
        },
        "termsOfUse": URI,
        "activeLinkTypes": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "propertyNames": {"pattern": "^gs1:[A-Za-z]+$"},
                "additionalProperties": DESCRIBED_LINK,
            },
        },
        "traceLogKey": URI,  # ours: where the trace log's key is
    },
    "required": ["resolverRoot", "supportedPrimaryKeys"],
    "additionalProperties": False,
}


def test_the_resolver_description_follows_gs1s_schema():
    """Threat: a GS1 client misreads the description (a key of another shape,
    one GS1 does not define). Property: it validates against GS1's schema as
    restated above, with no key GS1 does not define but `traceLogKey`, and
    describes every link type an answer carries, in each language."""
    response = anonymous().get("/.well-known/gs1resolver")
    assert response["Access-Control-Allow-Origin"] == "*"
    description = response.json()
    jsonschema.validate(
        description, DESCRIPTION_SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    active = description["activeLinkTypes"]
    assert set(active) == {"zh-Hans", "en"}
    assert set(active["zh-Hans"]) == set(active["en"])
    assert {"gs1:defaultLink", "gs1:pip", "gs1:epcis", "gs1:traceability"} <= set(active["en"])
    assert active["en"]["gs1:pip"]["url"] == f"{GS1_VOC}pip"
    assert active["en"]["gs1:pip"]["title"] == "Product information"
    assert description["contact"]["hasEmail"] == f"mailto:{settings.RESOLVER_CONTACT_EMAIL}"
    assert description["termsOfUse"].startswith("http")

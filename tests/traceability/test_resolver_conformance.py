"""The resolver against the GS1-Conformant Resolver rules, over HTTP: GTIN-level
answers, TPX and the newer attributes, custom paths, compressed links (GS1's
vectors), Link headers, OPTIONS and CORS, and the resolver description."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import services as catalog_services
from gs1 import compression
from gs1.digital_link import DigitalLink, check_digit
from shop.core.throttling import Limit
from tests.helpers.events import harvest, observe
from traceability.resolver import guesses
from traceability.resolver.answers import GS1_VOC

GTIN = "06901234567892"
LINK = f"/01/{GTIN}/10/ZM2026-10A"
PIP = "/p/wugong-purple-rice/"
UNKNOWN = "0952012345678" + check_digit("0952012345678")[-1:]
VECTORS = json.loads(
    (Path(__file__).parent / "gs1" / "digital-link.js_test_vectors.json").read_text()
)


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


def compressed_path(link, prefix=""):
    return compression.compress(link, "http://127.0.0.1" + prefix).removeprefix("http://127.0.0.1")


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


def test_the_resolver_description_has_every_key():
    response = anonymous().get("/.well-known/gs1resolver")
    assert response["Access-Control-Allow-Origin"] == "*"
    description = response.json()
    assert {
        "name",
        "resolverRoot",
        "supportedPrimaryKeys",
        "supportedLinkType",
        "activeLinkTypes",
        "linkTypeDefaultCanBeLinkset",
        "supportedContextValuesEnumerated",
        "supportedContextValuesExternal",
        "contact",
        "termsOfUse",
        "validateDLURIs",
        "supportsCompressedURIs",
    } <= set(description)
    active = {entry["linkType"] for entry in description["activeLinkTypes"]}
    assert {"gs1:defaultLink", "gs1:pip", "gs1:epcis", "gs1:traceability"} <= active
    assert "@" in description["contact"]["email"]
    assert description["termsOfUse"].startswith("http")

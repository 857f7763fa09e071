"""The QR resolver (`/01/…`, `/t/…`): formats by Accept and ?format=, GS1 link
types, malformed URIs, unknown codes and their rate limit, the SQL a cold
render costs, and the public cache that only a batch's own new event clears."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import services as catalog_services
from gs1 import compression
from gs1.digital_link import DigitalLink
from shop.core.roles import SYSTEM
from shop.core.throttling import Limit
from tests.helpers.batches import batch_fields
from tests.helpers.events import VALIDATOR, at, drop_triggers, harvest, observe, write
from traceability.models import Scan, TraceEvent
from traceability.resolver import guesses
from traceability.resolver.answers import GS1_VOC
from traceability.services import batches as services
from traceability.services import events as trace
from traceability.services import scans, signing

GTIN = "06901234567892"
UNKNOWN_GTIN = "09520123456788"
LINK = f"/01/{GTIN}/10/ZM2026-10A"
EPCIS_ACCEPT = 'application/ld+json; profile="https://ref.gs1.org/standards/epcis"'


def anonymous(**headers):
    return Client(HTTP_HOST="127.0.0.1", **headers)


@pytest.fixture
def gtin_batch(batch, variant, seller_user):
    catalog_services.update_variant(actor=seller_user, variant=variant, gtin=GTIN[1:])
    batch.refresh_from_db()
    return batch


@pytest.fixture
def chain(seller_user, gtin_batch):
    """A harvest with a reading and an inspection."""
    reading = trace.Reading("temperature", 21)
    return [
        harvest(seller_user, gtin_batch, sensors=[reading]),
        observe(seller_user, gtin_batch),
    ]


@pytest.fixture
def paddy(gtin_batch, chain):
    """The batch that `milled` is made from."""
    return gtin_batch


# --- formats -----------------------------------------------------------------------------------


def test_a_browser_gets_the_page_and_a_short_code_the_same_record(chain, gtin_batch):
    page = anonymous().get(LINK, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert {"Accept", "Accept-Language"} <= set(page["Vary"].split(", "))
    same = anonymous().get(f"/t/{gtin_batch.code}")
    for response in (page, same):
        html = response.content.decode()
        assert "武功山紫米" in html and "ZM2026-10A" in html and "龙潭田" in html


def test_json_ld_is_a_schema_org_product_with_the_gs1_vocabulary(chain, gtin_batch):
    for response in (
        anonymous().get(LINK, HTTP_ACCEPT="application/ld+json"),
        anonymous().get(f"{LINK}?format=jsonld"),
    ):
        assert response["Content-Type"] == "application/ld+json"
        data = response.json()
        assert data["@context"]["gs1"] == GS1_VOC
        assert data["@type"] == ["Product", "gs1:Product"]
        assert data["@id"] == gtin_batch.digital_link()
        assert data["gtin"] == data["gs1:gtin"] == GTIN
        assert data["gs1:hasBatchLotNumber"] == "ZM2026-10A"
        assert data["productionDate"] == "2026-10-08"
        assert data["gs1:bestBeforeDate"]["@value"] == "2027-10-08"
        producer = data["manufacturer"]
        assert "Organization" in producer["@type"]
        assert producer["location"]["@type"] == ["Place", "gs1:Place"]
        assert producer["location"]["address"]["streetAddress"] == "王龙潭村"


def test_the_epcis_document_validates_with_format_checking(milled):
    for response in (
        anonymous().get(f"/t/{milled.code}?format=epcis"),
        anonymous().get(f"/t/{milled.code}", HTTP_ACCEPT=EPCIS_ACCEPT),
    ):
        document = response.json()
        assert document["type"] == "EPCISDocument"
        assert [error.message for error in VALIDATOR.iter_errors(document)] == []
        steps = [event["type"] for event in document["epcisBody"]["eventList"]]
        # the paddy's harvest and inspection, the milling, the packing
        assert steps == ["ObjectEvent", "ObjectEvent", "TransformationEvent", "ObjectEvent"]


def test_the_linkset_lists_only_the_link_types_the_record_has(chain, gtin_batch):
    for response in (
        anonymous().get(f"{LINK}?linkType=all"),
        anonymous().get(LINK, HTTP_ACCEPT="application/linkset+json"),
    ):
        assert response["Content-Type"] == "application/linkset+json"
        (context,) = response.json()["linkset"]
        assert context["anchor"] == gtin_batch.digital_link()
        types = {key.removeprefix(GS1_VOC) for key in context if key.startswith(GS1_VOC)}
        assert types == {"defaultLink", "pip", "traceability", "epcis"}  # no certificates yet
        assert context[f"{GS1_VOC}pip"][0]["href"].endswith("/p/wugong-purple-rice/")


def test_a_link_type_redirects_and_an_absent_one_is_404(
    chain, gtin_batch, product, seller_user, django_capture_on_commit_callbacks
):
    client = anonymous()
    pip = client.get(f"{LINK}?linkType=gs1:pip")
    assert pip.status_code == 307 and pip["Location"].endswith("/p/wugong-purple-rice/")
    epcis = client.get(f"{LINK}?linkType={GS1_VOC}epcis")
    assert epcis.status_code == 307 and epcis["Location"].endswith(f"{LINK}?format=epcis")
    assert client.get(f"{LINK}?linkType=gs1:traceability")["Location"].endswith(LINK)
    absent = client.get(f"{LINK}?linkType=gs1:certificationInfo")
    assert absent.status_code == 404 and absent.json()["error"]["code"] == "link_type_absent"
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.update_product(actor=seller_user, product=product, is_published=False)
    assert client.get(f"{LINK}?linkType=gs1:pip").status_code == 404  # no public page now


def test_the_resolver_describes_itself():
    description = anonymous().get("/.well-known/gs1resolver").json()
    assert description["supportedPrimaryKeys"] == ["01"]
    assert description["resolverRoot"].startswith("http")
    assert description["supportedLinkType"] == [{"namespace": GS1_VOC, "prefix": "gs1:"}]
    assert description["linkTypeDefaultCanBeLinkset"] is False


# --- bad input ---------------------------------------------------------------------------------

MALFORMED = [
    (f"/01/{GTIN[:-1]}3/10/ZM2026-10A", "bad_check_digit"),
    (f"/01/{GTIN}/21/S1/10/ZM2026-10A", "bad_qualifier"),  # keys out of order
    (f"/01/{GTIN}/10/A/10/B", "bad_qualifier"),  # a key qualifier repeated
    (f"/01/{GTIN}/10/ZM2026-10A?7777=1", "bad_attribute"),  # an unknown AI
    (f"/01/{GTIN}/10/ZM2026-10A?17=271008&17=271008", "duplicate_ai"),
    (f"/01/{GTIN}/10/{'A' * 21}", "bad_value"),  # a lot over 20 characters
    (f"{LINK}/", "trailing_slash"),
    (f"/01/{GTIN}/10/ZM%zz", "bad_uri"),  # bad percent-encoding, as the server saw it
]


@pytest.mark.parametrize(("path", "reason"), MALFORMED)
def test_a_malformed_digital_link_is_400_with_its_reason(db, path, reason):
    raw = {"RAW_URI": path}  # what gunicorn passes on: the path before decoding
    response = anonymous().get(path, HTTP_ACCEPT="application/json", **raw)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == reason and error["message"]
    page = anonymous().get(path, HTTP_ACCEPT="text/html", **raw)
    assert page.status_code == 400 and reason in page.content.decode()


def test_unknown_codes_are_404_and_guessing_is_limited(chain, gtin_batch, monkeypatch):
    monkeypatch.setattr(guesses, "GUESSES", Limit("test-guesses", 3, 600))
    client = anonymous(REMOTE_ADDR="203.0.113.7")
    client.get(LINK)  # known, and now cached
    unknown = ["/t/ABCDEFGHJK", f"/01/{GTIN}/10/NOPE", "/t/ABCDEFGHJKMN"]
    for path in unknown:
        response = client.get(path, HTTP_ACCEPT="application/json")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    refused = client.get("/t/ZZZZZZZZZZ", HTTP_ACCEPT="application/json")
    assert refused.status_code == 429 and refused["Retry-After"] == "600"
    # A real code is never refused, cached or not: behind a carrier's NAT, one
    # guesser must not block every buyer's scans.
    assert client.get(f"/t/{gtin_batch.code}").status_code == 200
    assert client.get(LINK).status_code == 200
    assert anonymous(REMOTE_ADDR="203.0.113.8").get("/t/ZZZZZZZZZZ").status_code == 404


# --- cost and cache ----------------------------------------------------------------------------


def test_a_cold_page_costs_at_most_ten_queries_and_a_warm_one_none(milled):
    signing.sign_checkpoint(actor=SYSTEM)  # as the beat does
    with CaptureQueriesContext(connection) as cold:
        page = anonymous().get(f"/t/{milled.code}", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and "verified" in page.content.decode()
    assert len(cold) <= 10, [query["sql"] for query in cold]
    with CaptureQueriesContext(connection) as warm:
        assert anonymous().get(f"/t/{milled.code}").status_code == 200
    assert len(warm) == 0


def test_a_cold_serial_page_waiting_for_its_checkpoint_stays_within_ten_queries(
    seller_user, gtin_batch, chain
):
    services.generate_serials(actor=seller_user, batch=gtin_batch, count=1)
    serial = gtin_batch.serials.get()
    with CaptureQueriesContext(connection) as cold:
        page = anonymous().get(f"/t/{serial.code}", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and serial.serial in page.content.decode()
    assert len(cold) <= 10, [query["sql"] for query in cold]


def test_a_new_event_makes_only_its_own_batch_stale(
    seller_user, gtin_batch, paddy2, chain, django_capture_on_commit_callbacks
):
    harvest(seller_user, paddy2)
    signing.sign_checkpoint(actor=SYSTEM)
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    pages = {batch.pk: f"/t/{batch.code}" for batch in (gtin_batch, paddy2)}
    for path in pages.values():
        assert "Stored" not in anonymous().get(path, **english).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        observe(seller_user, gtin_batch, "storing", "sellable_not_accessible", event_time=at(2))
    with CaptureQueriesContext(connection) as other:
        anonymous().get(pages[paddy2.pk], **english)
    assert len(other) == 0
    assert "Stored" in anonymous().get(pages[gtin_batch.pk], **english).content.decode()


@pytest.fixture
def paddy2(seller_user, variant, farm):
    return services.create_batch(
        actor=seller_user, variant=variant, farm=farm, **batch_fields(lot="PADDY-2")
    )


def test_every_resolve_is_a_scan_cached_or_not(chain, gtin_batch):
    client = anonymous()
    client.get(LINK)
    client.get(f"{LINK}?geo=31")
    client.get(f"/t/{gtin_batch.code}?format=jsonld")
    client.get(LINK)  # from the cache
    client.get(f"{LINK}?linkType=gs1:pip")
    scans.flush_scans(actor=SYSTEM)
    found = list(Scan.objects.order_by("pk").values_list("batch_id", "region"))
    assert found == [(gtin_batch.pk, None), (gtin_batch.pk, "31")] + [(gtin_batch.pk, None)] * 3


# --- what the page says -----------------------------------------------------------------------


def test_a_correction_marks_the_event_it_declares_wrong(seller_user, chain, gtin_batch):
    trace.correct_event(actor=seller_user, event=chain[1], reason="did_not_occur")
    html = anonymous().get(LINK, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="withdrawn"' in html and "declared wrong later" in html
    assert html.count("Inspected") == 1  # still listed, once, marked
    assert "Correction" in html and "Did not occur" in html


def test_a_tampered_event_fails_verification_naming_it(chain, gtin_batch):
    drop_triggers()  # inside the test's transaction: they come back after it
    event = chain[1]
    write(event.pk, document=json.dumps({**event.document, "disposition": "non_conformant"}))
    html = anonymous().get(LINK, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Verification failed" in html and "“Inspected”" in html
    assert TraceEvent.objects.count() == 2


# --- GraphQL ----------------------------------------------------------------------------------

QUERY = """query ($code: String!) { provenance(code: $code) {
  digitalLink productName lot serial harvestDate farm { name village } seller { name }
  steps { id title bizStep eventTime timeZoneOffset place readings { name value unit } }
  verification { status reason failingEventId } } }"""


def test_the_provenance_query_reads_the_same_record_by_any_code(gql, chain, gtin_batch):
    signing.sign_checkpoint(actor=SYSTEM)  # as the beat does
    for code in (
        gtin_batch.code,
        gtin_batch.digital_link(),
        f"http://x.example/t/{gtin_batch.code}",
    ):
        found = gql().execute(QUERY, {"code": code})["provenance"]
        assert found["lot"] == "ZM2026-10A" and found["farm"]["village"] == "王龙潭村"
        assert [step["bizStep"] for step in found["steps"]] == ["commissioning", "inspecting"]
        assert found["steps"][0]["eventTime"].endswith("+08:00")
        (reading,) = found["steps"][0]["readings"]
        assert (reading["value"], reading["unit"]) == (21.0, "°C")
        assert found["verification"]["status"] == "VERIFIED"
    assert gql().execute(QUERY, {"code": "ZZZZZZZZZZ"})["provenance"] is None
    status, body = gql().post(QUERY, {"code": f"http://x.example/01/{GTIN[:-1]}3/10/A"})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_ARGUMENT"


BOTH = """query ($code: String!) { provenance(code: $code) { lot serial }
  productByCode(code: $code) { slug } }"""
ONLY_PRODUCT = "query ($code: String!) { productByCode(code: $code) { slug } }"


def test_the_queries_read_a_code_in_every_form_the_resolver_does(
    gql, chain, gtin_batch, monkeypatch, product, seller_user, django_capture_on_commit_callbacks
):
    """Threat: an app scanning a label gets from the API another answer than a
    browser gets from the address (a compressed link refused, a product's GTIN
    unknown and counted as a guess). Property: the queries read and find codes
    with the resolver's own lookup: every form of a batch's link names its
    record and product; a GTIN without a lot names the product (no provenance
    of its own) and is no guess; an unknown GTIN is one."""
    monkeypatch.setattr(guesses, "GUESSES", Limit("test-api-forms", 2, 600))
    batch = DigitalLink.for_gtin(GTIN, lot="ZM2026-10A")
    stem = "http://x.example/any/path"
    api = gql()
    for code in (
        batch.uri(stem),
        compression.compress(batch, stem),
        compression.compress(batch, stem, uncompressed_key=True),
    ):
        found = api.execute(BOTH, {"code": code})
        assert found["provenance"] == {"lot": "ZM2026-10A", "serial": None}, code
        assert found["productByCode"] == {"slug": "wugong-purple-rice"}, code
    gtin_only = DigitalLink.for_gtin(GTIN)
    for code in (gtin_only.uri(stem), compression.compress(gtin_only, stem)):
        found = api.execute(BOTH, {"code": code})
        assert found == {"provenance": None, "productByCode": {"slug": "wugong-purple-rice"}}
    unknown = f"http://x.example/01/{UNKNOWN_GTIN}"
    assert api.execute(ONLY_PRODUCT, {"code": unknown})["productByCode"] is None
    assert api.execute(ONLY_PRODUCT, {"code": unknown + "/10/X"})["productByCode"] is None
    assert api.error_code(ONLY_PRODUCT, {"code": unknown + "/10/Y"}) == "TOO_MANY_REQUESTS"
    assert api.error_code(ONLY_PRODUCT, {"code": "http://x.example/Dnot-compressed"}) == (
        "INVALID_ARGUMENT"
    )
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.update_product(actor=seller_user, product=product, is_published=False)
    assert api.execute(BOTH, {"code": gtin_batch.code})["productByCode"] is None  # hidden


VERIFY = "query ($code: String!) { traceVerify(code: $code) { ok } }"


def test_guesses_through_the_api_count_with_the_pages(gql, chain, gtin_batch, monkeypatch):
    monkeypatch.setattr(guesses, "GUESSES", Limit("test-api-guesses", 3, 600))
    api = gql()  # from 127.0.0.1, as the page's client below
    known = api.execute(QUERY, {"code": gtin_batch.code})["provenance"]  # and now cached
    assert api.execute(QUERY, {"code": "ZZZZZZZZZZ"})["provenance"] is None
    assert api.execute(VERIFY, {"code": "YYYYYYYYYY"})["traceVerify"] is None
    assert anonymous().get("/t/XXXXXXXXXX").status_code == 404
    assert api.error_code(QUERY, {"code": "WWWWWWWWWW"}) == "TOO_MANY_REQUESTS"
    assert api.error_code(VERIFY, {"code": "VVVVVVVVVV"}) == "TOO_MANY_REQUESTS"
    assert api.execute(VERIFY, {"code": gtin_batch.code})["traceVerify"]["ok"]  # a real code
    assert anonymous().get(f"/t/{gtin_batch.code}?format=jsonld").status_code == 200
    assert api.execute(QUERY, {"code": gtin_batch.code})["provenance"] == known  # cached
    elsewhere = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="203.0.113.9")
    assert elsewhere.get(f"/t/{gtin_batch.code}?format=jsonld").status_code == 200

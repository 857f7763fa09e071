"""Batches through GraphQL: batchCreate, batchSerialsGenerate and batchPhotoCreate
as every role of tests.helpers.users.ROLES, their coded errors, `batch(id | code)` and
`batches` for the seller's members and operators only, in constant queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers.batches import batch_fields, snapshot
from tests.helpers.ids import gid
from tests.helpers.pictures import picture
from tests.helpers.users import ROLES
from traceability.models import Batch, BatchPhoto, Serial
from traceability.services import batches as services

MANAGERS = ("seller", "operator")
CREATE = """
mutation($input: BatchCreateInput!) {
  batchCreate(input: $input) {
    batch { id lot code harvestDate bestBefore quantity quantityPacked unit notes digitalLink
            variant { sku } farm { name } seller { name } }
    errors { field code message }
  }
}"""
GENERATE = """
mutation($batch: ID!, $count: Int!) {
  batchSerialsGenerate(batch: $batch, count: $count) {
    count
    batch { serials(first: 100) { totalCount edges { node { serial code digitalLink } } } }
    errors { field code message }
  }
}"""
PHOTO = """
mutation($batch: ID!, $image: Upload!) {
  batchPhotoCreate(batch: $batch, image: $image, alt: "晒谷") {
    photo { url width height alt } errors { field code message }
  }
}"""
BATCH = "query($id: ID, $code: String) { batch(id: $id, code: $code) { id lot } }"
BATCHES = """
query($filter: BatchFilterInput, $first: Int, $after: String) {
  batches(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { lot } }
  }
}"""


def create_input(variant, farm, **changes):
    fields = batch_fields(**changes)
    return {
        "variant": gid(variant),
        "farm": gid(farm),
        "lot": fields["lot"],
        "harvestDate": fields["harvest_date"].isoformat(),
        "bestBefore": fields["best_before"].isoformat(),
        "quantity": str(fields["quantity"]),
        "unit": "KG",
        "notes": fields["notes"],
        **{k: v for k, v in changes.items() if k in ("harvestDate", "bestBefore", "unit")},
    }


@pytest.fixture
def other_batch(other_seller_user, other_variant, other_farm):
    return services.create_batch(
        actor=other_seller_user,
        variant=other_variant,
        farm=other_farm,
        **batch_fields(lot="KIWI-1"),
    )


def payload_errors(body, mutation):
    return {(e["field"], e["code"]) for e in body["data"][mutation]["errors"]}


@pytest.mark.parametrize("role", ROLES)
def test_batch_create_as_every_role(client_as, users_by_role, variant, farm, role, settings):
    settings.PUBLIC_BASE_URL = "https://shancun.example"
    before = snapshot()
    status, body = client_as(role).post(CREATE, {"input": create_input(variant, farm)})
    if role in MANAGERS:
        created = body["data"]["batchCreate"]
        assert created["errors"] == []
        batch = Batch.objects.get()
        assert created["batch"] == {
            "id": gid(batch),
            "lot": "ZM2026-10A",
            "code": batch.code,
            "harvestDate": "2026-10-08",
            "bestBefore": "2027-10-08",
            "quantity": "1250.500",
            "quantityPacked": "0.000",
            "unit": "KG",
            "notes": "晒干后入库",
            "digitalLink": f"https://shancun.example/t/{batch.code}",
            "variant": {"sku": "ZM-5KG"},
            "farm": {"name": "龙潭田"},
            "seller": {"name": variant.seller.name},
        }
        assert batch.created_by == users_by_role[role]
        return
    assert status == 200
    assert body["data"] == {"batchCreate": None}
    expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
    assert [e["extensions"]["code"] for e in body["errors"]] == [expected]
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_batch_serials_generate_as_every_role(client_as, batch, role):
    before = snapshot()
    status, body = client_as(role).post(GENERATE, {"batch": gid(batch), "count": 3})
    if role in MANAGERS:
        generated = body["data"]["batchSerialsGenerate"]
        assert generated["errors"] == [] and generated["count"] == 3
        serials = generated["batch"]["serials"]
        assert serials["totalCount"] == 3
        stored = {(s.serial, s.code) for s in Serial.objects.all()}
        shown = {(e["node"]["serial"], e["node"]["code"]) for e in serials["edges"]}
        assert shown == stored
        assert all(e["node"]["digitalLink"].endswith(e["node"]["code"]) for e in serials["edges"])
        return
    expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
    assert body["data"] == {"batchSerialsGenerate": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == [expected]
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_batch_photo_create_as_every_role(client_as, batch, role):
    image = SimpleUploadedFile("field.png", picture("PNG", size=(64, 48)), "image/png")
    status, body = client_as(role).upload(
        PHOTO, {"batch": gid(batch), "image": None}, {"variables.image": image}
    )
    if role in MANAGERS:
        created = body["data"]["batchPhotoCreate"]
        assert created["errors"] == []
        assert created["photo"]["width"] == 64 and created["photo"]["alt"] == "晒谷"
        assert created["photo"]["url"].endswith(BatchPhoto.objects.get().image.url)
        return
    # Anonymous uploads are refused before the body is read.
    assert status == (401 if role == "anonymous" else 200)
    expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
    assert [e["extensions"]["code"] for e in body["errors"]] == [expected]
    assert not BatchPhoto.objects.exists()


def test_a_photo_that_is_no_picture_is_a_coded_error(client_as, batch):
    image = SimpleUploadedFile("field.png", b"<svg onload=alert(1)>", "image/png")
    _status, body = client_as("seller").upload(
        PHOTO, {"batch": gid(batch), "image": None}, {"variables.image": image}
    )
    assert payload_errors(body, "batchPhotoCreate") == {("image", "INVALID_IMAGE")}
    assert not BatchPhoto.objects.exists()


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"lot": "ZM 2026"}, {("lot", "INVALID_LOT")}),
        ({"lot": "L" * 21}, {("lot", "INVALID_LOT")}),
        ({"lot": ""}, {("lot", "REQUIRED")}),
        ({"bestBefore": "2026-10-07"}, {("bestBefore", "INVALID_DATES")}),
        (
            {"harvestDate": "2999-01-01", "bestBefore": "2999-02-01"},
            {("harvestDate", "INVALID_DATES")},
        ),
        ({"quantity": "0"}, {("quantity", "INVALID_QUANTITY")}),
        ({"quantity": "-5"}, {("quantity", "INVALID_QUANTITY")}),
        ({"quantity": "0.0001"}, {("quantity", "INVALID_QUANTITY")}),
        ({"notes": "注" * 2001}, {("notes", "INVALID")}),
    ],
)
def test_batch_create_reports_coded_errors(client_as, variant, farm, changes, errors):
    variables = {"input": {**create_input(variant, farm), **changes}}
    before = snapshot()
    _status, body = client_as("seller").post(CREATE, variables)
    assert payload_errors(body, "batchCreate") == errors
    assert body["data"]["batchCreate"]["batch"] is None
    assert snapshot() == before


def test_the_farm_must_exist_and_be_the_sellers(client_as, variant, farm, other_farm, batch):
    client = client_as("seller")
    cases = [
        ({"farm": gid(other_farm)}, {("farm", "WRONG_SELLER")}),
        ({"farm": "RmFybTo5OTk5OQ=="}, {("farm", "NOT_FOUND")}),  # Farm:99999
        ({"farm": gid(variant)}, {("farm", "NOT_FOUND")}),  # not a farm's ID
        ({"lot": batch.lot}, {("lot", "UNIQUE")}),
    ]
    for changes, errors in cases:
        before = snapshot()
        _status, body = client.post(CREATE, {"input": {**create_input(variant, farm), **changes}})
        assert payload_errors(body, "batchCreate") == errors
        assert snapshot() == before


def test_another_sellers_variant_is_refused(client_as, other_variant, farm):
    code = client_as("seller").error_code(CREATE, {"input": create_input(other_variant, farm)})
    assert code == "PERMISSION_DENIED"
    assert not Batch.objects.exists()


def test_malformed_input_is_refused_before_any_service(client_as, variant, farm):
    client = client_as("seller")
    for changes in ({"harvestDate": "2026-13-01"}, {"unit": "TON"}, {"quantity": "NaN"}):
        _status, body = client.post(CREATE, {"input": {**create_input(variant, farm), **changes}})
        assert body["errors"][0]["extensions"]["code"] != "INTERNAL_SERVER_ERROR"
    assert client.error_code(
        CREATE, {"input": {**create_input(variant, farm), "variant": "x"}}
    ) == ("INVALID_ID")
    assert not Batch.objects.exists()


@pytest.mark.parametrize(
    ("count", "code"), [(0, "INVALID_COUNT"), (10_001, "INVALID_COUNT"), (-3, "INVALID_COUNT")]
)
def test_serial_counts_out_of_range_are_coded_errors(client_as, batch, count, code):
    _status, body = client_as("seller").post(GENERATE, {"batch": gid(batch), "count": count})
    assert payload_errors(body, "batchSerialsGenerate") == {("count", code)}
    assert not Serial.objects.exists()


def test_an_int_past_32_bits_is_refused_by_graphql(client_as, batch):
    status, body = client_as("seller").post(GENERATE, {"batch": gid(batch), "count": 2**40})
    assert body["errors"][0]["extensions"]["code"] != "INTERNAL_SERVER_ERROR"
    assert not Serial.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_a_batch_is_read_by_its_sellers_members_and_operators(client_as, batch, role):
    client = client_as(role)
    expected = {"id": gid(batch), "lot": batch.lot} if role in MANAGERS else None
    assert client.execute(BATCH, {"id": gid(batch)})["batch"] == expected
    assert client.execute(BATCH, {"code": batch.code.lower()})["batch"] == expected
    node = client.execute("query($id: ID!) { node(id: $id) { id } }", {"id": gid(batch)})
    assert node["node"] == ({"id": gid(batch)} if role in MANAGERS else None)


def test_batch_wants_either_an_id_or_a_code(client_as, batch):
    client = client_as("seller")
    assert client.error_code(BATCH, {}) == "INVALID_ARGUMENT"
    assert client.error_code(BATCH, {"id": gid(batch), "code": batch.code}) == "INVALID_ARGUMENT"
    assert client.error_code(BATCH, {"id": gid(batch.variant)}) == "INVALID_ID"
    assert client.execute(BATCH, {"code": "NOSUCHCODE" * 10})["batch"] is None


@pytest.mark.parametrize(
    ("role", "lots"),
    [
        ("anonymous", []),
        ("customer", []),
        ("station_staff", []),
        ("other_seller", ["KIWI-1"]),
        ("seller", ["ZM2026-10A"]),
        ("operator", ["KIWI-1", "ZM2026-10A"]),
    ],
)
def test_batches_lists_what_the_viewer_manages_newest_first(
    client_as, batch, other_batch, role, lots
):
    data = client_as(role).execute(BATCHES, {"first": 10})["batches"]
    assert [e["node"]["lot"] for e in data["edges"]] == lots
    assert data["totalCount"] == len(lots)


def test_batches_filter_by_variant_farm_lot_and_seller(
    client_as, seller_user, variant, farm, batch, other_batch
):
    services.create_batch(actor=seller_user, variant=variant, farm=farm, **batch_fields(lot="B2"))
    client = client_as("operator")

    def lots(**filter_):
        data = client.execute(BATCHES, {"first": 10, "filter": filter_})["batches"]
        return [e["node"]["lot"] for e in data["edges"]]

    assert lots() == ["B2", "KIWI-1", "ZM2026-10A"]
    assert lots(variant=gid(variant)) == ["B2", "ZM2026-10A"]
    assert lots(farm=gid(other_batch.farm)) == ["KIWI-1"]
    assert lots(seller=gid(batch.seller)) == ["B2", "ZM2026-10A"]
    assert lots(lot=" B2 ") == ["B2"]
    assert lots(lot="b2") == []
    assert lots(variant=gid(variant), lot="KIWI-1") == []
    assert (
        client.error_code(BATCHES, {"first": 1, "filter": {"farm": gid(variant)}}) == "INVALID_ID"
    )


def test_batches_page_forward_with_a_cursor(client_as, seller_user, variant, farm):
    for i in range(3):
        services.create_batch(
            actor=seller_user, variant=variant, farm=farm, **batch_fields(lot=f"P{i}")
        )
    client = client_as("seller")
    first = client.execute(BATCHES, {"first": 2})["batches"]
    assert [e["node"]["lot"] for e in first["edges"]] == ["P2", "P1"]
    assert first["pageInfo"]["hasNextPage"]
    rest = client.execute(BATCHES, {"first": 2, "after": first["pageInfo"]["endCursor"]})["batches"]
    assert [e["node"]["lot"] for e in rest["edges"]] == ["P0"]
    assert client.error_code(BATCHES, {"first": 2, "after": "bm90IGEgY3Vyc29y"}) == "INVALID_CURSOR"


LISTING = """
query($first: Int) { batches(first: $first) { edges { node {
  lot digitalLink photos { url } variant { sku gtin product { name } } farm { name } seller { name }
} } } }"""


def test_a_page_of_batches_costs_the_same_queries_whatever_its_size(
    client_as, seller_user, variant, farm
):
    for i in range(6):
        batch = services.create_batch(
            actor=seller_user, variant=variant, farm=farm, **batch_fields(lot=f"Q{i}")
        )
        BatchPhoto.objects.create(batch=batch, image="batches/p.png", width=1, height=1)
    client = client_as("seller")
    counts = []
    for first in (1, 6):
        with CaptureQueriesContext(connection) as queries:
            data = client.execute(LISTING, {"first": first})
        assert len(data["batches"]["edges"]) == first
        counts.append(len(queries))
    assert counts[0] == counts[1]

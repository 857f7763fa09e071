"""farmCreate and farmUpdate: the same rules as catalog.services.create_farm and
update_farm, tried as every role, with coded errors and nothing written on refusal."""

from decimal import Decimal

import pytest
from graphql_relay import to_global_id

from catalog import services
from catalog.models import Farm
from tests.helpers.ids import gid
from tests.helpers.users import ROLES

FARM_CREATE = """
mutation($input: FarmCreateInput!) {
  farmCreate(input: $input) {
    farm { id name nameEn village latitude longitude areaMu produce seller { name } }
    errors { field code message }
  }
}"""
FARM_UPDATE = """
mutation($id: ID!, $input: FarmUpdateInput!) {
  farmUpdate(id: $id, input: $input) {
    farm { id name nameEn latitude areaMu }
    errors { field code message }
  }
}"""
NEW_FARM = {
    "name": "山腰梯田",
    "nameEn": "Hillside terraces",
    "village": "王龙潭村",
    "latitude": 27.5912346,
    "longitude": 114.2,
    "areaMu": 12.5,
    "produce": "紫米",
}


@pytest.fixture
def farm(seller, seller_user):
    return services.create_farm(
        actor=seller_user,
        seller=seller,
        name="老田",
        village="王龙潭村",
        latitude="27.5",
        longitude="114.1",
        area_mu="3",
        produce="紫米",
    )


def farms():
    return list(Farm.objects.order_by("pk").values())


@pytest.mark.parametrize("role", ROLES)
def test_only_the_sellers_members_and_operators_create_a_farm(role, client_as, seller):
    client = client_as(role)
    variables = {"input": {**NEW_FARM, "seller": gid(seller)}}
    if role not in ("seller", "operator"):
        expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
        assert client.error_code(FARM_CREATE, variables) == expected
        assert farms() == []
        return
    payload = client.execute(FARM_CREATE, variables)["farmCreate"]
    assert payload["errors"] == []
    created = Farm.objects.get()
    assert created.seller == seller
    assert created.latitude == Decimal("27.591235")  # a GPS reading, rounded to the column
    assert created.area_mu == Decimal("12.50")
    assert payload["farm"]["name"] == "山腰梯田"
    assert payload["farm"]["seller"]["name"] == seller.name


@pytest.mark.parametrize("role", ROLES)
def test_only_the_sellers_members_and_operators_update_a_farm(role, client_as, farm):
    client = client_as(role)
    variables = {"id": gid(farm), "input": {"name": "新田", "nameEn": None, "areaMu": 4}}
    before = farms()
    if role not in ("seller", "operator"):
        expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
        assert client.error_code(FARM_UPDATE, variables) == expected
        assert farms() == before
        return
    payload = client.execute(FARM_UPDATE, variables)["farmUpdate"]
    assert payload["errors"] == []
    assert payload["farm"] == {
        "id": gid(farm),
        "name": "新田",
        "nameEn": "",
        "latitude": 27.5,
        "areaMu": 4.0,
    }
    farm.refresh_from_db()
    assert (farm.name, farm.village, farm.area_mu) == ("新田", "王龙潭村", Decimal("4.00"))


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"name": "  "}, [("name", "REQUIRED")]),
        (
            {"latitude": 90.5, "longitude": -181},
            [("latitude", "INVALID"), ("longitude", "INVALID")],
        ),
        ({"areaMu": -1}, [("areaMu", "INVALID")]),
        # Fuzzing found floats past Decimal's precision raising InvalidOperation.
        (
            {"latitude": 1e22, "longitude": -1e300, "areaMu": 1e30},
            # Each out of range and with too many digits.
            [("areaMu", "INVALID")]
            + [("latitude", "INVALID")] * 2
            + [("longitude", "INVALID")] * 2,
        ),
        ({"produce": "米" * 201}, [("produce", "INVALID")]),
    ],
)
def test_a_broken_rule_is_a_coded_error_and_nothing_is_written(client_as, farm, changes, expected):
    client = client_as("seller")
    before = farms()
    payload = client.execute(FARM_UPDATE, {"id": gid(farm), "input": changes})["farmUpdate"]
    assert payload["farm"] is None
    assert sorted((e["field"], e["code"]) for e in payload["errors"]) == expected
    assert all(e["message"] for e in payload["errors"])
    assert farms() == before
    created = client.execute(
        FARM_CREATE, {"input": {**NEW_FARM, **changes, "seller": gid(farm.seller)}}
    )
    assert sorted((e["field"], e["code"]) for e in created["farmCreate"]["errors"]) == expected
    assert farms() == before


def test_a_required_field_cannot_be_cleared(client_as, farm):
    variables = {"id": gid(farm), "input": {"village": None, "latitude": None}}
    payload = client_as("seller").execute(FARM_UPDATE, variables)["farmUpdate"]
    assert sorted((e["field"], e["code"]) for e in payload["errors"]) == [
        ("latitude", "REQUIRED"),
        ("village", "REQUIRED"),
    ]
    farm.refresh_from_db()
    assert farm.village == "王龙潭村"


def test_unknown_ids_are_not_found(client_as, farm):
    client = client_as("seller")
    missing = {"id": to_global_id("Farm", 999999), "input": {"name": "新田"}}
    assert client.error_code(FARM_UPDATE, missing) == "NOT_FOUND"
    wrong_type = {"id": gid(farm.seller), "input": {"name": "新田"}}
    assert client.error_code(FARM_UPDATE, wrong_type) in ("INVALID_ID", "NOT_FOUND")
    no_seller = {"input": {**NEW_FARM, "seller": to_global_id("Seller", 999999)}}
    assert client.error_code(FARM_CREATE, no_seller) == "NOT_FOUND"
    assert Farm.objects.count() == 1


def test_nul_bytes_never_reach_the_database(client_as, seller):
    client = client_as("seller")
    variables = {"input": {**NEW_FARM, "name": "田\x00", "seller": gid(seller)}}
    status, body = client.post(FARM_CREATE, variables)
    assert status < 500
    errors = body.get("errors") or body["data"]["farmCreate"]["errors"]
    assert errors
    assert farms() == []

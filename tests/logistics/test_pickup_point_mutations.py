"""pickupPointCreate and pickupPointUpdate: operators only, tried as every role,
the same rules as logistics.services with coded errors, nothing written on refusal."""

import pytest

from logistics.models import PickupPoint
from tests.helpers.ids import gid
from tests.helpers.users import ROLES

CREATE = """
mutation($input: PickupPointCreateInput!) {
  pickupPointCreate(input: $input) {
    pickupPoint { id name kind latitude phone parcelCapacity coldStorage
                  openingHours { weekday opens closes } }
    errors { field code message }
  }
}"""
UPDATE = """
mutation($id: ID!, $input: PickupPointUpdateInput!) {
  pickupPointUpdate(id: $id, input: $input) {
    pickupPoint { id name isActive openingHours { weekday } phone }
    errors { field code message }
  }
}"""
NEW_POINT = {
    "name": "白驿镇电商服务站",
    "kind": "TOWNSHIP_STATION",
    "address": "苍溪县白驿镇人民政府旁",
    "divisionCode": "510824113000",
    "latitude": 31.6812346,
    "longitude": 105.97,
    "parcelCapacity": 200,
    "coldStorage": True,
    "phone": "13908391003",
    "openingHours": [
        {"weekday": 1, "opens": "14:00", "closes": "18:00"},
        {"weekday": 1, "opens": "08:00", "closes": "12:00"},
        {"weekday": 0, "opens": "08:00", "closes": "18:00"},
    ],
}


def rows():
    return list(PickupPoint.objects.order_by("pk").values())


@pytest.mark.parametrize("role", ROLES)
def test_only_operators_open_a_point(role, client_as):
    before = rows()
    status, body = client_as(role).post(CREATE, {"input": NEW_POINT})
    if role != "operator":
        expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
        assert body["errors"][0]["extensions"]["code"] == expected
        assert rows() == before
        return
    payload = body["data"]["pickupPointCreate"]
    assert payload["errors"] == []
    point = payload["pickupPoint"]
    assert (point["kind"], point["latitude"], point["phone"]) == (
        "TOWNSHIP_STATION",
        31.681235,
        "+8613908391003",
    )
    assert [(h["weekday"], h["opens"]) for h in point["openingHours"]] == [
        (0, "08:00"),
        (1, "08:00"),
        (1, "14:00"),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_only_operators_correct_or_close_a_point(role, client_as, make_point):
    point = make_point()
    before = rows()
    variables = {"id": gid(point), "input": {"isActive": False, "openingHours": None}}
    status, body = client_as(role).post(UPDATE, variables)
    if role != "operator":
        expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
        assert body["errors"][0]["extensions"]["code"] == expected
        assert rows() == before
        return
    payload = body["data"]["pickupPointUpdate"]
    assert payload == {
        "pickupPoint": {"id": gid(point), "name": point.name, "isActive": False,
                        "openingHours": [], "phone": "+867997123456"},
        "errors": [],
    }  # fmt: skip
    # Closed, it leaves the public list, and an operator can still reopen it.
    reopened = client_as("operator").post(UPDATE, {"id": gid(point), "input": {"isActive": True}})
    assert reopened[1]["data"]["pickupPointUpdate"]["pickupPoint"]["isActive"] is True


def test_broken_rules_come_back_coded_in_camel_case(client_as):
    bad = {
        **NEW_POINT,
        "divisionCode": "5108",
        "latitude": 91.0,
        "phone": "12345",
        "parcelCapacity": 0,
        "openingHours": [{"weekday": 9, "opens": "08:00", "closes": "18:00"}],
    }
    _status, body = client_as("operator").post(CREATE, {"input": bad})
    errors = body["data"]["pickupPointCreate"]["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {
        ("divisionCode", "INVALID_DIVISION_CODE"),
        ("latitude", "INVALID_LOCATION"),
        ("phone", "INVALID_PHONE"),
        ("parcelCapacity", "INVALID_CAPACITY"),
        ("openingHours", "INVALID_OPENING_HOURS"),
    }
    assert not PickupPoint.objects.filter(name=NEW_POINT["name"]).exists()


def test_nulls_for_required_fields_are_coded_errors(client_as, make_point):
    point = make_point()
    variables = {
        "id": gid(point),
        "input": {"name": None, "latitude": None, "parcelCapacity": None, "coldStorage": None},
    }
    _status, body = client_as("operator").post(UPDATE, variables)
    errors = body["data"]["pickupPointUpdate"]["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {
        ("name", "REQUIRED"),
        ("latitude", "REQUIRED"),
        ("parcelCapacity", "INVALID_CAPACITY"),
        ("coldStorage", "INVALID"),
    }


def test_an_unknown_point_is_not_found(client_as):
    _status, body = client_as("operator").post(
        UPDATE, {"id": "UGlja3VwUG9pbnQ6OTk5", "input": {"name": "x"}}
    )
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"

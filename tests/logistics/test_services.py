"""Pickup points are written only through logistics.services, by operators, with
every broken rule reported at once; the database refuses what must never break."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from logistics import services
from logistics.errors import LogisticsErrorCode as Code
from logistics.models import PickupPoint
from logistics.policies import can_manage_points
from logistics.selectors import usable_points
from shop.core.db import violated_constraint
from shop.core.errors import DomainError, NotAllowed, RequestErrorCode
from shop.core.roles import SYSTEM
from tests.helpers.logistics import POINT

WRITES = {
    "create_point": lambda actor, point: services.create_point(
        actor=actor, **{**POINT, "name": "白驿镇电商服务站"}
    ),
    "update_point": lambda actor, point: services.update_point(
        actor=actor, point=point, parcel_capacity=80
    ),
}


def _snapshot():
    return list(PickupPoint.objects.order_by("pk").values()), list(
        PickupPoint.staff.through.objects.order_by("pk").values()
    )


def test_every_service_that_writes_is_in_the_table():
    writes = {
        name
        for name, value in vars(services).items()
        if callable(value)
        and getattr(value, "__module__", "") == "logistics.services"
        and not name.startswith("_")
    }
    assert writes == set(WRITES)


@pytest.mark.parametrize("role", ["anonymous", "customer", "station_staff", "seller", "system"])
@pytest.mark.parametrize("write", sorted(WRITES))
def test_only_operators_write_points(write, role, users_by_role, make_point):
    point = make_point()
    actor = {"system": SYSTEM, "anonymous": AnonymousUser()}.get(role) or users_by_role[role]
    before = _snapshot()
    with pytest.raises(NotAllowed) as refused:
        WRITES[write](actor, point)
    expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
    assert refused.value.code == RequestErrorCode(expected)
    assert str(refused.value.message)
    assert _snapshot() == before
    assert not can_manage_points(actor)


@pytest.mark.parametrize("write", sorted(WRITES))
def test_an_operator_writes_points(write, operator, make_point):
    point = make_point()
    written = WRITES[write](operator, point)
    written.refresh_from_db()
    assert written.parcel_capacity == (80 if write == "update_point" else 60)


def test_a_point_is_created_normalised_with_its_staff(operator, customer, make_point):
    point = make_point(latitude=27.5412345, phone="139 7991 1001", staff=[customer])
    point.refresh_from_db()
    assert point.latitude == Decimal("27.541234")
    assert str(point.phone) == "+8613979911001"
    assert point.opening_hours == POINT["opening_hours"]
    assert list(point.staff.all()) == [customer]
    assert list(usable_points()) == [point]


def test_every_mistake_is_reported_at_once_and_nothing_is_written(operator):
    bad = {
        **POINT,
        "name": " ",
        "kind": "warehouse",
        "division_code": "3603",
        "latitude": 95,
        "longitude": 200,
        "opening_hours": {"0": [["18:00", "08:00"]]},
        "phone": "12345",
        "parcel_capacity": 0,
    }
    with pytest.raises(DomainError) as refused:
        services.create_point(actor=operator, **bad)
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("name", Code.REQUIRED),
        ("kind", Code.INVALID),
        ("division_code", Code.INVALID_DIVISION_CODE),
        ("latitude", Code.INVALID_LOCATION),
        ("longitude", Code.INVALID_LOCATION),
        ("opening_hours", Code.INVALID_OPENING_HOURS),
        ("phone", Code.INVALID_PHONE),
        ("parcel_capacity", Code.INVALID_CAPACITY),
    }
    assert not PickupPoint.objects.exists()


def test_an_update_changes_only_what_is_given_and_none_clears(operator, customer, make_point):
    point = make_point(staff=[customer])
    services.update_point(actor=operator, point=point, opening_hours=None, phone=None)
    point.refresh_from_db()
    assert (point.opening_hours, str(point.phone), point.name) == ({}, "", POINT["name"])
    assert list(point.staff.all()) == [customer]
    services.update_point(actor=operator, point=point, is_active=False, staff=[])
    assert not point.staff.exists()
    assert not usable_points().exists()
    with pytest.raises(TypeError):
        services.update_point(actor=operator, point=point, capacity=3)


@pytest.mark.parametrize(
    ("change", "constraint"),
    [
        ({"division_code": "36032320320"}, "pickup_point_division_code_12"),
        ({"latitude": Decimal("90.5")}, "pickup_point_on_earth"),
        ({"longitude": Decimal("-180.5")}, "pickup_point_on_earth"),
        ({"parcel_capacity": 0}, "pickup_point_capacity_positive"),
        ({"kind": "warehouse"}, "pickup_point_kind_known"),
    ],
)
def test_the_database_refuses_what_must_never_break(make_point, change, constraint):
    """Even a write that skips the services (a raw update) cannot store it."""
    point = make_point()
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        PickupPoint.objects.filter(pk=point.pk).update(**change)
    assert violated_constraint(refused.value, PickupPoint) == constraint

"""Operators add and correct pickup points in the admin through the same rules
and services as everywhere: normalised values, staff set, errors by the field."""

import json

import pytest
from django.test import Client

from logistics.models import PickupPoint
from tests.helpers.users import PASSWORD


@pytest.fixture
def admin_client(operator):
    operator.is_superuser = True
    operator.save()
    client = Client(HTTP_HOST="127.0.0.1")
    assert client.login(username=operator.email, password=PASSWORD)
    return client


def form(**changes):
    return {
        "name": "中港村电商服务站",
        "kind": "village_station",
        "address": "九宫山镇中港村村委会",
        "division_code": "421224104203",
        "latitude": "29.403",
        "longitude": "114.64",
        "opening_hours": json.dumps({"1": [["14:00", "18:00"], ["08:00", "12:00"]]}),
        "phone": "0799-7123456",
        "parcel_capacity": "50",
        "instructions": "",
        "is_active": "on",
        **changes,
    }


def test_a_point_added_in_the_admin_is_normalised_and_staffed(admin_client, customer):
    response = admin_client.post("/admin/logistics/pickuppoint/add/", form(staff=[customer.pk]))
    assert response.status_code == 302, response.content.decode()[:3000]
    point = PickupPoint.objects.get()
    assert point.opening_hours == {"1": [["08:00", "12:00"], ["14:00", "18:00"]]}
    assert str(point.phone) == "+867997123456"
    assert list(point.staff.all()) == [customer]


def test_a_correction_keeps_the_staff_unless_changed(admin_client, customer, make_point):
    point = make_point(staff=[customer])
    response = admin_client.post(
        f"/admin/logistics/pickuppoint/{point.pk}/change/",
        form(name="中港村服务站", staff=[customer.pk]),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    point.refresh_from_db()
    assert point.name == "中港村服务站" and list(point.staff.all()) == [customer]


@pytest.mark.parametrize(
    "changes",
    [
        {"opening_hours": json.dumps({"0": [["18:00", "08:00"]]})},
        {"division_code": "4212241042"},
        {"phone": "12345"},
        {"parcel_capacity": "0"},
        {"latitude": "95"},
    ],
)
def test_broken_rules_come_back_on_the_form(admin_client, changes):
    response = admin_client.post("/admin/logistics/pickuppoint/add/", form(**changes))
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not PickupPoint.objects.exists()

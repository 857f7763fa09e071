"""load_points_demo: a pickup point in every demo village, each with a station
login that works and holds the station-staff role; loading twice changes nothing."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Seller
from logistics.models import PickupPoint
from shop.accounts.models import User
from shop.core.roles import Role, roles_of
from tests.helpers.api import GraphQLClient

pytestmark = pytest.mark.django_db
TOKEN = """mutation($login: String!, $password: String!) {
  tokenCreate(login: $login, password: $password) { token errors { code } }
}"""
NEAREST = """query($near: LatLngInput!) {
  pickupPoints(near: $near, first: 1) { edges { node { name distanceKm } } }
}"""


@pytest.fixture(autouse=True)
def _debug(settings):
    settings.DEBUG = True


def load_points():
    out = io.StringIO()
    call_command("load_points_demo", stdout=out)
    return out.getvalue()


def test_every_demo_village_has_a_station_with_a_working_login():
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    printed = load_points()
    villages = set(Seller.objects.values_list("division_code", flat=True))
    points = PickupPoint.objects.filter(is_active=True)
    assert villages <= set(points.values_list("division_code", flat=True))
    assert set(points.values_list("kind", flat=True)) == {
        "village_station",
        "township_station",
        "county_hub",
    }
    logins = re.findall(r"station\s+(\d{11})\s+(\S+)\s+(.+), (.+)", printed)
    assert len(logins) == points.count()
    for phone, password, name, point_name in logins:
        user = User.objects.get(phone=f"+86{phone}")
        assert Role.STATION_STAFF in roles_of(user)
        assert user.pickup_points.get().name == point_name and user.name == name
        data = GraphQLClient().execute(TOKEN, {"login": phone, "password": password})
        assert data["tokenCreate"]["token"] and not data["tokenCreate"]["errors"]
    # A buyer at the Wanglongtan farms finds the village's own station first.
    near = GraphQLClient().execute(NEAREST, {"near": {"lat": 27.5318, "lng": 114.1536}})
    nearest = near["pickupPoints"]["edges"][0]["node"]
    assert nearest["name"] == "王龙潭村电商服务站" and nearest["distanceKm"] < 1


def test_loading_twice_changes_nothing_and_restores_a_removed_staff_member():
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    load_points()
    point = PickupPoint.objects.get(name="芦溪县电商物流中心")
    point.staff.clear()
    counts = (User.objects.count(), PickupPoint.objects.count())
    assert "created nothing" in load_points()
    assert (User.objects.count(), PickupPoint.objects.count()) == counts
    assert point.staff.count() == 1


def test_the_points_need_the_catalogue_demo_and_debug(settings):
    with pytest.raises(CommandError, match="load_demo first"):
        load_points()
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        load_points()

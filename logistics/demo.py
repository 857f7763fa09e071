"""The demo's pickup points: a station in each demo village, the Wanglongtan
township's station and the Luxi county hub, each with a demo staff member.

Villages and division codes are those of the catalogue demo
(`catalog.demo.data`); the points stand near the demo farms. Loaded through
logistics.services as the demo operator; a point found again by its name is
kept, so loading twice changes nothing.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from catalog.demo import data as catalog_demo
from logistics import services
from logistics.models import PickupPoint
from shop.accounts.models import User

# Demo-only password, printed by load_points_demo; never reuse it on a real server.
STATION_PASSWORD = "demo-station-2026"  # noqa: S105

WEEKDAYS_8_TO_18 = {str(day): [["08:00", "12:00"], ["13:30", "18:00"]] for day in range(6)}
EVERY_DAY_8_TO_20 = {str(day): [["08:00", "20:00"]] for day in range(7)}

POINTS: list[dict[str, Any]] = [
    {
        "name": "王龙潭村电商服务站",
        "kind": "village_station",
        "address": "江西省萍乡市芦溪县万龙山乡王龙潭村村委会一楼",
        "division_code": catalog_demo.WANGLONGTAN["division_code"],
        "latitude": "27.533500",
        "longitude": "114.156000",
        "opening_hours": WEEKDAYS_8_TO_18,
        "phone": "13979911005",
        "parcel_capacity": 60,
        "instructions": "凭取件码到村委会一楼取件；周日请打电话约时间。",
        "staff": {"phone": "13979911005", "name": "刘小梅"},
    },
    {
        "name": "万龙山乡电商服务站",
        "kind": "township_station",
        "address": "江西省萍乡市芦溪县万龙山乡政府旁",
        "division_code": "360323203000",
        "latitude": "27.552000",
        "longitude": "114.179000",
        "opening_hours": EVERY_DAY_8_TO_20,
        "phone": "0799-7123456",
        "parcel_capacity": 300,
        "staff": {"phone": "13979911006", "name": "彭立新"},
    },
    {
        "name": "芦溪县电商物流中心",
        "kind": "county_hub",
        "address": "江西省萍乡市芦溪县芦溪镇工业园物流大道8号",
        "division_code": "360323100000",
        "latitude": "27.631000",
        "longitude": "114.029000",
        "opening_hours": EVERY_DAY_8_TO_20,
        "phone": "0799-7654321",
        "parcel_capacity": 2000,
        "cold_storage": True,
        "staff": {"phone": "13979911007", "name": "黄国平"},
    },
    {
        "name": "岫云村电商服务站",
        "kind": "village_station",
        "address": "四川省广元市苍溪县白驿镇岫云村便民服务中心",
        "division_code": catalog_demo.CANGXI["division_code"],
        "latitude": "31.697000",
        "longitude": "105.985000",
        "opening_hours": WEEKDAYS_8_TO_18,
        "phone": "13908391008",
        "parcel_capacity": 80,
        "cold_storage": True,
        "staff": {"phone": "13908391008", "name": "何春燕"},
    },
    {
        "name": "中港村电商服务站",
        "kind": "village_station",
        "address": "湖北省咸宁市通山县九宫山镇中港村村委会",
        "division_code": catalog_demo.TONGSHAN["division_code"],
        "latitude": "29.403000",
        "longitude": "114.640000",
        "opening_hours": WEEKDAYS_8_TO_18,
        "phone": "13971511009",
        "parcel_capacity": 50,
        "staff": {"phone": "13971511009", "name": "程丽华"},
    },
]


class OperatorMissing(LookupError):
    """The catalogue demo (and its operator) is not loaded."""


@dataclass
class PointsDemo:
    staff: list[tuple[User, PickupPoint]]
    created: Counter[str]


def load_points_demo() -> PointsDemo:
    """Make sure every demo point and its staff member exist."""
    operator = User.objects.filter(email=catalog_demo.OPERATOR["email"], is_staff=True).first()
    if operator is None:
        raise OperatorMissing(catalog_demo.OPERATOR["email"])
    created: Counter[str] = Counter()
    staff: list[tuple[User, PickupPoint]] = []
    with transaction.atomic():
        for record in POINTS:
            fields = {k: v for k, v in record.items() if k != "staff"}
            user = User.objects.filter(phone=record["staff"]["phone"]).first()
            if user is None:
                user = User.objects.create_user(password=STATION_PASSWORD, **record["staff"])
                created["users"] += 1
            point = PickupPoint.objects.filter(name=record["name"]).first()
            if point is None:
                point = services.create_point(actor=operator, **fields, staff=[user])
                created["pickup points"] += 1
            elif not point.staff.filter(pk=user.pk).exists():
                services.update_point(actor=operator, point=point, staff=[*point.staff.all(), user])
            staff.append((user, point))
    return PointsDemo(staff, created)

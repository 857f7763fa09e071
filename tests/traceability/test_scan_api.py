"""scanStats(batch) as every role of tests.helpers.users.ROLES (the seller's members
and operators only), its figures, and the selector's fixed number of queries."""

import datetime

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from shop.core.roles import SYSTEM
from tests.helpers.ids import gid
from tests.helpers.users import ROLES
from traceability import regions
from traceability.models import Scan
from traceability.scan_stats import DAYS, scan_stats
from traceability.services import batches, scans

MANAGERS = ("seller", "operator")
STATS = """
query($batch: ID!) {
  scanStats(batch: $batch) {
    total uniqueSerials firstScanAt lastScanAt flaggedCount
    sellerRegion regions { region name count kmFromSeller far }
    days { day count }
    flaggedSerials { serial code reason flaggedAt }
  }
}"""


@pytest.fixture
def serials(seller_user, batch):
    batches.generate_serials(actor=seller_user, batch=batch, count=3)
    return list(batch.serials.order_by("id"))


@pytest.fixture
def scanned(batch, serials):
    """Six scans over three days, one of them naming no place, one serial far apart."""
    now = timezone.now()
    rows = [
        (serials[0], "36", now - datetime.timedelta(days=40)),  # before the 30 days
        (serials[0], "36", now - datetime.timedelta(days=2)),
        (serials[1], "36", now - datetime.timedelta(days=2)),
        (serials[1], "65", now - datetime.timedelta(days=1)),
        (None, "43", now - datetime.timedelta(days=1)),
        (None, None, now),
    ]
    Scan.objects.bulk_create(
        Scan(batch=batch, serial=serial, region=region, scanned_at=at)
        for serial, region, at in rows
    )
    scans.flag_serials({s.pk for s in serials}, actor=SYSTEM)
    return rows


@pytest.mark.parametrize("role", ROLES)
def test_scan_stats_are_for_the_sellers_members_and_operators(client_as, batch, scanned, role):
    status, body = client_as(role).post(STATS, {"batch": gid(batch)})
    assert status == 200
    if role in MANAGERS:
        assert "errors" not in body, body
        assert body["data"]["scanStats"]["total"] == 6
        return
    assert body["data"] == {"scanStats": None}
    expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
    assert [e["extensions"]["code"] for e in body["errors"]] == [expected]


def test_scan_stats_of_an_unknown_batch_is_not_found(client_as, batch):
    status, body = client_as("operator").post(STATS, {"batch": to_global_id("Batch", 10**9)})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]


def test_scan_stats_figures(client_as, batch, serials, scanned):
    stats = client_as("seller").execute(STATS, {"batch": gid(batch)})["scanStats"]
    assert (stats["total"], stats["uniqueSerials"], stats["flaggedCount"]) == (6, 2, 1)
    assert stats["firstScanAt"] == scanned[0][2].isoformat()
    assert stats["lastScanAt"] == scanned[-1][2].isoformat()
    assert stats["sellerRegion"] == "36"  # the seller's division 360323…: Jiangxi
    km = {r["region"]: round(regions.distance_km("36", r["region"])) for r in stats["regions"][:3]}
    assert stats["regions"] == [
        {"region": "36", "name": "江西省", "count": 3, "kmFromSeller": 0, "far": False},
        {"region": "43", "name": "湖南省", "count": 1, "kmFromSeller": km["43"], "far": False},
        {
            "region": "65",
            "name": "新疆维吾尔自治区",
            "count": 1,
            "kmFromSeller": km["65"],
            "far": True,
        },
        {"region": None, "name": None, "count": 1, "kmFromSeller": None, "far": False},
    ]
    assert 200 < km["43"] < 400 and km["65"] > 2500
    days = stats["days"]
    today = timezone.localdate()
    assert len(days) == DAYS and days[-1]["day"] == today.isoformat()
    by_day = {d["day"]: d["count"] for d in days if d["count"]}
    assert sum(by_day.values()) == 5  # the scan of 40 days ago is outside
    assert by_day[today.isoformat()] >= 1
    assert [(f["serial"], f["code"], f["reason"]) for f in stats["flaggedSerials"]] == [
        (serials[1].serial, serials[1].code, "FAR_APART")
    ]


def test_scan_stats_take_a_fixed_number_of_queries(
    batch, serials, scanned, django_assert_num_queries
):
    with django_assert_num_queries(5):
        stats = scan_stats(batch)
    Scan.objects.bulk_create(
        Scan(batch=batch, serial=serials[2], region="11", scanned_at=timezone.now())
        for _ in range(30)
    )
    scans.flag_serials({serials[2].pk}, actor=SYSTEM)
    with django_assert_num_queries(5):
        more = scan_stats(batch)
    assert (stats.total, more.total, more.flagged_count) == (6, 36, 2)

"""Reads of scans for the seller's members and the operators: a batch's figures
in a fixed number of queries, and the queue of flagged serials.

Buffered scans reach these reads after the next flush (every 30 s), or at
once in the embedded default, where recording a scan flushes the buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Max, Min, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from shop.core.roles import Actor, is_operator
from traceability import regions
from traceability.models import Batch, Scan, SerialFlag
from traceability.services import scans

DAYS = 30
FLAGS_SHOWN = 50


@dataclass(frozen=True)
class RegionCount:
    region: str | None  # regions code; None for scans that named no place
    count: int
    km_from_seller: float | None  # between the capitals of this and the seller's province

    @property
    def name(self) -> str | None:
        return regions.region_name(self.region)

    @property
    def far(self) -> bool:
        """Far enough from the seller's province that goods should not usually be there."""
        return self.km_from_seller is not None and self.km_from_seller > scans.FAR_APART_KM


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


@dataclass(frozen=True)
class ScanStats:
    seller_region: str | None  # the province of the seller's registered division
    total: int
    unique_serials: int
    first_scan_at: datetime | None
    last_scan_at: datetime | None
    regions: list[RegionCount]  # most scans first
    days: list[DayCount]  # the last DAYS days, oldest first, days without scans included
    flagged_count: int
    flagged: list[SerialFlag]  # newest first, at most FLAGS_SHOWN, with their serial


def scan_stats(batch: Batch) -> ScanStats:
    """A batch's scans in five queries (load the batch's `seller` with it)."""
    of_batch = Scan.objects.filter(batch=batch)
    totals = of_batch.aggregate(
        total=Count("id"),
        serials=Count("serial", distinct=True),
        first=Min("scanned_at"),
        last=Max("scanned_at"),
    )
    home = seller_region(batch)
    per_region = [
        RegionCount(region, n, _km(home, region))
        for region, n in of_batch.values_list("region")
        .annotate(n=Count("id"))
        .order_by("-n", F("region").asc(nulls_last=True))
    ]
    today = timezone.localdate()
    since = today - timedelta(days=DAYS - 1)
    per_day = dict(
        of_batch.filter(scanned_at__date__gte=since)
        .annotate(day=TruncDate("scanned_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("day", "n")
    )
    flags = SerialFlag.objects.filter(batch=batch)
    return ScanStats(
        seller_region=home,
        total=totals["total"],
        unique_serials=totals["serials"],
        first_scan_at=totals["first"],
        last_scan_at=totals["last"],
        regions=per_region,
        days=[
            DayCount(day, per_day.get(day, 0))
            for day in (since + timedelta(days=i) for i in range(DAYS))
        ],
        flagged_count=flags.count(),
        flagged=list(flags.select_related("serial").order_by("-id")[:FLAGS_SHOWN]),
    )


def seller_region(batch: Batch) -> str | None:
    return regions.clean_geo(batch.seller.division_code[:2])


def _km(home: str | None, region: str | None) -> float | None:
    if home is None or region is None:
        return None
    return round(regions.distance_km(home, region))


def flagged_serials(actor: Actor) -> QuerySet[SerialFlag]:
    """The operators' queue of flagged serials, newest first (others: none)."""
    if not is_operator(actor):
        return SerialFlag.objects.none()
    return SerialFlag.objects.select_related(
        "serial", "batch", "batch__seller", "batch__variant__product", "clearance"
    ).order_by("-id")

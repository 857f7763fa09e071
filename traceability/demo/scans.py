"""Demo scans: a few hundred over the last 30 days, mostly in and around the
seller's own province, and two serials that the flag rule catches (one scanned
too often, one in two provinces far apart). Written with bulk_create, since
the demo is not a request."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.utils import timezone

from shop.core.roles import SYSTEM
from traceability import regions
from traceability.models import Batch, Scan, Serial
from traceability.services.scans import FAR_APART_KM, TOO_MANY_SCANS, flag_serials

NEAR_KM = 400.0  # half of FAR_APART_KM: two nearby scans are never far apart
SCANS_PER_SERIAL = 5  # an ordinary unit is scanned a few times at most
DAYS = 30
SERIALS_READ = 5000  # enough to spread the scans; a big batch is not read whole


def demo_scans(batches: Sequence[Batch], *, count: int, rng: random.Random) -> int:
    """Write about `count` scans of the batches' codes and flag what the rule
    flags; return how many scans were written. Serials are used where the
    batches have some; the two flagged ones need a batch with two serials."""
    if not batches or count <= 0:
        return 0
    now = timezone.now()
    serials = _serials_by_batch(batches)
    scans: list[Scan] = []
    per_serial: dict[int, int] = {}
    for i in range(count):
        batch = batches[i % len(batches)]
        home = _home(batch)
        serial = rng.choice(serials[batch.pk]) if serials[batch.pk] else None
        if serial is not None and per_serial.get(serial.pk, 0) >= SCANS_PER_SERIAL:
            serial = None
        if serial is not None:
            per_serial[serial.pk] = per_serial.get(serial.pk, 0) + 1
        scans.append(
            Scan(
                batch=batch,
                serial=serial,
                scanned_at=now - timedelta(seconds=rng.uniform(0, DAYS * 86400)),
                region=_place(rng, home, far_allowed=serial is None),
            )
        )
    suspects = _suspicious(batches, serials, now, rng, per_serial)
    scans += suspects
    Scan.objects.bulk_create(scans, batch_size=1000)
    flag_serials({scan.serial_id for scan in suspects if scan.serial_id}, actor=SYSTEM)
    return len(scans)


def _serials_by_batch(batches: Sequence[Batch]) -> dict[int, list[Serial]]:
    found: dict[int, list[Serial]] = {batch.pk: [] for batch in batches}
    for serial in Serial.objects.filter(batch__in=batches).order_by("pk")[:SERIALS_READ]:
        found[serial.batch_id].append(serial)
    return found


def _home(batch: Batch) -> str | None:
    return regions.clean_geo(batch.seller.division_code[:2])


def _place(rng: random.Random, home: str | None, *, far_allowed: bool) -> str | None:
    """Half at home, a third nearby, some without a place; far away only for
    scans of a batch's code (bought online, shipped across the country)."""
    roll = rng.random()
    if home is None or roll < 0.12:
        return None
    if roll < 0.6:
        return home
    near = [r.code for r in regions.REGIONS if regions.distance_km(home, r) <= NEAR_KM]
    if roll < 0.95 or not far_allowed:
        return rng.choice(near)
    return rng.choice([r.code for r in regions.REGIONS if regions.distance_km(home, r) > NEAR_KM])


def _suspicious(
    batches: Sequence[Batch],
    serials: dict[int, list[Serial]],
    now: datetime,
    rng: random.Random,
    per_serial: dict[int, int],
) -> list[Scan]:
    """A serial scanned too often at home, and one scanned at home and far away."""
    batch = next((b for b in batches if len(serials[b.pk]) >= 2), None)
    home = _home(batch) if batch else None
    if batch is None or home is None:
        return []
    unscanned = [s for s in serials[batch.pk] if s.pk not in per_serial]
    often, travelled = (unscanned if len(unscanned) >= 2 else serials[batch.pk])[:2]
    farthest = max(regions.REGIONS, key=lambda r: regions.distance_km(home, r))
    if regions.distance_km(home, farthest) <= FAR_APART_KM:
        return []
    start = now - timedelta(days=3)
    found = [
        Scan(
            batch=batch,
            serial=often,
            scanned_at=start + timedelta(minutes=rng.uniform(0, 3 * 24 * 60)),
            region=home,
        )
        for _ in range(TOO_MANY_SCANS + 4)
    ]
    found.append(
        Scan(batch=batch, serial=travelled, scanned_at=now - timedelta(days=9), region=home)
    )
    found.append(
        Scan(
            batch=batch, serial=travelled, scanned_at=now - timedelta(days=2), region=farthest.code
        )
    )
    return found

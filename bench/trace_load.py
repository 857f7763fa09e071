#!/usr/bin/env python3
"""Load the provenance benchmark's trace data: N batches of M events each.

Bench-only. Run by bench/database.py in the benchmark server's environment,
after `load_demo`: the demo cooperative's member records every batch and
event through the real services (`traceability.services.batches.create_batch`,
`traceability.services.events.record_event`), so the chains are the ones the product
makes (hash-linked, under the batch locks), and one checkpoint is signed at
the end so that every batch verifies. The batches alternate over the
cooperative's demo variants, six of its ten with a GTIN, so both
`/01/…/10/…` and `/t/…` links are resolved. It then writes every batch's
resolver paths to the file given (one per line), for bench/paths.lua.

    bench/trace_load.py --batches 1000 --events 10 --paths bench/out/paths_provenance.txt
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
LOT_PREFIX = "BENCH-"
# After the harvest: one step a day, as a farm, a packing shed and a carrier record them.
STEPS = [
    ("inspecting", "conformant"),
    ("storing", "sellable_not_accessible"),
    ("packing", "in_progress"),
    ("storing", "sellable_not_accessible"),
    ("shipping", "in_transit"),
    ("arriving", "in_transit"),
    ("receiving", "in_progress"),
    ("storing", "sellable_accessible"),
    ("shipping", "in_transit"),
]


def paths_of(batch) -> list[str]:
    """The batch's resolver paths: its short link, and its Digital Link when it has one."""
    from urllib.parse import urlsplit

    from traceability.models import short_link

    paths = [urlsplit(short_link(batch.code)).path]
    if batch.variant.gtin:
        paths.append(urlsplit(batch.digital_link()).path)
    return paths


def load(batches: int, events: int) -> None:
    from django.db import transaction

    from catalog.demo import data
    from catalog.models import ProductVariant
    from shop.accounts.models import User
    from shop.core.roles import SYSTEM
    from traceability.models import Batch
    from traceability.services import signing

    record = data.WANGLONGTAN_COOPERATIVE
    member = User.objects.get(phone=record["member"]["phone"])
    seller = member.sellers.get(name=record["seller"]["name"])
    farm = seller.farms.order_by("pk").first()
    # The demo's own variants (load_demo --products adds synthetic ones without GTINs).
    skus = [variant["sku"] for product in record["products"] for variant in product["variants"]]
    variants = list(ProductVariant.objects.filter(seller=seller, sku__in=skus).order_by("pk"))
    done = Batch.objects.filter(seller=seller, lot__startswith=LOT_PREFIX).count()
    started = time.perf_counter()
    for number in range(done + 1, batches + 1):
        with transaction.atomic():  # a batch and its events, or neither
            _load_batch(member, farm, variants, number, events)
        if number % 100 == 0:
            rate = (number - done) * events / (time.perf_counter() - started)
            print(f"  {number} batches, {rate:.0f} events/s", flush=True)
        if number in (done + 10, done + 100) or number % 250 == 0:
            analyze()
    signing.sign_checkpoint(actor=SYSTEM)


def analyze() -> None:
    """Fresh statistics as the tables grow: without them (a server without
    autovacuum) the connection keeps plans made for empty tables, and recording
    slowed from 36 to 9 events/s within 3,000 events."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _load_batch(member, farm, variants, number, events):
    from decimal import Decimal

    from traceability.services import batches as services
    from traceability.services import events as trace

    harvested = datetime.date(2026, 9, 1) + datetime.timedelta(days=number % 60)
    batch = services.create_batch(
        actor=member,
        variant=variants[number % len(variants)],
        farm=farm,
        lot=f"{LOT_PREFIX}{number:05d}",
        harvest_date=harvested,
        quantity=Decimal(500 + number % 300),
        unit="kg",
    )
    moment = datetime.datetime.combine(harvested, datetime.time(8), BEIJING)
    kinds = [("commissioning", "active"), *STEPS][:events]
    for day, (step, disposition) in enumerate(kinds):
        trace.record_event(
            actor=member,
            batch=batch,
            event_type="ObjectEvent",
            biz_step=step,
            disposition=disposition,
            event_time=moment + datetime.timedelta(days=day, minutes=number % 600),
            read_point=farm,
        )


def write_paths(path: Path) -> int:
    from traceability.models import Batch

    batches = Batch.objects.filter(lot__startswith=LOT_PREFIX).select_related("variant")
    lines = [line for batch in batches.order_by("pk") for line in paths_of(batch)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10, choices=range(1, len(STEPS) + 2))
    parser.add_argument("--paths", type=Path, required=True, help="where to write the paths")
    parser.add_argument("--paths-only", action="store_true", help="write the paths, load nothing")
    args = parser.parse_args()
    os.chdir(BENCH.parent)

    import django

    django.setup()
    if not args.paths_only:
        load(args.batches, args.events)
    print(f"  {write_paths(args.paths)} resolver paths in {args.paths}", flush=True)


if __name__ == "__main__":
    main()

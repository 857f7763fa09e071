#!/usr/bin/env python3
"""The time of `verify_batch` on a batch of 1,000 events, at the code of `--root`.

Run by bench/trace_log.py against this checkout and against a worktree of the
commit before the log, each on its own database, so that the verification of
the same chain is timed before and after the change on the same machine in
the same minutes. The batch (`VERIFY-1000`) is recorded through
`record_event` on the first run (about half a minute; its tasks go to the
broker) and checkpointed once, by whichever signer the code has.

It prints one JSON line: the wall and CPU milliseconds of each repeat, the
verdict, and the file of the verification service that ran.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from pathlib import Path

LOT = "VERIFY-1000"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, required=True, help="the checkout whose code runs")
    parser.add_argument("--events", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    root = args.root.resolve()
    os.chdir(root)
    sys.path.insert(1, str(root))  # after bench/ (this script's folder): seller_data

    import django

    django.setup()
    from django.db import connection
    from seller_data import STARTED, find_batch, make_batch, owner, step

    from shop.core.roles import SYSTEM
    from traceability.services import events as trace
    from traceability.services import verification

    try:  # the signer: the log's since issue 22, the chain heads' before
        from traceability.services.signing import sign_checkpoint
    except ImportError:
        sign_checkpoint = verification.sign_checkpoint

    member, operator = owner()
    batch = find_batch(LOT) or make_batch(member, operator, LOT)
    recorded = batch.trace_events.count()
    for number in range(recorded, args.events):
        trace.record_event(
            actor=member, batch=batch, event_type="ObjectEvent", read_point=batch.farm,
            event_time=STARTED + datetime.timedelta(minutes=number), **step(number),
        )  # fmt: skip
    if recorded < args.events:
        sign_checkpoint(actor=SYSTEM)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    wall, cpu, verdicts = [], [], set()
    for _ in range(args.repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        verdict = verification.verify_batch(batch).verdict
        wall.append(round((time.perf_counter() - started) * 1000, 1))
        cpu.append(round((time.process_time() - started_cpu) * 1000, 1))
        verdicts.add("verified" if verdict.ok else f"{verdict.reason} {verdict.event_id}")
    print(
        json.dumps(
            {
                "code": verification.__file__,
                "events": batch.trace_events.count(),
                "wall_ms": wall,
                "cpu_ms": cpu,
                "verdict": ", ".join(sorted(verdicts)),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The CPU time of recording one trace event, per call, in Django and in PostgreSQL.

Run by bench/trace_log.py, in the environment it gives (DATABASE_URL, the
broker), against the code of `--root`: this checkout, or a worktree of an
older commit, so the same measurement runs before and after a change. It
uses only services both sides have (`bench/seller_data.py`).

It makes a new batch and records `--warmup` events on it, then `--events`
more, each through `traceability.services.events.record_event` as a farmer's
step is recorded (its own transaction; what runs at its commit included),
and measures each call:

- the Django process's CPU (`time.process_time`, every thread);
- the CPU of its PostgreSQL backend (`/proc/<pid>/schedstat`, nanoseconds:
  the server runs on this machine).

It prints one JSON line: the p50, p90 and mean of each, in ms, and the file of
the events service that ran.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path


def backend_cpu_ns(pid: int) -> int:
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 3),
        "p90": round(ordered[int(len(ordered) * 0.9)], 3),
        "mean": round(statistics.fmean(ordered), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, required=True, help="the checkout whose code runs")
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    root = args.root.resolve()
    os.chdir(root)
    sys.path.insert(1, str(root))  # after bench/ (this script's folder): seller_data

    import django

    django.setup()
    from django.db import connection
    from seller_data import STARTED, make_batch, owner, step

    from traceability.services import events as trace

    member, operator = owner()
    batch = make_batch(member, operator, f"REC-{time.time_ns() // 10**6}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # plans for the tables as they are: no autovacuum here
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    gc.collect()
    gc.freeze()  # as gunicorn.conf.py does in each worker

    django_ms, postgres_ms = [], []
    for number in range(args.warmup + args.events):
        moment = STARTED + datetime.timedelta(minutes=number)
        started, started_pg = time.process_time(), backend_cpu_ns(backend)
        trace.record_event(
            actor=member, batch=batch, event_type="ObjectEvent", read_point=batch.farm,
            event_time=moment, **step(number),
        )  # fmt: skip
        used, used_pg = time.process_time() - started, backend_cpu_ns(backend) - started_pg
        if number >= args.warmup:
            django_ms.append(used * 1000)
            postgres_ms.append(used_pg / 1e6)
    total = [a + b for a, b in zip(django_ms, postgres_ms, strict=True)]
    print(
        json.dumps(
            {
                "code": trace.__file__,
                "events": args.events,
                "django": summary(django_ms),
                "postgres": summary(postgres_ms),
                "total": summary(total),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()

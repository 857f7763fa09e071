#!/usr/bin/env python3
"""Insert the scans the resolver buffered, as the beat task does, and say how many.

Run by bench/run.py in the benchmark server's environment after each resolver
case: the resolve only pushes a scan onto the Redis buffer
(`traceability.services.scans.record_scan`); this drains it with
`traceability.services.scans.flush_scans` and prints `{"scans": N, "seconds": S}`, so
the run shows that every request was recorded and what the insert costs.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]


def main() -> None:
    os.chdir(BENCH.parent)
    import django

    django.setup()
    from shop.core.roles import SYSTEM
    from traceability.services.scans import flush_scans

    started = time.perf_counter()
    inserted = flush_scans(actor=SYSTEM)
    print(json.dumps({"scans": inserted, "seconds": time.perf_counter() - started}), flush=True)


if __name__ == "__main__":
    main()

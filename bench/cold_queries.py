#!/usr/bin/env python3
"""SQL queries of a cold render: one record the cache holds nothing of, then again warm.

Run by bench/run.py in the benchmark server's environment (the same settings
and database as the measured workers), in one process through
django.test.Client. It clears the cache first (the bench's own Redis
database), warms the process on another path (connection, lazy imports,
per-process lookups), then each case GETs a path of its own, counted with
CaptureQueriesContext, and the same path once more. Prints one JSON object
per case:

    bench/cold_queries.py --paths bench/out/paths_provenance.txt p= 'q=?format=jsonld'
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paths", type=Path, required=True, help="one path per line")
    parser.add_argument("cases", nargs="+", metavar="KEY=QUERY", help="a case and its ?query")
    args = parser.parse_args()
    os.chdir(BENCH.parent)

    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    cache.clear()  # the bench's own cache (run.py's --cache-url): nothing is cached now

    paths = [line for line in args.paths.read_text().splitlines() if line]
    # A different path per case and for the warm-up, so each case's first render is cold.
    picked = random.sample(paths, len(args.cases) + 1)  # noqa: S311  (not security)
    client = Client(HTTP_HOST="127.0.0.1")
    warm_up = client.get(picked.pop())
    if warm_up.status_code != 200:
        sys.exit(f"warm-up: HTTP {warm_up.status_code}")
    for case, path in zip(args.cases, picked, strict=True):
        key, _, query = case.partition("=")
        renders = []
        for _render in ("cold", "warm"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path + query)
            renders.append([q["sql"] for q in queries.captured_queries])
        print(
            json.dumps(
                {
                    "key": key,
                    "path": path + query,
                    "status": response.status_code,
                    "cold": len(renders[0]),
                    "warm": len(renders[1]),
                    "cold_sql": renders[0],
                },
                ensure_ascii=False,
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()

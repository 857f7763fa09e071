#!/usr/bin/env python3
"""Throughput and latency of the catalogue API under gunicorn, against a floor.

Loads a PostgreSQL database with `manage.py load_demo --products N` (only when
the database is missing, was not completely loaded, or --reload is given),
serves the app with gunicorn (2 sync workers) on 127.0.0.1, and measures each
case with wrk (2 threads, 8 connections, 10 s):

  a  GET /ping                      the floor: Django, no database, no GraphQL
  b  products(first: 20)            the product list with seller, category,
                                    thumbnail, price range and variants
  c  products(first: 100)           the same, the largest page
  d  products(first: 20, filter: {search: "紫米"})
  e-g hostile documents (a fragment chain, a fragment cycle, the most tokens
     allowed), which must be refused with their error code
  h  the page /search/ (20 products), anonymous
  i  a product's page, anonymous
  j  product(slug): what the product page shows, asked of the API
  k  a category's page, anonymous
  p  the resolver's provenance page, a batch picked at random per request among
     1,000 of 10 events each (bench/trace_load.py), its scan recorded
  q  the same as JSON-LD (?format=jsonld)

It prints req/s, p50 and p99 for each case, the ratio of its req/s to (a) and
whether the target is met. This is a benchmark: it exits 0 whatever the
figures, and non-zero only when the setup failed (no database, server not
starting, a query answering with errors or the wrong number of products).

Run it with bench/run.sh (which uses the project's .venv). See bench/README.md;
the parts are in cases.py, database.py, server.py, load.py, machine.py and report.py.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cases import CASES, PROVENANCE_CASES, http, paths_file, request_body, verify
from common import OUT, ROOT, SetupError, log
from database import bench_script, database_summary, prepare_database, prepare_trace
from load import ensure_wrk, parse_wrk, run_wrk
from machine import busy_while, describe_busy, load_average, wait_until_quiet
from report import report, score
from server import DATA_BASE_URL, MODES, Gunicorn, free_port, server_env


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reload", action="store_true", help="drop, recreate and load the database"
    )
    parser.add_argument("--products", type=int, default=10_000, help="load_demo --products N")
    parser.add_argument("--db", default="bench_mountain_market", help="database name")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/"),
        help="PostgreSQL server URL, without the database name",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per case")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per case")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--connections",
        type=int,
        default=None,
        help="wrk connections (default 8, or 16 when a resolver case (p, q) runs)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument(
        "--cases",
        default="abcdefghij",
        help="which cases to run (a is always run: it is the floor)",
    )
    parser.add_argument(
        "--wait-quiet",
        type=int,
        default=0,
        metavar="SECONDS",
        help="before each case, wait up to SECONDS for other processes to stop using the CPU",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=0,
        help="measure a case again (up to this many times) when other processes were busy",
    )
    parser.add_argument(
        "--cache",
        choices=["off", "on", "both"],
        default="both",
        help="measure with the public response cache off (PUBLIC_CACHE_SECONDS=0), "
        "on (the default setting) or both (default)",
    )
    parser.add_argument("--batches", type=int, default=1000, help="resolver cases: batches")
    parser.add_argument("--events", type=int, default=10, help="resolver cases: events each")
    parser.add_argument(
        "--cache-url",
        default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14"),
        help="resolver cases: the server's CACHE_URL (the scan buffer is a Redis list there)",
    )
    parser.add_argument(
        "--broker-url",
        default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13"),
        help="resolver cases: the server's CELERY_BROKER_URL (no worker runs: tasks stay queued)",
    )
    parser.add_argument(
        "--public-cache-seconds",
        type=int,
        default=None,
        metavar="SECONDS",
        help="cache on: PUBLIC_CACHE_SECONDS for the server (default: the settings' default)",
    )
    parser.add_argument(
        "--paths-file",
        default=None,
        help="resolver cases: GET these paths instead (one per line; to try the harness)",
    )
    args = parser.parse_args(argv)
    resolving = PROVENANCE_CASES & set(args.cases)
    if args.connections is None:
        args.connections = 16 if resolving else 8
    if args.duration < 10:
        log(f"note: --duration {args.duration} is shorter than the 10 s the figures call for")
    return args


DEFAULT_PUBLIC_CACHE_SECONDS = 60  # shop/settings.py's default


def paths_for(args, case):
    return Path(args.paths_file) if args.paths_file else paths_file(case)


def resolver_env(args, env):
    """A resolve as in production: the cache and the scan buffer in Redis, tasks sent
    to a broker (no worker runs: the bench drains the scans itself, `drain_scans`);
    the base URL the trace data was recorded with (`server.DATA_BASE_URL`)."""
    return env | {
        "CACHE_URL": args.cache_url,
        "CELERY_BROKER_URL": args.broker_url,
        "PUBLIC_BASE_URL": DATA_BASE_URL,
    }


def drain_scans(env):
    """Insert the buffered scans as the beat task would; return {scans, seconds}."""
    return json.loads(bench_script(env, "scan_flush.py", capture=True).splitlines()[-1])


def cold_renders(args, env, cases):
    """SQL queries of a cold and a warm render of each resolver case (bench/cold_queries.py)."""
    output = bench_script(
        env,
        "cold_queries.py",
        "--paths",
        paths_for(args, cases[0]),
        *[f"{case.key}={case.query_string}" for case in cases],
        capture=True,
    )
    found = {}
    for line in output.splitlines():
        row = json.loads(line)
        if row["status"] != 200:
            raise SetupError(f"cold render of {row['path']}: HTTP {row['status']}")
        log(
            f"     ({row['key']}) {row['path']}: {row['cold']} SQL queries cold, {row['warm']} warm"
        )
        found[row["key"]] = row
    (OUT / "cold_queries.json").write_text(json.dumps(found, indent=2, ensure_ascii=False) + "\n")
    return found


def prime(base_url, case, paths, connections, ttl):
    """GET every path once, `connections` at a time: the public cache as it is once
    each code has been scanned (within `ttl`, PUBLIC_CACHE_SECONDS); log how long it took."""
    lines = [line for line in paths.read_text(encoding="utf-8").splitlines() if line]
    started = time.monotonic()
    with ThreadPoolExecutor(connections) as pool:
        statuses = Counter(pool.map(lambda p: http(base_url + p + case.query_string)[0], lines))
    seconds = time.monotonic() - started
    log(
        f"   cache primed: {len(lines)} paths in {seconds:.1f} s "
        f"({len(lines) / seconds:.1f} cold renders/s), HTTP {dict(statuses)}"
    )
    if seconds > ttl:
        log(f"   warning: priming took over {ttl} s: the first entries expired meanwhile")


def measure_mode(args, mode, cases, wrk):
    """Start gunicorn for `mode`, check and measure `cases`, stop it; return their rows."""
    port = args.port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    seconds = mode.cache_seconds if mode.name == "off" else args.public_cache_seconds
    env = server_env(args, port, seconds)
    resolving = [case for case in cases if case.paths is not None]
    if resolving:
        env = resolver_env(args, env)
    server = Gunicorn(env, port, args.workers, OUT / f"gunicorn_cache_{mode.name}.log")

    def wrk_for(case, seconds, body_file):
        return run_wrk(
            wrk,
            case,
            base_url,
            seconds,
            args.threads,
            args.connections,
            body_file,
            paths_for(args, case) if case.paths else None,
        )

    rows = []
    log(f"\n== cache {mode.name}: {mode.description}")
    try:
        log(f"   gunicorn, {args.workers} sync workers, {base_url}")
        server.start()
        health = server.wait_ready()
        log(f"   /healthz: {health}")
        cold = {}
        if resolving:
            log(
                f"   resolver cases: CACHE_URL={args.cache_url} CELERY_BROKER_URL={args.broker_url}"
            )
            log(f"   earlier scans drained: {drain_scans(env)['scans']}")
            log("   SQL queries of a cold render (the cache cleared first):")
            cold = cold_renders(args, env, resolving)
        log("   checking every case once:")
        for case in cases:
            paths = paths_for(args, case) if case.paths else None
            log(f"     ({case.key}) {case.label}: {verify(case, base_url, paths)}")
        own = {server.process.pid}  # gunicorn's process group: its load is the benchmark's
        for case in cases:
            body_file = OUT / f"body_{case.key}.json"
            if case.query is not None:
                body_file.write_text(request_body(case), encoding="utf-8")
            log(f"-- ({case.key}) {case.label}, cache {mode.name}")
            attempts = 1 + args.retries
            if case.paths is not None:
                if mode.name == "on":
                    ttl = args.public_cache_seconds or DEFAULT_PUBLIC_CACHE_SECONDS
                    prime(base_url, case, paths_for(args, case), args.connections, ttl)
                drain_scans(env)  # those of the checks: the case's own are counted below
            answered = 0
            for attempt in range(1, attempts + 1):
                if args.wait_quiet:
                    wait_until_quiet(args.wait_quiet, own)
                if args.warmup:
                    answered += parse_wrk(wrk_for(case, args.warmup, body_file)[0])["requests"]
                (output, command), busy = busy_while(own, wrk_for, case, args.duration, body_file)
                figures = parse_wrk(output)
                answered += figures["requests"]
                figures["other_load"] = describe_busy(busy)
                if not busy:
                    break
                log(
                    f"   warning: other processes were busy during this run: {figures['other_load']}"
                )
                if attempt < attempts:
                    log(f"   measuring again ({attempt + 1} of {attempts})")
            after = verify(case, base_url, paths_for(args, case) if case.paths else None)
            if case.key in cold:
                figures["cold_queries"] = cold[case.key]["cold"]
                figures["warm_queries"] = cold[case.key]["warm"]
            if case.paths is not None:
                drained = drain_scans(env)
                figures["scans"], figures["answered"] = drained["scans"], answered + 3
                log(
                    f"   scans recorded: {drained['scans']} for {answered + 3} answered requests "
                    f"(warm-up and checks included), inserted in {drained['seconds']:.2f} s"
                )
            log(
                f"   wrk {command}\n"
                f"   {figures['requests']} requests, {figures['rps']:.1f} req/s, "
                f"p50 {figures['p50_ms']:.2f} ms, p99 {figures['p99_ms']:.2f} ms, "
                f"non-2xx {figures['non_2xx']}, socket errors {figures['socket_errors']}; "
                f"afterwards: {after}"
            )
            (OUT / f"wrk_{case.key}_cache_{mode.name}.txt").write_text(output)
            rows.append(
                {
                    "key": case.key,
                    "label": case.label,
                    "cache": mode.name,
                    "target": case.target(mode.name),
                }
                | figures
            )
    finally:
        server.stop()
        log("   gunicorn stopped")
        warnings = server.log_tail(10)
        if warnings.strip():
            log(f"   last lines of {server.log_path.relative_to(ROOT)}:\n{warnings}")
    return rows


def main(argv=None):
    args = parse_args(argv)
    selected = [c for c in CASES if c.key != "a" and c.key in args.cases]
    floor = next(c for c in CASES if c.key == "a")
    modes = [MODES["off"], MODES["on"]] if args.cache == "both" else [MODES[args.cache]]
    OUT.mkdir(exist_ok=True)
    started = time.monotonic()

    wrk = ensure_wrk()
    _, busy = busy_while(set(), time.sleep, 1.0)
    log(
        f"== machine: load average {load_average()}; {describe_busy(busy) or 'no other busy process'}"
    )
    if busy:
        log("   warning: other processes are using the CPU: the figures will be low and noisy")
    summary = prepare_database(args, server_env(args, 8000))
    resolver = next((case for case in selected if case.paths == "provenance"), None)
    if resolver is not None and not args.paths_file:
        prepare_trace(args, server_env(args, 8000), paths_file(resolver))
        summary = database_summary(server_env(args, 8000)["DATABASE_URL"])
    log(
        f"   {summary['products']} products ({summary['visible']} visible to anonymous users), "
        f"{summary['variants']} variants, {summary['batches']} batches, "
        f"{summary['events']} trace events, PostgreSQL {summary['pg']}"
    )

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    rows = []
    try:
        for position, mode in enumerate(modes):
            # The floor touches neither the database nor the cache: measured once.
            rows += measure_mode(args, mode, ([floor] if position == 0 else []) + selected, wrk)
    except KeyboardInterrupt:
        log("interrupted")
        return 130

    score(rows)
    report(args, summary, rows, started)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SetupError as error:
        print(f"bench: setup failed: {error}", file=sys.stderr, flush=True)
        sys.exit(1)

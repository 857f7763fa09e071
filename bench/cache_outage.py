#!/usr/bin/env python3
"""Latency of the product page and a provenance page while the cache's Redis is away.

Starts its own redis-server (a spare port, no persistence) and gunicorn (2 sync
workers) with CACHE_URL and LIMITS_CACHE_URL pointing to it, and measures two
pages with wrk, each in four states:

  cached    Redis up, the page in the public response cache (the default
            PUBLIC_CACHE_SECONDS): every request a hit
  uncached  Redis up, PUBLIC_CACHE_SECONDS=0 (a second gunicorn): every request
            renders the page from the database
  stopped   Redis shut down just before wrk starts
  frozen    Redis SIGSTOPped just before wrk starts (SIGCONT after)

The pages are /p/wugong-mountain-purple-rice/ (case (i) of run.py) and the
/t/ link of one batch of the resolver's data (bench/trace_load.py). While
Redis is away every response must be a 200 and /healthz must say "degraded";
after it is back /healthz must say "ok" again. The expectation: stopped and
frozen are close to uncached, not seconds (shop/core/redis_cache.py).

Figures, not a test: exits 0 when the checks hold whatever the figures, 2
when a check failed, 1 when the setup failed. Run it with
bench/cache_outage.sh; see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from cases import CASES, Case, http, verify
from common import OUT, ROOT, SetupError, log, now_stamp
from database import database_summary, prepare_database, prepare_trace
from load import ensure_wrk, parse_wrk, run_wrk
from machine import busy_while, describe_busy, load_average, machine_summary, wait_until_quiet
from report import git_commit, pad, width
from server import DATA_BASE_URL, Gunicorn, free_port, server_env

STATES = ("cached", "uncached", "stopped", "frozen")
OUTAGES = ("stopped", "frozen")
HEALTHY_IN_A_ROW = 4  # /healthz answers in a row that say "ok" (either worker may answer)
NOT_SECONDS_MS = 1000.0  # the expectation while Redis is away: p99 under a second


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="bench_provenance", help="database name")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/"),
        help="PostgreSQL server URL, without the database name",
    )
    parser.add_argument(
        "--reload", action="store_true", help="drop, recreate and load the database"
    )
    parser.add_argument("--products", type=int, default=10_000, help="load_demo --products N")
    parser.add_argument("--batches", type=int, default=1000, help="trace data: batches")
    parser.add_argument("--events", type=int, default=10, help="trace data: events each")
    parser.add_argument(
        "--broker-url",
        default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13"),
        help="the server's CELERY_BROKER_URL (not the Redis stopped here; no worker runs)",
    )
    parser.add_argument("--redis-port", type=int, default=0, help="default: a free port")
    parser.add_argument("--duration", type=int, default=5, help="seconds measured per case")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up (Redis up)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--wait-quiet",
        type=int,
        default=0,
        metavar="SECONDS",
        help="before each case, wait up to SECONDS for other processes to stop using the CPU",
    )
    return parser.parse_args(argv)


class RedisServer:
    """A redis-server of our own, in its own process group, without persistence."""

    def __init__(self, port, log_path):
        self.port, self.log_path = port, log_path
        self.process = None
        self.frozen = False

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        binary = shutil.which("redis-server")
        if not binary:
            raise SetupError("redis-server not found (apt-get install -y redis-server)")
        command = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(OUT),
            "--logfile",
            str(self.log_path),
        ]
        self.process = subprocess.Popen(  # noqa: S603
            command, stdin=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError(f"redis-server exited with {self.process.returncode}")
            if self.answers():
                return
            time.sleep(0.05)
        raise SetupError(f"redis-server did not answer on port {self.port} within 10 s")

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def freeze(self):
        os.kill(self.process.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw(self):
        if self.frozen and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
        self.frozen = False

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.thaw()
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass


def healthz(base_url):
    """/healthz's status code and answer (a dict), and how long it took in ms."""
    started = time.perf_counter()
    status, raw = http(base_url + "/healthz", timeout=10)
    elapsed = (time.perf_counter() - started) * 1000
    try:
        return status, json.loads(raw), elapsed
    except ValueError:
        return status, {"raw": raw[:200].decode(errors="replace")}, elapsed


def wait_healthy(base_url, timeout=30):
    """Wait until /healthz says "ok" HEALTHY_IN_A_ROW times (both workers recovered);
    return the seconds it took."""
    started = time.monotonic()
    in_a_row = 0
    while time.monotonic() - started < timeout:
        status, answer, _ = healthz(base_url)
        in_a_row = in_a_row + 1 if status == 200 and answer.get("status") == "ok" else 0
        if in_a_row >= HEALTHY_IN_A_ROW:
            return time.monotonic() - started
        time.sleep(0.1)
    raise SetupError(f"/healthz did not say ok within {timeout} s after Redis came back")


def provenance_case(paths):
    """The first /t/ link of the resolver's paths (bench/trace_load.py), as a case."""
    lines = paths.read_text(encoding="utf-8").splitlines()
    path = next((line for line in lines if line.startswith("/t/")), None)
    if path is None:
        raise SetupError(f"no /t/ path in {paths}")
    return Case("t", f"page {path}", path, expect_exactly=1, page_marker='class="verdict verified"')


class Bench:
    """The servers and the measurements; stop() ends every process it started."""

    def __init__(self, args, wrk, pages):
        self.args, self.wrk, self.pages = args, wrk, pages
        self.redis = RedisServer(args.redis_port or free_port(), OUT / "redis_outage.log")
        self.servers = []
        self.rows = []

    def server(self, name, cache_seconds):
        port = free_port()
        env = server_env(self.args, port, cache_seconds) | {
            "CACHE_URL": self.redis.url,
            "LIMITS_CACHE_URL": self.redis.url,
            "CELERY_BROKER_URL": self.args.broker_url,
            "PUBLIC_BASE_URL": DATA_BASE_URL,  # the trace data's, so its batch verifies
        }
        server = Gunicorn(env, port, self.args.workers, OUT / f"gunicorn_outage_{name}.log")
        self.servers.append(server)
        log(f"\n== gunicorn ({name}), {self.args.workers} sync workers, 127.0.0.1:{port}")
        server.start()
        log(f"   /healthz: {server.wait_ready()}")
        return server, f"http://127.0.0.1:{port}"

    def measure(self, server, base_url, case, state, warmup):
        args = self.args
        if args.wait_quiet:
            wait_until_quiet(args.wait_quiet, {server.process.pid, self.redis.process.pid})
        if warmup:
            run_wrk(self.wrk, case, base_url, warmup, args.threads, args.connections, None)
        if state == "stopped":
            self.redis.stop()
        elif state == "frozen":
            self.redis.freeze()
        own = {server.process.pid, self.redis.process.pid}
        (output, command), busy = busy_while(
            own,
            run_wrk,
            self.wrk,
            case,
            base_url,
            args.duration,
            args.threads,
            args.connections,
            None,
        )
        (OUT / f"wrk_outage_{case.key}_{state}.txt").write_text(output)
        row = {"page": case.path, "state": state} | parse_wrk(output)
        row["other_load"] = describe_busy(busy)
        if state in OUTAGES:
            try:  # the page itself, still while Redis is away
                row["answer"], right = verify(case, base_url), True
            except SetupError as error:
                row["answer"], right = str(error), False
            status, answer, took = healthz(base_url)
            row["healthz"] = answer.get("status", f"HTTP {status}")
            row["healthz_ms"] = round(took, 1)
            row["check"] = (
                "PASS"
                if right
                and row["non_2xx"] == 0
                and row["socket_errors"] == 0
                and status == 200
                and answer.get("status") == "degraded"
                and answer.get("cache_default") == "degraded"
                else "FAIL"
            )
            self.redis.thaw()
            if state == "stopped":
                self.redis.start()
            row["recovered_s"] = round(wait_healthy(base_url), 2)
        log(
            f"-- ({case.key}) {case.path}, {state}: wrk {command}\n"
            f"   {row['requests']} requests, {row['rps']:.1f} req/s, p50 {row['p50_ms']:.2f} ms, "
            f"p99 {row['p99_ms']:.2f} ms, non-2xx {row['non_2xx']}, "
            f"socket errors {row['socket_errors']}"
            + (
                f"; the page: {row['answer']}; /healthz {row['healthz']} in {row['healthz_ms']} ms; "
                f"ok again {row['recovered_s']} s after Redis came back"
                if state in OUTAGES
                else ""
            )
        )
        if busy:
            log(f"   warning: other processes were busy during this run: {row['other_load']}")
        self.rows.append(row)

    def run(self):
        log(f"\n== redis-server on 127.0.0.1:{self.redis.port} (no persistence)")
        self.redis.start()
        server, base_url = self.server("uncached", 0)
        for case in self.pages:
            log(f"   ({case.key}) {verify(case, base_url)}")
            self.measure(server, base_url, case, "uncached", self.args.warmup)
        server.stop()
        server, base_url = self.server("default", None)
        for case in self.pages:
            log(f"   ({case.key}) {verify(case, base_url)}")
            self.measure(server, base_url, case, "cached", self.args.warmup)
            for state in OUTAGES:
                # Each outage starts from the warm cache, and wrk sees it begin.
                self.measure(server, base_url, case, state, self.args.warmup)
            log(f"   ({case.key}) afterwards: {verify(case, base_url)}")

    def stop(self):
        self.redis.thaw()
        for server in self.servers:
            server.stop()
        self.redis.stop()


def table(rows):
    """The rows, the outages beside the uncached figures, as text and as Markdown."""
    header = ["page", "state", "req/s", "p50 ms", "p99 ms", "p50 / uncached", "non-2xx", "/healthz"]
    uncached = {r["page"]: r for r in rows if r["state"] == "uncached"}
    order = sorted(rows, key=lambda r: (r["page"], STATES.index(r["state"])))
    body = []
    for r in order:
        base = uncached.get(r["page"])
        body.append(
            [
                r["page"],
                r["state"],
                f"{r['rps']:.1f}",
                f"{r['p50_ms']:.2f}",
                f"{r['p99_ms']:.2f}",
                f"{r['p50_ms'] / base['p50_ms']:.2f}" if base and base["p50_ms"] else "-",
                str(r["non_2xx"] + r["socket_errors"]),
                r.get("healthz", "-"),
            ]
        )
    widths = [max(width(line[i]) for line in [header, *body]) for i in range(len(header))]
    numeric = {2, 3, 4, 5, 6}

    def fmt(line):
        return "  ".join(
            pad(cell, widths[i], right=i in numeric) for i, cell in enumerate(line)
        ).rstrip()

    text = [fmt(header), fmt(["-" * w for w in widths]), *map(fmt, body)]
    markdown = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if i in numeric else "---" for i in range(len(header))) + "|",
        *["| " + " | ".join(line) + " |" for line in body],
    ]
    return "\n".join(text), "\n".join(markdown)


def report(args, summary, rows, load_before, started):
    text, markdown = table(rows)
    failed = [r for r in rows if r.get("check") == "FAIL"]
    slow = [r for r in rows if r["state"] in OUTAGES and r["p99_ms"] > NOT_SECONDS_MS]
    stamp, commit, machine = now_stamp(), git_commit(), machine_summary()
    log(
        f"\n{stamp}  commit {commit}  {machine['cpus']} CPUs, load average {load_before} before "
        f"and {load_average()} after; {summary['products']} products, {summary['batches']} "
        f"batches; gunicorn {args.workers} sync workers; wrk -t {args.threads} "
        f"-c {args.connections} -d {args.duration}s\n"
    )
    log(text)
    log(
        "\nExpected: stopped and frozen close to uncached (the page rendered from the database), "
        f"not seconds (p99 under {NOT_SECONDS_MS:.0f} ms): each worker waits for Redis at most "
        "CACHE_TIMEOUT_SECONDS (0.25 s) once per CACHE_RETRY_SECONDS (5 s)."
    )
    for r in failed:
        log(
            f"FAIL: {r['page']} {r['state']}: {r['non_2xx']} non-2xx, {r['socket_errors']} "
            f"socket errors, /healthz {r['healthz']} (must be 0, 0, degraded); "
            f"the page: {r['answer']}"
        )
    for r in slow:
        log(f"note: {r['page']} {r['state']}: p99 {r['p99_ms']:.0f} ms, not under a second")
    disturbed = [r for r in rows if r["other_load"]]
    if disturbed:
        log(
            "warning: other processes used the CPU during "
            + ", ".join(f"{r['page']} {r['state']}" for r in disturbed)
        )
    log(
        f"\n({time.monotonic() - started:.0f} s in all; results in "
        "bench/out/cache_outage.json and cache_outage.md)"
    )
    results = {
        "date": stamp,
        "commit": commit,
        "machine": machine,
        "load_average": {"before": load_before, "after": load_average()},
        "database": summary,
        "settings": {
            "workers": args.workers,
            "threads": args.threads,
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
        },
        "results": rows,
    }
    (OUT / "cache_outage.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (OUT / "cache_outage.md").write_text(markdown + "\n", encoding="utf-8")
    return 2 if failed else 0


def main(argv=None):
    args = parse_args(argv)
    OUT.mkdir(exist_ok=True)
    started = time.monotonic()
    wrk = ensure_wrk()
    load_before = load_average()
    _, busy = busy_while(set(), time.sleep, 1.0)
    log(f"== machine: load average {load_before}; {describe_busy(busy) or 'no other busy process'}")
    env = server_env(args, 8000)
    prepare_database(args, env)
    paths = OUT / "paths_provenance.txt"
    prepare_trace(args, env, paths)
    summary = database_summary(env["DATABASE_URL"])
    product = next(case for case in CASES if case.key == "i")
    bench = Bench(args, wrk, [product, provenance_case(paths)])

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        bench.run()
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        bench.stop()
        log(f"gunicorn and redis-server stopped (logs in {OUT.relative_to(ROOT)}/)")
    return report(args, summary, bench.rows, load_before, started)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SetupError as error:
        print(f"bench: setup failed: {error}", file=sys.stderr, flush=True)
        sys.exit(1)

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

It prints req/s, p50 and p99 for each case, the ratio of its req/s to (a) and
whether the target is met. This is a benchmark: it exits 0 whatever the
figures, and non-zero only when the setup failed (no database, server not
starting, a query answering with errors or the wrong number of products).

Run it with bench/run.sh (which uses the project's .venv). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"  # git-ignored: request bodies, gunicorn log, last results
VENV_BIN = ROOT / ".venv" / "bin"
LUA_POST = BENCH / "post.lua"

PRODUCT_FIELDS = """
      id
      name
      slug
      thumbnail { url }
      priceRange { start { amount currency } stop { amount currency } }
      category { name }
      seller { name }
      variants { id name sku price { amount currency } stockQuantity }
"""


def products_query(arguments):
    return (
        "query BenchProducts {\n"
        f"  products({arguments}) {{\n"
        "    edges { node {" + PRODUCT_FIELDS + "    } }\n"
        "    pageInfo { hasNextPage endCursor }\n"
        "  }\n"
        "}\n"
    )


@dataclass
class Case:
    key: str
    label: str
    path: str
    query: str | None = None  # None: GET without a body
    expect_exactly: int | None = None
    expect_at_least: int | None = None
    min_rps: float | None = None
    max_p99_ms: float | None = None

    @property
    def target(self):
        parts = []
        if self.min_rps is not None:
            parts.append(f">= {self.min_rps:g} req/s")
        if self.max_p99_ms is not None:
            parts.append(f"p99 <= {self.max_p99_ms:g} ms")
        return ", ".join(parts) or "(floor)"

    def verdict(self, rps, p99_ms):
        if self.min_rps is None and self.max_p99_ms is None:
            return "-"
        ok = (self.min_rps is None or rps >= self.min_rps) and (
            self.max_p99_ms is None or p99_ms <= self.max_p99_ms
        )
        return "PASS" if ok else "MISS"


CASES = [
    Case("a", "GET /ping (no database)", "/ping"),
    Case(
        "b",
        "products(first: 20)",
        "/graphql/",
        products_query("first: 20"),
        expect_exactly=20,
        min_rps=200,
        max_p99_ms=100,
    ),
    Case(
        "c",
        "products(first: 100)",
        "/graphql/",
        products_query("first: 100"),
        expect_exactly=100,
        min_rps=40,
    ),
    Case(
        "d",
        'products(first: 20, search: "紫米")',
        "/graphql/",
        products_query('first: 20, filter: {search: "紫米"}'),
        expect_at_least=1,
        min_rps=100,
    ),
]


class SetupError(Exception):
    """The benchmark could not run; the message says why."""


def log(message=""):
    print(message, flush=True)


# --------------------------------------------------------------------------- database


def admin_connect(pg_url):
    import psycopg

    try:
        return psycopg.connect(pg_url.rstrip("/") + "/postgres", autocommit=True, connect_timeout=5)
    except psycopg.Error as error:
        raise SetupError(f"cannot connect to PostgreSQL at {pg_url}: {error}") from error


def load_marker(products):
    return f"bench: load_demo --products {products} complete"


def database_state(pg_url, name):
    """(exists, comment) for the database `name`."""
    with admin_connect(pg_url) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
    return (row is not None, (row[0] or "") if row else "")


def recreate_database(pg_url, name):
    from psycopg import sql

    with admin_connect(pg_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
                sql.Identifier(name)
            )
        )


def mark_loaded(pg_url, name, products):
    from psycopg import sql

    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    with admin_connect(pg_url) as conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(f"{load_marker(products)} at {stamp}")
            )
        )


def database_summary(database_url):
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        products, published, variants = conn.execute(
            "SELECT (SELECT count(*) FROM catalog_product),"
            " (SELECT count(*) FROM catalog_product p JOIN catalog_seller s ON s.id = p.seller_id"
            "   WHERE p.is_published AND s.is_verified),"
            " (SELECT count(*) FROM catalog_productvariant)"
        ).fetchone()
        version = conn.execute("SHOW server_version").fetchone()[0]
    return {"products": products, "visible": published, "variants": variants, "pg": version}


def manage(env, *arguments):
    command = [str(VENV_BIN / "python"), "manage.py", *arguments]
    log(f"$ {' '.join(command[1:])}")
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env)  # noqa: S603
    if result.returncode != 0:
        raise SetupError(f"`manage.py {' '.join(arguments)}` failed (exit {result.returncode})")
    return time.monotonic() - started


def prepare_database(args, env):
    database_url = env["DATABASE_URL"]
    exists, comment = database_state(args.pg_url, args.db)
    reason = None
    if args.reload:
        reason = "--reload given"
    elif not exists:
        reason = "database missing"
    elif not comment.startswith(load_marker(args.products)):
        reason = f"database not marked as loaded with --products {args.products}"
    if reason is None:
        log(f"database {args.db}: loaded earlier ({comment}); --reload to load again")
        manage(env, "migrate", "--noinput", "-v", "0")
    else:
        if not (ROOT / "catalog/management/commands/load_demo.py").exists():
            raise SetupError(
                "catalog/management/commands/load_demo.py does not exist yet: cannot load data"
            )
        log(f"database {args.db}: (re)creating and loading ({reason})")
        recreate_database(args.pg_url, args.db)
        manage(env, "migrate", "--noinput", "-v", "0")
        # A benchmark database, never production: the demo logins it creates do not matter.
        seconds = manage(
            env, "load_demo", "--products", str(args.products), "--allow-without-debug"
        )
        log(f"loaded in {seconds:.0f} s")
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        mark_loaded(args.pg_url, args.db, args.products)
    summary = database_summary(database_url)
    if summary["products"] < args.products:
        raise SetupError(
            f"the database holds {summary['products']} products, fewer than {args.products}; "
            "run with --reload"
        )
    return summary


# --------------------------------------------------------------------------- server


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, env, port, workers, log_path):
        self.env, self.port, self.workers, self.log_path = env, port, workers, log_path
        self.process = None

    def start(self):
        gunicorn = VENV_BIN / "gunicorn"
        if not gunicorn.exists():
            raise SetupError(f"{gunicorn} not found: run scripts/bootstrap")
        command = [
            str(gunicorn),
            "shop.wsgi:application",
            "-w",
            str(self.workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "--error-logfile",
            str(self.log_path),
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ]
        log(f"$ .venv/bin/gunicorn {' '.join(command[1:])}")
        self.log_path.write_text("")
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped as one below
        )

    def wait_ready(self, timeout=60):
        url = f"http://127.0.0.1:{self.port}/healthz"
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError(
                    f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return json.loads(response.read())
            except (urllib.error.URLError, OSError, ValueError) as error:
                last = error
            time.sleep(0.2)
        raise SetupError(
            f"/healthz did not answer 200 within {timeout} s ({last}):\n{self.log_tail()}"
        )

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# --------------------------------------------------------------------------- requests


def http(url, body=None, timeout=30):
    data = body.encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")  # noqa: S310
    if data:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def request_body(case):
    return json.dumps({"query": case.query}, ensure_ascii=False)


def verify(case, base_url):
    """Check one request of `case`; return a short description or raise SetupError."""
    url = base_url + case.path
    started = time.perf_counter()
    status, raw = http(url, request_body(case) if case.query else None)
    elapsed_ms = (time.perf_counter() - started) * 1000
    prefix = f"({case.key}) {case.label}"
    if status != 200:
        raise SetupError(f"{prefix}: HTTP {status}: {raw[:500]!r}")
    try:
        payload = json.loads(raw)
    except ValueError as error:
        raise SetupError(f"{prefix}: not JSON: {raw[:300]!r}") from error
    if case.query is None:
        if payload != {"pong": True}:
            raise SetupError(f"{prefix}: unexpected answer {payload!r}")
        return f"200, {len(raw)} bytes, {elapsed_ms:.1f} ms"
    if payload.get("errors"):
        raise SetupError(
            f"{prefix}: errors: {json.dumps(payload['errors'], ensure_ascii=False)[:800]}"
        )
    try:
        edges = payload["data"]["products"]["edges"]
    except (KeyError, TypeError) as error:
        raise SetupError(f"{prefix}: no data.products.edges in {raw[:300]!r}") from error
    count = len(edges)
    if case.expect_exactly is not None and count != case.expect_exactly:
        raise SetupError(f"{prefix}: {count} products returned, expected {case.expect_exactly}")
    if case.expect_at_least is not None and count < case.expect_at_least:
        raise SetupError(
            f"{prefix}: {count} products returned, expected at least {case.expect_at_least}"
        )
    variants = sum(len(edge["node"]["variants"]) for edge in edges)
    thumbnails = sum(1 for edge in edges if edge["node"]["thumbnail"])
    return (
        f"200, {count} products, {variants} variants, {thumbnails} thumbnails, "
        f"{len(raw)} bytes, {elapsed_ms:.1f} ms"
    )


# --------------------------------------------------------------------------- wrk


def ensure_wrk():
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if not shutil.which("apt-get"):
        raise SetupError("wrk is not installed and apt-get is not available")
    log("wrk missing: apt-get install -y wrk")
    apt = shutil.which("apt-get")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT}
    if subprocess.run([apt, "install", "-y", "wrk"], **quiet).returncode != 0:  # noqa: S603
        subprocess.run([apt, "update"], **quiet)  # noqa: S603
        subprocess.run([apt, "install", "-y", "wrk"], **quiet)  # noqa: S603
    if not shutil.which("wrk"):
        raise SetupError("could not install wrk (apt-get install -y wrk)")
    return shutil.which("wrk")


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise ValueError(text)
    return float(match[1]) * UNITS_MS[match[2]]


def parse_wrk(output):
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"^\s+(\d+) requests in ([\d.]+\w+)", output, re.M)
    if not (rps and p50 and p99 and total):
        raise SetupError(f"could not parse wrk's output:\n{output}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "rps": float(rps[1]),
        "p50_ms": _ms(p50[1]),
        "p99_ms": _ms(p99[1]),
        "requests": int(total[1]),
        "non_2xx": int(non2xx[1]) if non2xx else 0,
        "socket_errors": sum(map(int, sockets.groups())) if sockets else 0,
    }


def run_wrk(wrk, case, base_url, seconds, threads, connections, body_file):
    command = [
        wrk,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    env = dict(os.environ)
    if case.query is not None:
        command += ["-s", str(LUA_POST)]
        env["BENCH_BODY_FILE"] = str(body_file)
    command.append(base_url + case.path)
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise SetupError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    return result.stdout, " ".join(command[1:])


# --------------------------------------------------------------------------- other load

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_snapshot():
    """{pid: (name, cpu seconds so far, process group)} for every process (Linux /proc)."""
    snapshot = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
            name = raw[raw.index("(") + 1 : raw.rindex(")")]
            fields = raw[raw.rindex(")") + 2 :].split()
            pgrp = int(fields[2])
            seconds = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        snapshot[int(entry.name)] = (cmdline.strip()[:80] or name, seconds, pgrp, name)
    return snapshot


def other_cpu(before, after, elapsed, own_groups):
    """Processes outside the benchmark that used more than 10 % of a CPU between snapshots.

    The benchmark's own load is left out: this process, gunicorn's process group,
    wrk, and PostgreSQL (its backends serve the benchmark).
    """
    busy = []
    for pid, (label, seconds, pgrp, name) in after.items():
        if pid == os.getpid() or pgrp in own_groups or name == "wrk" or name.startswith("postgres"):
            continue
        used = seconds - (before[pid][1] if pid in before else 0.0)
        if pid not in before:
            used = min(used, elapsed)  # started during the window
        if elapsed > 0 and used / elapsed > 0.10:
            busy.append((used / elapsed, label))
    return sorted(busy, reverse=True)


def wait_until_quiet(limit, own_groups):
    """Wait up to `limit` seconds for other processes to leave the CPU alone for 2 s."""
    deadline = time.monotonic() + limit
    told = False
    while True:
        before, clock = cpu_snapshot(), time.monotonic()
        time.sleep(2.0)
        busy = other_cpu(before, cpu_snapshot(), time.monotonic() - clock, own_groups)
        if not busy:
            return True
        if time.monotonic() >= deadline:
            log(f"   still busy after {limit} s ({describe_busy(busy)}); measuring anyway")
            return False
        if not told:
            log(f"   waiting for a quiet machine ({describe_busy(busy)})")
            told = True


def describe_busy(busy):
    return "; ".join(f"{share:.0%} of a CPU: {label}" for share, label in busy[:3])


def load_average():
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


# --------------------------------------------------------------------------- report


def machine_summary():
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model or platform.processor(),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def git_commit():
    git = shutil.which("git")
    if not git:
        return "?"
    try:
        out = subprocess.run(  # noqa: S603
            [git, "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(  # noqa: S603
            [git, "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except OSError:
        return "?"


def width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text, size, right=False):
    fill = " " * (size - width(text))
    return fill + text if right else text + fill


def table(rows):
    header = ["case", "cache", "req/s", "p50 ms", "p99 ms", "vs (a)", "non-2xx", "target", "result"]
    body = [
        [
            f"({r['key']}) {r['label']}",
            r["cache"],
            f"{r['rps']:.1f}",
            f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
            f"{r['ratio']:.3f}",
            str(r["non_2xx"] + r["socket_errors"]),
            r["target"],
            r["verdict"],
        ]
        for r in rows
    ]
    widths = [max(width(line[i]) for line in [header, *body]) for i in range(len(header))]
    numeric = {2, 3, 4, 5, 6}

    def fmt(line):
        return "  ".join(
            pad(cell, widths[i], right=i in numeric) for i, cell in enumerate(line)
        ).rstrip()

    text = [fmt(header), fmt(["-" * w for w in widths]), *[fmt(line) for line in body]]
    markdown = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if i in numeric else "---" for i in range(len(header))) + "|",
        *["| " + " | ".join(line) + " |" for line in body],
    ]
    return "\n".join(text), "\n".join(markdown)


# --------------------------------------------------------------------------- main


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
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument(
        "--cases", default="abcd", help="which cases to run (a is always run: it is the floor)"
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
    args = parser.parse_args(argv)
    if args.duration < 10:
        log(f"note: --duration {args.duration} is shorter than the 10 s the figures call for")
    return args


def server_env(args, port, cache_seconds=None):
    """The server's environment; `cache_seconds` sets PUBLIC_CACHE_SECONDS (None: the default)."""
    env = dict(os.environ)
    env.pop("PUBLIC_CACHE_SECONDS", None)
    if cache_seconds is not None:
        env["PUBLIC_CACHE_SECONDS"] = str(cache_seconds)
    env.update(
        DJANGO_SETTINGS_MODULE="shop.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",  # noqa: S106
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"{args.pg_url.rstrip('/')}/{args.db}",
        CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        MEDIA_ROOT=str(OUT / "media"),
        # The embedded defaults, whatever the calling shell has set.
        CELERY_BROKER_URL="",
        CELERY_RESULT_BACKEND="",
        ELASTICSEARCH_URL="",
        CACHE_URL="locmemcache://",
        PYTHONDONTWRITEBYTECODE="1",
        # No STATIC_ROOT is collected for the benchmark; whitenoise warns about it.
        PYTHONWARNINGS="ignore:No directory at:UserWarning",
    )
    return env


@dataclass
class Mode:
    name: str
    cache_seconds: int | None  # PUBLIC_CACHE_SECONDS for the server; None: the settings' default
    description: str


MODES = {
    "off": Mode(
        "off",
        0,
        "public response cache off (PUBLIC_CACHE_SECONDS=0): every request runs the query",
    ),
    "on": Mode(
        "on",
        None,
        "public response cache as configured by default: after the first request of each "
        "worker, the same anonymous query is answered from the cache",
    ),
}


def measure_mode(args, mode, cases, wrk, summary_rows):
    """Start gunicorn for `mode`, check and measure `cases`, stop it; append rows."""
    port = args.port or free_port()
    env = server_env(args, port, mode.cache_seconds)
    base_url = f"http://127.0.0.1:{port}"
    server = Gunicorn(env, port, args.workers, OUT / f"gunicorn_cache_{mode.name}.log")
    log(f"\n== cache {mode.name}: {mode.description}")
    try:
        log(f"   gunicorn, {args.workers} sync workers, {base_url}")
        server.start()
        health = server.wait_ready()
        log(f"   /healthz: {health}")
        log("   checking every case once:")
        for case in cases:
            log(f"     ({case.key}) {case.label}: {verify(case, base_url)}")
        for case in cases:
            body_file = OUT / f"body_{case.key}.json"
            if case.query is not None:
                body_file.write_text(request_body(case), encoding="utf-8")
            log(f"-- ({case.key}) {case.label}, cache {mode.name}")
            attempts = 1 + args.retries
            for attempt in range(1, attempts + 1):
                if args.wait_quiet:
                    wait_until_quiet(args.wait_quiet, {server.process.pid})
                if args.warmup:
                    run_wrk(
                        wrk, case, base_url, args.warmup, args.threads, args.connections, body_file
                    )
                before, clock = cpu_snapshot(), time.monotonic()
                output, command = run_wrk(
                    wrk, case, base_url, args.duration, args.threads, args.connections, body_file
                )
                busy = other_cpu(
                    before, cpu_snapshot(), time.monotonic() - clock, {server.process.pid}
                )
                figures = parse_wrk(output)
                figures["other_load"] = describe_busy(busy)
                if not busy:
                    break
                log(f"   warning: other processes were busy during this run: {describe_busy(busy)}")
                if attempt < attempts:
                    log(f"   measuring again ({attempt + 1} of {attempts})")
            after = verify(case, base_url)  # still correct after the load
            log(
                f"   wrk {command}\n"
                f"   {figures['requests']} requests, {figures['rps']:.1f} req/s, "
                f"p50 {figures['p50_ms']:.2f} ms, p99 {figures['p99_ms']:.2f} ms, "
                f"non-2xx {figures['non_2xx']}, socket errors {figures['socket_errors']}; "
                f"afterwards: {after}"
            )
            (OUT / f"wrk_{case.key}_cache_{mode.name}.txt").write_text(output)
            summary_rows.append(
                {
                    "key": case.key,
                    "label": case.label,
                    "cache": mode.name,
                    "target": case.target,
                    **figures,
                }
            )
    finally:
        server.stop()
        log("   gunicorn stopped")
        warnings = server.log_tail(10)
        if warnings.strip():
            log(f"   last lines of {server.log_path.relative_to(ROOT)}:\n{warnings}")


def main(argv=None):
    args = parse_args(argv)
    selected = [c for c in CASES if c.key != "a" and c.key in args.cases]
    floor = next(c for c in CASES if c.key == "a")
    modes = [MODES["off"], MODES["on"]] if args.cache == "both" else [MODES[args.cache]]
    OUT.mkdir(exist_ok=True)
    started = time.monotonic()

    wrk = ensure_wrk()
    before, clock = cpu_snapshot(), time.monotonic()
    time.sleep(1.0)
    busy = other_cpu(before, cpu_snapshot(), time.monotonic() - clock, set())
    log(
        f"== machine: load average {load_average()}; {describe_busy(busy) or 'no other busy process'}"
    )
    if busy:
        log("   warning: other processes are using the CPU: the figures will be low and noisy")
    summary = prepare_database(args, server_env(args, 8000))
    log(
        f"   {summary['products']} products ({summary['visible']} visible to anonymous users), "
        f"{summary['variants']} variants, PostgreSQL {summary['pg']}"
    )

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    rows = []
    try:
        for position, mode in enumerate(modes):
            # The floor touches neither the database nor the cache: measured once.
            measure_mode(args, mode, ([floor] if position == 0 else []) + selected, wrk, rows)
    except KeyboardInterrupt:
        log("interrupted")
        return 130

    floor_rps = rows[0]["rps"]
    by_key = {c.key: c for c in CASES}
    for row in rows:
        row["ratio"] = row["rps"] / floor_rps if floor_rps else 0.0
        row["verdict"] = by_key[row["key"]].verdict(row["rps"], row["p99_ms"])

    machine = machine_summary()
    text, markdown = table(rows)
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    log()
    log(
        f"{stamp}  commit {git_commit()}  {machine['cpus']} CPUs ({machine['cpu_model']}), "
        f"Python {machine['python']}, PostgreSQL {summary['pg']}"
    )
    log(
        f"{summary['products']} products / {summary['variants']} variants; gunicorn "
        f"{args.workers} sync workers; wrk -t {args.threads} -c {args.connections} "
        f"-d {args.duration}s (after {args.warmup} s warm-up); wrk, gunicorn and PostgreSQL "
        "share the machine"
    )
    log()
    log(text)
    disturbed = [r for r in rows if r.get("other_load")]
    if disturbed:
        log(
            "\nwarning: other processes used the CPU during "
            + ", ".join(f"({r['key']}, cache {r['cache']})" for r in disturbed)
            + ": those figures understate the API; run again on a quiet machine"
        )
    non_ok = sum(r["non_2xx"] + r["socket_errors"] for r in rows)
    if non_ok:
        log(
            f"\nwarning: {non_ok} non-2xx responses or socket errors during the runs "
            "(see bench/out/wrk_*.txt)"
        )
    log(
        f"\n({time.monotonic() - started:.0f} s in all; "
        "results in bench/out/results.json and results.md)"
    )

    (OUT / "results.json").write_text(
        json.dumps(
            {
                "date": stamp,
                "commit": git_commit(),
                "machine": machine,
                "database": summary,
                "settings": {
                    "workers": args.workers,
                    "threads": args.threads,
                    "connections": args.connections,
                    "duration_s": args.duration,
                    "warmup_s": args.warmup,
                },
                "results": rows,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    (OUT / "results.md").write_text(markdown + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SetupError as error:
        print(f"bench: setup failed: {error}", file=sys.stderr, flush=True)
        sys.exit(1)

#!/usr/bin/env python3
"""The trace log's costs (issue 22), each beside its target, in one run.

On a PostgreSQL database holding a log of a million leaves (bench/log_data.py,
loaded once and kept), `--rounds` times:

  a  GET /ping on gunicorn: the floor, measured beside l and m
  l  GET /trace/log/proof/inclusion?index=<random>&size=<signed size>:
     p50 <= 5 ms one request at a time; req/s beside (a) under load
  m  GET /trace/log/proof/consistency?old=<random, <= size/1000>&new=<size>
  v  verify_batch of a 1,000-event batch in that log, its leaves spread over
     the log (LOG-SPREAD) and in a row at its end (LOG-END): <= 200 ms; and of
     a 1,000-event batch in a small log and before the log (bench/verify_cpu.py)
  r  the CPU of recording one event (record_event; Django and its PostgreSQL
     backend, bench/record_cpu.py) at this commit and at `--before`, the
     commit before the log, in a git worktree of it: p50 <= 2 ms more

It prints the median of the rounds beside each target. Figures, not a test:
it exits 0 whatever they are, non-zero only when the setup failed (no
database or broker, the server did not start, a proof did not verify).
Run it with bench/trace_log.sh; see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from cases import CASES, Case, http, paths_file
from common import BENCH, OUT, ROOT, VENV_BIN, SetupError, log, now_stamp
from database import database_state, manage, recreate_database, set_comment
from load import ensure_wrk, parse_wrk, run_wrk
from machine import (
    busy_while,
    cpu_snapshot,
    describe_busy,
    load_average,
    machine_summary,
    wait_until_quiet,
)
from server import Gunicorn, free_port, server_env

ORIGIN = "bench.example/trace"  # fixed, so checkpoints signed in one run open in the next
BASE_URL = "https://bench.example"  # in the events' documents: the same at every run
PROOF_MS = 5.0
VERIFY_MS = 200.0
RECORD_EXTRA_MS = 2.0
FLOOR = next(case for case in CASES if case.key == "a")
INCLUSION = Case("l", "inclusion proof, random leaf", "/", paths="log_inclusion")
CONSISTENCY = Case("m", "consistency proof, old <= size/1000", "/", paths="log_consistency")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="bench_trace_log", help="database name (and prefix)")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/"),
        help="PostgreSQL server URL, without the database name",
    )
    parser.add_argument(
        "--broker",
        default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13"),
        help="Celery broker (Redis) recording sends its tasks to; no worker runs, the "
        "queue is emptied after each recording",
    )
    parser.add_argument("--reload", action="store_true", help="drop and load the log again")
    parser.add_argument("--leaves", type=int, default=1_000_000, help="leaves before LOG-END")
    parser.add_argument("--checkpoints", type=int, default=10, help="checkpoints over them")
    parser.add_argument("--rounds", type=int, default=3, help="times each figure is measured")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per wrk run")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads under load")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections under load")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--verify-repeats", type=int, default=5, help="verify_batch per round")
    parser.add_argument("--record-events", type=int, default=200, help="events per recording")
    parser.add_argument(
        "--before", default="f00b45d", help="the commit before the log, for the recording"
    )
    parser.add_argument(
        "--wait-quiet",
        type=int,
        default=0,
        metavar="SECONDS",
        help="before each measurement, wait up to SECONDS for other processes to leave the CPU",
    )
    return parser.parse_args(argv)


def data_env(args):
    """The environment of the loading, the verification and the recordings."""
    env = server_env(args, 0) | {
        "TRACE_LOG_ORIGIN": ORIGIN,
        "PUBLIC_BASE_URL": BASE_URL,
        "CELERY_BROKER_URL": args.broker,
    }
    env.pop("CELERY_RESULT_BACKEND")
    return env


def marker(args):
    return f"bench: trace log of {args.leaves} leaves, {args.checkpoints} checkpoints complete"


def prepare_log(args, env):
    """Load the log unless the database's comment says it is there; then set up Django here."""
    exists, comment = database_state(args.pg_url, args.db)
    loading = args.reload or marker(args) not in comment
    if loading:
        log(f"database {args.db}: {'--reload given' if exists else 'missing'}: loading the log")
        recreate_database(args.pg_url, args.db)
    manage(env, "migrate", "--noinput", "-v", "0")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import log_data

    if loading:
        started = time.monotonic()
        log_data.build(args.leaves, args.checkpoints)
        purge(args.broker)
        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        set_comment(args.pg_url, args.db, f"{marker(args)} at {now_stamp()}")
        log(f"log loaded in {time.monotonic() - started:.0f} s")
    else:
        log(f"database {args.db}: log loaded earlier ({comment}); --reload to load again")
    return log_data


def purge(broker):
    """Empty the broker's queue of the tasks recording sent (no worker runs)."""
    import redis

    redis.Redis.from_url(broker).delete("celery")


def write_paths(log_data, count=10_000):
    inclusion, consistency = log_data.proof_paths(count)
    paths_file(INCLUSION).write_text("\n".join(inclusion) + "\n")
    paths_file(CONSISTENCY).write_text("\n".join(consistency) + "\n")
    log(f"   {count} paths each in {paths_file(INCLUSION).name}, {paths_file(CONSISTENCY).name}")


def check_proofs(log_data, base_url):
    """Three answers of each endpoint, verified here against the signed roots."""
    for case, check in ((INCLUSION, log_data.check_inclusion), (CONSISTENCY, log_data.check_consistency)):  # fmt: skip
        for path in paths_file(case).read_text().splitlines()[:3]:
            status, raw = http(base_url + path)
            if status != 200 or not check(json.loads(raw)):
                raise SetupError(
                    f"({case.key}) {path}: HTTP {status}, not a valid proof: {raw[:300]!r}"
                )
        log(f"   ({case.key}) {case.label}: 3 answers verified against the signed roots")


# --- the worktree of the commit before ------------------------------------------------------


def before_checkout(commit):
    """A git worktree of `commit` in bench/out, sharing this checkout's virtualenv."""
    path = OUT / f"before-{commit}"
    if not (path / "manage.py").exists():
        log(f"$ git worktree add --detach {path.relative_to(ROOT)} {commit}")
        subprocess.run(  # noqa: S603
            ["git", "worktree", "add", "--detach", str(path), commit],  # noqa: S607
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
    venv = path / ".venv"
    if not venv.exists():
        venv.symlink_to((ROOT / ".venv").resolve())
    return path


def record_databases(args, env, before):
    """Database per code for the recordings, created when missing and migrated by that code."""
    found = {}
    for side, root in (("before", before), ("after", ROOT)):
        name = f"{args.db}_rec_{side}"
        exists, _comment = database_state(args.pg_url, name)
        if not exists:
            recreate_database(args.pg_url, name)
        url = f"{args.pg_url.rstrip('/')}/{name}"
        subprocess.run(  # noqa: S603
            [str(VENV_BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=root, env=env | {"DATABASE_URL": url}, check=True,
        )  # fmt: skip
        found[side] = url
    return found


def at_commit(script, root, env, broker, *arguments):
    """Run bench/`script` with the code of `root`; its figures (one JSON line)."""
    command = [str(VENV_BIN / "python"), str(BENCH / script), "--root", str(root), *arguments]
    run_env = env | {"CELERY_BROKER_URL": broker}
    result = subprocess.run(command, cwd=root, env=run_env, capture_output=True, text=True)  # noqa: S603
    if broker:
        purge(broker)
    if result.returncode != 0:
        raise SetupError(f"{script} at {root} failed:\n{result.stderr[-2000:]}")
    figures = json.loads(result.stdout.splitlines()[-1])
    if not Path(figures["code"]).is_relative_to(root):
        raise SetupError(f"{script} ran {figures['code']}, not the code of {root}")
    return figures


def record(args, env, root, database_url, broker):
    """One bench/record_cpu.py run; its figures (ms)."""
    return at_commit(
        "record_cpu.py", root, env | {"DATABASE_URL": database_url}, broker,
        "--events", str(args.record_events),
    )  # fmt: skip


def verify_elsewhere(args, env, root, database_url):
    """One bench/verify_cpu.py run: verify_batch of its 1,000-event batch (ms)."""
    return at_commit(
        "verify_cpu.py", root, env | {"DATABASE_URL": database_url}, args.broker,
        "--repeats", str(args.verify_repeats),
    )  # fmt: skip


# --- measuring ------------------------------------------------------------------------------


def server_cpu(server):
    """(gunicorn's CPU seconds so far, {backend pid: its CPU ns so far}) for the
    PostgreSQL backends of this database but this process's: what serving costs,
    whatever else the machine runs."""
    from django.db import connection

    workers = sum(
        seconds for _label, seconds, group, _name in cpu_snapshot().values()
        if group == server.process.pid
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    backends = {}
    for pid in pids:
        try:
            backends[pid] = int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except OSError:
            continue
    return workers, backends


def cpu_per_request(before, after, requests):
    """Milliseconds of gunicorn's and of PostgreSQL's CPU per request between two `server_cpu`."""
    workers = (after[0] - before[0]) * 1000 / requests
    backends = sum(ns - before[1].get(pid, 0) for pid, ns in after[1].items()) / 1e6 / requests
    return round(workers, 3), round(backends, 3)


def median(values):
    return statistics.median(values) if values else float("nan")


class Rounds:
    """Every measurement, by what it measured; `median` over the rounds."""

    def __init__(self):
        self.rows = []

    def add(self, **row):
        self.rows.append(row)
        return row

    def of(self, **keys):
        return [r for r in self.rows if all(r.get(k) == v for k, v in keys.items())]

    def median(self, field, **keys):
        return median([r[field] for r in self.of(**keys)])


def measure(args, rounds, number, wrk, server, base_url, own, log_data, before, databases, env):
    def quiet():
        if args.wait_quiet:
            wait_until_quiet(args.wait_quiet, own)

    def noted(what, busy):
        if busy:
            log(f"   while {what}, other processes were busy: {describe_busy(busy)}")
        return describe_busy(busy)

    for connections, threads in ((1, 1), (args.connections, args.threads)):
        for case in (FLOOR, INCLUSION, CONSISTENCY):
            paths = paths_file(case) if case.paths else None

            def run(seconds, case=case, threads=threads, connections=connections, paths=paths):
                return run_wrk(wrk, case, base_url, seconds, threads, connections, None, paths)

            quiet()
            if args.warmup:
                run(args.warmup)
            cpu_before = server_cpu(server)
            (output, command), busy = busy_while(own, run, args.duration)
            figures = parse_wrk(output)
            figures["cpu_ms"], figures["pg_ms"] = cpu_per_request(
                cpu_before, server_cpu(server), figures["requests"]
            )
            if figures["non_2xx"] or figures["socket_errors"]:
                raise SetupError(f"({case.key}) {figures['non_2xx']} non-2xx answers: {output}")
            row = rounds.add(
                kind="http", round=number, case=case.key, connections=connections,
                busy=noted(f"({case.key}) -c {connections}", busy), **figures,
            )  # fmt: skip
            log(f"   ({case.key}) {case.label}, -c {connections}: {row['rps']:.1f} req/s, "
                f"p50 {row['p50_ms']:.2f} ms, p99 {row['p99_ms']:.2f} ms; CPU a request: "
                f"gunicorn {row['cpu_ms']:.2f} ms, PostgreSQL {row['pg_ms']:.2f} ms")  # fmt: skip
    for lot in (log_data.SPREAD_LOT, log_data.END_LOT):
        quiet()
        verified, busy = busy_while(own, log_data.verify, lot, args.verify_repeats)
        row = rounds.add(
            kind="verify", round=number, lot=lot, events=verified.events,
            first_leaf=verified.first_leaf, first_ms=verified.times_ms[0],
            median_ms=median(verified.times_ms), verdict=verified.verdict,
            busy=noted(f"verifying {lot}", busy),
        )  # fmt: skip
        log(f"   (v) verify_batch {lot}, {verified.events} events from leaf "
            f"{verified.first_leaf}: median {row['median_ms']:.0f} ms of {args.verify_repeats}, "
            f"first {row['first_ms']:.0f} ms, {verified.verdict}")  # fmt: skip
    for side, root, database_url in (("before", before, databases["before"]),
                                      ("after, small log", ROOT, databases["after"])):  # fmt: skip
        quiet()
        figures, busy = busy_while(own, verify_elsewhere, args, env, root, database_url)
        lot = f"VERIFY-1000 {side}"
        row = rounds.add(
            kind="verify", round=number, lot=lot, events=figures["events"], first_leaf="-",
            first_ms=figures["wall_ms"][0], median_ms=median(figures["wall_ms"]),
            verdict=figures["verdict"], busy=noted(f"verifying {lot}", busy),
        )  # fmt: skip
        log(f"   (v) verify_batch {lot}, {figures['events']} events: median "
            f"{row['median_ms']:.0f} ms of {args.verify_repeats}, first {row['first_ms']:.0f} ms, "
            f"{figures['verdict']}")  # fmt: skip
    plans = [
        ("before", "broker", before, databases["before"], args.broker),
        ("after", "broker", ROOT, databases["after"], args.broker),
        ("after, 1M log", "broker", ROOT, env["DATABASE_URL"], args.broker),
        ("after", "no broker", ROOT, databases["after"], ""),
        ("before", "no broker", before, databases["before"], ""),
    ]
    for side, mode, root, database_url, broker in plans:
        quiet()
        figures, busy = busy_while(own, record, args, env, root, database_url, broker)
        row = rounds.add(
            kind="record", round=number, side=side, mode=mode,
            busy=noted(f"recording ({side}, {mode})", busy), **figures,
        )  # fmt: skip
        log(f"   (r) record_event, {side}, {mode}: CPU p50 {figures['total']['p50']:.2f} ms "
            f"(Django {figures['django']['p50']:.2f}, PostgreSQL {figures['postgres']['p50']:.2f})")  # fmt: skip


# --- the report -----------------------------------------------------------------------------


def verdict(met):
    return "PASS" if met else "MISS"


def report(args, rounds, started_at, machine, load_before):
    lines = [
        f"bench/trace_log.py {started_at}, commit {commit_of(ROOT)}, {machine['cpus']} CPUs, "
        f"load average {load_before} before, {load_average()} after; medians of "
        f"{args.rounds} rounds",
        "",
        "| case | connections | req/s | vs (a) | p50 ms | p99 ms | CPU ms: gunicorn / PostgreSQL | target | result |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for connections in (1, args.connections):
        for case in (FLOOR, INCLUSION, CONSISTENCY):
            keys = {"kind": "http", "case": case.key, "connections": connections}
            ratios = [
                row["rps"] / rounds.of(kind="http", case="a", connections=connections, round=row["round"])[0]["rps"]
                for row in rounds.of(**keys)
            ]  # fmt: skip
            p50 = rounds.median("p50_ms", **keys)
            target, result = "-", "-"
            if case is not FLOOR and connections == 1:
                target, result = f"p50 <= {PROOF_MS:g} ms", verdict(p50 <= PROOF_MS)
            lines.append(
                f"| ({case.key}) {case.label} | {connections} | {rounds.median('rps', **keys):.1f} | "
                f"{median(ratios):.3f} | {p50:.2f} | {rounds.median('p99_ms', **keys):.2f} | "
                f"{rounds.median('cpu_ms', **keys):.2f} / {rounds.median('pg_ms', **keys):.2f} | "
                f"{target} | {result} |"
            )
    lines += ["", "| verify_batch, 1,000 events | first leaf | median ms | first ms (round 1) | target | result |",
              "|---|---:|---:|---:|---|---|"]  # fmt: skip
    for lot in dict.fromkeys(row["lot"] for row in rounds.of(kind="verify")):
        rows = rounds.of(kind="verify", lot=lot)
        value = median([row["median_ms"] for row in rows])
        lines.append(
            f"| {lot} ({rows[0]['verdict']}) | {rows[0]['first_leaf']} | {value:.0f} | "
            f"{rows[0]['first_ms']:.0f} | <= {VERIFY_MS:g} ms | {verdict(value <= VERIFY_MS)} |"
        )
    lines += ["", "| record_event CPU per event, ms | mode | p50 total | p50 Django | p50 PostgreSQL | p90 total | mean total |",
              "|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for side, mode in sorted({(row["side"], row["mode"]) for row in rounds.of(kind="record")}):
        rows = rounds.of(kind="record", side=side, mode=mode)
        lines.append(
            f"| {side} | {mode} | "
            + " | ".join(
                f"{median([row[part][stat] for row in rows]):.2f}"
                for part, stat in (
                    ("total", "p50"),
                    ("django", "p50"),
                    ("postgres", "p50"),
                    ("total", "p90"),
                    ("total", "mean"),
                )
            )  # fmt: skip
            + " |"
        )
    lines.append("")
    for mode in ("broker", "no broker"):
        pairs = [
            (after["total"]["p50"], before["total"]["p50"])
            for before in rounds.of(kind="record", side="before", mode=mode)
            for after in rounds.of(kind="record", side="after", mode=mode, round=before["round"])
        ]
        if pairs:
            extra = median([after - before for after, before in pairs])
            lines.append(
                f"record_event, {mode}: p50 {median([a for a, _b in pairs]):.2f} ms after, "
                f"{median([b for _a, b in pairs]):.2f} ms before; after - before in the same "
                f"round: {extra:+.2f} ms (median of {len(pairs)}); target <= "
                f"+{RECORD_EXTRA_MS:g} ms: {verdict(extra <= RECORD_EXTRA_MS)}"
            )
    disturbed = [row for row in rounds.rows if row.get("busy")]
    lines.append("")
    lines.append(
        f"{len(disturbed)} of {len(rounds.rows)} measurements ran while another process used "
        "over 10 % of a CPU (each is named in the run's output)"
    )
    text = "\n".join(lines)
    log("\n" + text)
    (OUT / "trace_log.md").write_text(text + "\n")
    (OUT / "trace_log.json").write_text(json.dumps(rounds.rows, indent=1) + "\n")


def commit_of(root):
    result = subprocess.run(  # noqa: S603
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=root,
        capture_output=True,
        text=True,  # noqa: S607
    )
    return result.stdout.strip()


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    OUT.mkdir(exist_ok=True)
    machine, load_before, started_at = machine_summary(), load_average(), now_stamp()
    log(f"bench/trace_log.py {started_at}: {machine['cpus']} CPUs ({machine['cpu_model']}), "
        f"Python {machine['python']}, load {load_before}")  # fmt: skip
    wrk = ensure_wrk()
    env = data_env(args)
    log_data = prepare_log(args, env)
    write_paths(log_data)
    before = before_checkout(args.before)
    log(f"   recording before the log: {before.relative_to(ROOT)} at {commit_of(before)}")
    databases = record_databases(args, env, before)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server_environment = server_env(args, port) | {"TRACE_LOG_ORIGIN": ORIGIN}
    server = Gunicorn(server_environment, port, args.workers, OUT / "gunicorn_trace_log.log")
    rounds = Rounds()
    try:
        server.start()
        server.wait_ready()
        check_proofs(log_data, base_url)
        own = {server.process.pid, os.getpgrp()}
        for number in range(1, args.rounds + 1):
            log(f"\n== round {number} of {args.rounds}, load average {load_average()}")
            measure(
                args, rounds, number, wrk, server, base_url, own, log_data, before, databases, env
            )
    finally:
        server.stop()
    report(args, rounds, started_at, machine, load_before)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except SetupError as error:
        log(f"bench: setup failed: {error}")
        sys.exit(2)

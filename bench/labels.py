#!/usr/bin/env python3
"""Label sheet jobs on real Celery workers against the QR library's own rate,
and the verification of a 1,000-event chain (issue 12).

In one run, on a PostgreSQL database of its own and Redis (broker and cache):

  a  the raw rate of the QR library: qrcode.QRCode at level Q, add_data,
     make(fit=True), get_matrix, for the job's URIs (measured before and after
     the jobs; the floor uses their mean)
  b  a 10,000-label job (one label per serial, GS1 Digital Links) on one
     worker process (--pool=solo): target >= 0.8 x (a)
  c  the same job on two worker processes (--pool=solo, concurrency 1 each):
     target >= 1.6 x (b)
  d  traceability.services.verification.verify_batch on a batch of 1,000 events:
     printed (median of the repeats, and the first)

The job's time runs from create_label_job to the job seen done. It exits 0
whatever the figures, non-zero only when the setup failed (no database or
broker, a worker that did not start, a job that failed or a sheet whose first
page does not scan). Run it with bench/labels.sh; see bench/README.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import time

from common import OUT, ROOT, SetupError, log, now_stamp
from database import database_state, manage, recreate_database
from machine import (
    busy_while,
    cpu_snapshot,
    describe_busy,
    load_average,
    machine_summary,
    wait_until_quiet,
)

LABELS = 10_000
EVENTS = 1_000
ONE_WORKER_FLOOR = 0.8
TWO_WORKER_FLOOR = 1.6
WORKER_START_SECONDS = 60
HELPED = re.compile(r"help_render_label_job\[[^\]]+\] succeeded in [\d.]+s: (\d+)")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="bench_labels", help="database name")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/"),
        help="PostgreSQL server URL, without the database name",
    )
    parser.add_argument(
        "--broker",
        default=os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/11",
        help="Celery broker (Redis); default CELERY_BROKER_URL",
    )
    parser.add_argument(
        "--cache",
        default=os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/12",
        help="the shared cache the workers hand pages over in; default CACHE_URL",
    )
    parser.add_argument("--labels", type=int, default=LABELS, help="labels in the job (serials)")
    parser.add_argument("--raw-codes", type=int, default=2_000, help="codes per raw measurement")
    parser.add_argument("--verify-repeats", type=int, default=5)
    parser.add_argument(
        "--wait-quiet",
        type=int,
        default=0,
        metavar="SECONDS",
        help="before each case, wait up to SECONDS for other processes to stop using the CPU",
    )
    parser.add_argument("--reload", action="store_true", help="drop and recreate the database")
    return parser.parse_args(argv)


def bench_env(args):
    """The environment of this process's Django and of the workers."""
    env = dict(os.environ)
    # Bench-only, not secrets: fixed so a checkpoint signed in one run verifies in the next.
    key = base64.b64encode(hashlib.sha256(b"bench-only trace signing key").digest()).decode()
    env.update(
        DJANGO_SETTINGS_MODULE="shop.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",  # noqa: S106
        TRACE_SIGNING_KEY=key,
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"{args.pg_url.rstrip('/')}/{args.db}",
        CELERY_BROKER_URL=args.broker,
        CELERY_RESULT_BACKEND=args.broker,
        CACHE_URL=args.cache,
        ELASTICSEARCH_URL="",
        LOG_LEVEL="WARNING",
        PUBLIC_BASE_URL="https://shancun.example",
        MEDIA_ROOT=str(OUT / "labels" / "media"),  # the sheets go to OUT/labels/private
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


class Workers:
    """`count` celery worker processes (--pool=solo, concurrency 1), each in its own
    process group, stopped however the run ends."""

    def __init__(self, env, count):
        self.env, self.count, self.processes = env, count, []

    def __enter__(self):
        from shop.celery import app

        app.control.purge()
        for number in range(1, self.count + 1):
            name = f"labels-bench-{number}@%h"
            logfile = OUT / f"labels_worker_{self.count}_{number}.log"
            command = [
                sys.executable, "-m", "celery", "-A", "shop", "worker", "--pool=solo",
                "--concurrency=1", "-Q", "celery", "-n", name, "--without-heartbeat",
                "--without-gossip", "--without-mingle", "-l", "info",
            ]  # fmt: skip
            with logfile.open("wb") as output:
                process = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
                    command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            process.logfile = logfile
            self.processes.append(process)
        try:
            self._wait_ready(app)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_ready(self, app):
        deadline = time.monotonic() + WORKER_START_SECONDS
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise SetupError(f"a worker exited: see {process.logfile}")
            if len(app.control.ping(timeout=1.0)) >= self.count:
                return
        raise SetupError(f"{self.count} workers not ready after {WORKER_START_SECONDS} s")

    @property
    def groups(self):
        return {process.pid for process in self.processes}

    def cpu_seconds(self):
        """CPU time the worker processes used so far (solo pool: no children)."""
        snapshot = cpu_snapshot()
        return sum(snapshot[pid][1] for pid in self.groups if pid in snapshot)

    def pages_helped(self):
        """Pages the helper tasks drew, from the workers' logs (their return values)."""
        logs = "".join(process.logfile.read_text(errors="replace") for process in self.processes)
        return sum(int(drawn) for drawn in HELPED.findall(logs))

    def __exit__(self, *exc):
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def prepare_database(args, env):
    exists, _comment = database_state(args.pg_url, args.db)
    if args.reload or not exists:
        log(f"database {args.db}: {'--reload given' if exists else 'missing'}: creating it")
        recreate_database(args.pg_url, args.db)
    manage(env, "migrate", "--noinput", "-v", "0")


def check_sheet(path, uris, workdir):
    """The PDF has a page per 24 labels and its first page scans as the first 24 URIs."""
    sys.path.insert(0, str(ROOT))
    from tests.traceability.pdf_tools import decode_page, pdfinfo_pages

    pages = pdfinfo_pages(path)
    if pages != math.ceil(len(uris) / 24):
        raise SetupError(f"{path} has {pages} pages for {len(uris)} labels")
    if decode_page(path, 1, workdir) != sorted(uris[:24]):
        raise SetupError(f"the first page of {path} does not scan as the first 24 serials")


def row(case, value, reference=None, factor=None, of=""):
    """A case's rate; with a reference, its ratio to it beside the target factor."""
    if reference is None:
        return f"{case:<34} {value:8.1f}   {of}"
    ratio = value / reference
    met = "met" if ratio >= factor else "NOT met"
    return f"{case:<34} {value:8.1f}   {factor * reference:8.1f}   {ratio:5.2f} x {of}   >= {factor}: {met}"


def report(raw_before, raw_after, runs, verified):
    raw = (raw_before + raw_after) / 2
    one, two = runs[1].rate, runs[2].rate
    times, ok, events = verified
    log("")
    log(f"{'case':<34} {'per s':>8}   {'floor':>8}   ratio     target")
    log(row("(a) QR library, raw matrices", raw, of=f"mean of {raw_before:.1f}, {raw_after:.1f}"))
    log(row("(b) job, 1 worker", one, raw, ONE_WORKER_FLOOR, "(a)"))
    log(row("(c) job, 2 workers (2 x solo -c 1)", two, one, TWO_WORKER_FLOOR, "(b)"))
    log(f"(d) verify_batch, {events} events: {statistics.median(times):.0f} ms (median of "
        f"{len(times)}; the first {times[0]:.0f} ms), {'verified' if ok else 'NOT verified'}")  # fmt: skip


def main(argv):
    args = parse_args(argv)
    # Stopped by a signal, still stop the workers (they run in their own sessions).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    OUT.mkdir(exist_ok=True)
    (OUT / "labels").mkdir(exist_ok=True)
    env = bench_env(args)
    machine = machine_summary()
    log(f"bench/labels.py {now_stamp()}: {machine['cpus']} CPUs ({machine['cpu_model']}), "
        f"Python {machine['python']}, load {load_average()}")  # fmt: skip
    prepare_database(args, env)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import label_data

    started = time.monotonic()
    data = label_data.prepare(args.labels, EVENTS)
    log(f"data ready in {time.monotonic() - started:.0f} s: {args.labels} serials, {EVENTS} events")
    uris = label_data.job_uris(data.labels, args.labels)
    sample = uris[: args.raw_codes]

    def quiet():
        if args.wait_quiet:
            wait_until_quiet(args.wait_quiet, set())

    def measured(what, action, *arguments, groups=()):
        result, busy = busy_while(set(groups), action, *arguments)
        if busy:
            log(f"   while {what}, other processes were busy: {describe_busy(busy)}")
        return result

    quiet()
    raw_before = measured("measuring (a)", label_data.raw_matrix_rate, sample)
    log(f"(a) raw QR matrix rate, {len(sample)} codes: {raw_before:.1f} codes/s")
    runs = {}
    for count in (1, 2):
        case = "bc"[count - 1]
        with Workers(env, count) as workers:
            quiet()
            cpu = workers.cpu_seconds()
            run = measured(f"measuring ({case})", label_data.run_job, data, args.labels,
                           groups=workers.groups)  # fmt: skip
            cpu = workers.cpu_seconds() - cpu
        check_sheet(run.job.file.path, uris, OUT / "labels")
        os.remove(run.job.file.path)  # 6 MB a sheet: checked, not kept
        runs[count] = run
        pages = math.ceil(args.labels / 24)
        log(f"({case}) {args.labels} labels, {count} worker(s): {run.seconds:.1f} s, "
            f"{run.rate:.1f} labels/s; progress seen at {len(run.progress_seen)} steps; "
            f"the workers used {cpu:.0f} CPU s ({cpu / run.seconds:.2f} CPUs); helper tasks "
            f"drew {workers.pages_helped()} of {pages} pages")  # fmt: skip
    quiet()
    raw_after = measured("measuring (a) again", label_data.raw_matrix_rate, sample)
    log(f"(a) raw QR matrix rate again: {raw_after:.1f} codes/s")
    report(raw_before, raw_after, runs, label_data.verify_chain(data, args.verify_repeats))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except SetupError as error:
        log(f"bench: setup failed: {error}")
        sys.exit(2)

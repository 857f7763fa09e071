#!/usr/bin/env python3
"""Whole checkouts over HTTP under gunicorn, beside the floor and the product list.

On the database of run.py (load_demo --products 10000), gunicorn (2 sync
workers, server.py's environment: DEBUG off, PostgreSQL, the embedded defaults)
serves 8 virtual buyers (bench/buyers.py): each does checkoutCreate with 3
lines from 2 sellers, checkoutDeliveryMethodUpdate to a home address and
checkoutComplete with the test gateway, again and again for --duration
seconds. Measured on a server with the public cache on (the default):

  floor      wrk on GET /ping (case (a) of run.py), before and after the checkouts:
             the target is judged against the higher
  list       wrk on products(first: 20) (case (b)), alone
  checkouts  the buyers alone
  both       the buyers and wrk on the list at the same time

and again on a second server with PUBLIC_CACHE_SECONDS=0 (list, both). After
the runs, in SQL: no variant's stock below 0, and for each variant bought,
its stock before == its stock now + its units in the orders placed since
(not cancelled). Target: checkouts/s >= 0.012 x the floor's req/s.

Figures, not a test: exits 0 whatever the figures, 2 when a check failed
(an oversell, an error seen by a buyer, a non-2xx from wrk), 1 when the setup
failed. Run it with bench/checkout.sh; see bench/README.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import sys
import threading
import time

import psycopg
from buyers import Pool, buy_for
from cases import CASES, http, request_body, verify
from common import OUT, SetupError, log, now_stamp
from database import prepare_database
from load import ensure_wrk, parse_wrk, run_wrk
from machine import (
    busy_while,
    cpu_snapshot,
    describe_busy,
    load_average,
    machine_summary,
    wait_until_quiet,
)
from report import git_commit
from server import Gunicorn, free_port, server_env

TARGET_RATIO = 0.012  # completed checkouts/s per request/s of the floor (issue 21)
FLOOR, LIST = (next(c for c in CASES if c.key == key) for key in "ab")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="bench_mountain_market", help="database name")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/"),
        help="PostgreSQL server URL, without the database name",
    )
    parser.add_argument("--reload", action="store_true", help="drop, recreate, load")
    parser.add_argument("--products", type=int, default=10_000, help="load_demo --products N")
    parser.add_argument("--duration", type=int, default=20, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before each")
    parser.add_argument("--concurrency", type=int, default=8, help="virtual buyers")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--variants", type=int, default=10, help="variants bought per seller")
    parser.add_argument("--stock", type=int, default=1_000_000, help="stock given to each")
    parser.add_argument(
        "--cache-url",
        default=None,
        help="the server's CACHE_URL (default: the embedded per-process memory cache)",
    )
    parser.add_argument(
        "--wait-quiet",
        type=int,
        default=0,
        metavar="SECONDS",
        help="before each measurement, wait up to SECONDS for other processes to stop",
    )
    return parser.parse_args(argv)


def choose_variants(database_url, per_seller, stock):
    """The two verified sellers with the most published variants that need no cold
    chain; `per_seller` variants of each, given `stock` units. Returns
    ({pk: stock before}, ([pks of seller 1], [pks of seller 2]))."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT v.seller_id, v.id FROM catalog_productvariant v"
            " JOIN catalog_product p ON p.id = v.product_id"
            " JOIN catalog_seller s ON s.id = v.seller_id"
            " WHERE p.is_published AND s.is_verified AND NOT v.cold_chain"
            " ORDER BY v.seller_id, v.id"
        ).fetchall()
        by_seller = {}
        for seller, pk in rows:
            by_seller.setdefault(seller, []).append(pk)
        ranked = sorted(by_seller.values(), key=len, reverse=True)[:2]
        if len(ranked) < 2 or min(map(len, ranked)) < 2:
            raise SetupError("fewer than 2 sellers with 2 variants for sale")
        chosen = [pks[:per_seller] for pks in ranked]
        every = chosen[0] + chosen[1]
        conn.execute(
            "UPDATE catalog_productvariant SET stock_quantity = %s WHERE id = ANY(%s)",
            (stock, every),
        )
        # Stale reservations of earlier runs' unfinished carts would hold stock back.
        conn.execute("DELETE FROM checkout_reservation WHERE variant_id = ANY(%s)", (every,))
        before = dict(
            conn.execute(
                "SELECT id, stock_quantity FROM catalog_productvariant WHERE id = ANY(%s)",
                (every,),
            ).fetchall()
        )
        last_order = conn.execute("SELECT coalesce(max(id), 0) FROM orders_order").fetchone()[0]
    return before, chosen, last_order


def global_ids(base_url, pks):
    """The API's IDs of variants, in the form the API gives them (read from one)."""
    status, raw = http(
        base_url + "/graphql/",
        json.dumps({"query": "{ products(first: 1) { edges { node { variants { id } } } } }"}),
    )
    if status != 200:
        raise SetupError(f"products(first: 1): HTTP {status}")
    sample = json.loads(raw)["data"]["products"]["edges"][0]["node"]["variants"][0]["id"]
    type_name = base64.b64decode(sample).decode().split(":")[0]
    return [base64.b64encode(f"{type_name}:{pk}".encode()).decode() for pk in pks]


def cpu_split(before, after, server_group):
    """CPU seconds used between two snapshots by gunicorn (its process group), by
    PostgreSQL (every backend, other sessions' too) and by this process."""
    split = {"gunicorn": 0.0, "postgres": 0.0, "client": 0.0}
    for pid, (_label, seconds, pgrp, name) in after.items():
        used = seconds - (before[pid][1] if pid in before else 0.0)
        if pgrp == server_group:
            split["gunicorn"] += used
        elif name.startswith("postgres"):
            split["postgres"] += used
        elif pid == os.getpid():
            split["client"] += used
    return split


def oversells(database_url, before, last_order):
    """The checks after the runs: (list of problems, orders placed, units sold)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        negative = conn.execute(
            "SELECT count(*) FROM catalog_productvariant WHERE stock_quantity < 0"
        ).fetchone()[0]
        now = dict(
            conn.execute(
                "SELECT id, stock_quantity FROM catalog_productvariant WHERE id = ANY(%s)",
                (list(before),),
            ).fetchall()
        )
        sold = dict(
            conn.execute(
                "SELECT l.variant_id, sum(l.quantity) FROM orders_orderline l"
                " JOIN orders_order o ON o.id = l.order_id"
                " WHERE o.id > %s AND o.status NOT IN ('cancelled', 'refunded')"
                " GROUP BY l.variant_id",
                (last_order,),
            ).fetchall()
        )
        statuses = dict(
            conn.execute(
                "SELECT status, count(*) FROM orders_order WHERE id > %s GROUP BY status",
                (last_order,),
            ).fetchall()
        )
    problems = [f"{negative} variants with stock below 0"] if negative else []
    for pk, initial in before.items():
        if initial != now[pk] + sold.get(pk, 0):
            problems.append(
                f"variant {pk}: stock {initial} before, {now[pk]} now, {sold.get(pk, 0)} sold"
            )
    strangers = sorted(set(sold) - set(before))
    if strangers:  # not an oversell: someone else placed orders on this database meanwhile
        log(f"   warning: orders of variants the buyers did not buy: {strangers[:10]}")
    return problems, statuses, sum(sold.values())


class Run:
    """The servers and the measurements; stop() ends every gunicorn it started."""

    def __init__(self, args, wrk):
        self.args, self.wrk = args, wrk
        self.servers = []
        self.rows = []

    def server(self, name, cache_seconds):
        port = free_port()
        # Every buyer is a guest from 127.0.0.1: lift the guest holds per network (60 by
        # default) that would otherwise refuse the 61st cart in 10 minutes (TOO_MANY_HOLDS).
        env = server_env(self.args, port, cache_seconds) | {
            "CHECKOUT_GUEST_HOLDS_PER_NETWORK": str(10**9)
        }
        if self.args.cache_url:
            env |= {"CACHE_URL": self.args.cache_url, "LIMITS_CACHE_URL": self.args.cache_url}
        server = Gunicorn(
            env,
            port,
            self.args.workers,
            OUT / f"gunicorn_checkout_{name}.log",
            OUT / f"gunicorn_checkout_{name}.out",
        )
        self.servers.append(server)
        log(f"\n== gunicorn, cache {name}, {self.args.workers} sync workers, 127.0.0.1:{port}")
        server.start()
        log(f"   /healthz: {server.wait_ready()}")
        return server, port

    def stop(self):
        for server in self.servers:
            server.stop()

    def wrk_case(self, case, base_url, seconds):
        body = OUT / f"body_checkout_{case.key}.json"
        if case.query is not None:
            body.write_text(request_body(case), encoding="utf-8")
        args = self.args
        output, _ = run_wrk(self.wrk, case, base_url, seconds, args.threads, args.connections, body)
        return parse_wrk(output)

    def measure(self, server, port, what, cache, pool):
        """One measurement: `what` is floor, list, checkouts or both."""
        args, base_url = self.args, f"http://127.0.0.1:{port}"
        own = {server.process.pid}
        if args.wait_quiet:
            wait_until_quiet(args.wait_quiet, own)
        case = FLOOR if what == "floor" else LIST
        if args.warmup:
            if what in ("floor", "list", "both"):
                self.wrk_case(case, base_url, args.warmup)
            if what in ("checkouts", "both"):
                buy_for("127.0.0.1", port, pool, args.concurrency, args.warmup, seed=99)

        def both():
            found = {}
            listing = threading.Thread(
                target=lambda: found.update(wrk=self.wrk_case(LIST, base_url, args.duration))
            )
            listing.start()
            found["buyers"] = buy_for("127.0.0.1", port, pool, args.concurrency, args.duration)
            listing.join()
            return found

        if what == "both":
            found, busy = busy_while(own, both)
        elif what == "checkouts":
            snapshot = cpu_snapshot()
            buyers, busy = busy_while(
                own, buy_for, "127.0.0.1", port, pool, args.concurrency, args.duration
            )
            split = cpu_split(snapshot, cpu_snapshot(), server.process.pid)
            buyers["cpu_ms_per_checkout"] = {
                key: round(1000 * seconds / max(1, buyers["checkouts"]), 1)
                for key, seconds in split.items()
            }
            found = {"buyers": buyers}
        else:
            figures, busy = busy_while(own, self.wrk_case, case, base_url, args.duration)
            found = {"wrk": figures}
        row = {"what": what, "cache": cache, "other_load": describe_busy(busy)} | found
        self.rows.append(row)
        line = f"-- {what}, cache {cache}:"
        if "wrk" in found:
            w = found["wrk"]
            line += (
                f" wrk ({case.key}) {w['rps']:.1f} req/s, p50 {w['p50_ms']:.2f} ms, "
                f"p99 {w['p99_ms']:.2f} ms, non-2xx {w['non_2xx'] + w['socket_errors']};"
            )
        if "buyers" in found:
            b = found["buyers"]
            line += (
                f" {b['checkouts']} checkouts, {b['checkouts_per_s']:.1f}/s, "
                f"p50 {b['p50_ms']:.0f} ms, p99 {b['p99_ms']:.0f} ms, errors {b['errors']}, "
                f"{b['requests']} requests, the client used {b['client_cpu_share']:.0%} of a CPU"
            )
            if "cpu_ms_per_checkout" in b:
                line += "; CPU ms per checkout: " + ", ".join(
                    f"{key} {ms}" for key, ms in b["cpu_ms_per_checkout"].items()
                )
            for error in b["first_errors"]:
                log(f"   error: {error}")
        log(line)
        if busy:
            log(f"   warning: other processes were busy meanwhile: {row['other_load']}")
        return row

    def go(self, pks):
        server, port = self.server("on", None)
        base_url = f"http://127.0.0.1:{port}"
        ids = global_ids(base_url, pks[0] + pks[1])
        pool = Pool(ids[: len(pks[0])], ids[len(pks[0]) :])
        for case in (FLOOR, LIST):
            log(f"   ({case.key}) {verify(case, base_url)}")
        # The floor before and after: a floor lowered by a disturbance would flatter the ratio.
        for what in ("floor", "list", "checkouts", "both", "floor"):
            self.measure(server, port, what, "on", pool)
        log(f"   (b) afterwards: {verify(LIST, base_url)}")
        server.stop()
        server, port = self.server("off", 0)
        log(f"   (b) {verify(LIST, f'http://127.0.0.1:{port}')}")
        for what in ("list", "both"):
            self.measure(server, port, what, "off", pool)
        server.stop()


def summary_lines(rows, problems, statuses, units):
    """The figures as Markdown tables (printed and saved)."""
    floors = [r["wrk"]["rps"] for r in rows if r["what"] == "floor"]
    floor = max(floors)
    target = TARGET_RATIO * floor
    lines = [
        f"floor (a) GET /ping: {' and '.join(f'{f:.1f}' for f in floors)} req/s (before and "
        f"after the checkouts); target: checkouts/s >= {TARGET_RATIO} x {floor:.1f} "
        f"= {target:.1f}/s",
        "",
        "| checkouts | cache | checkouts/s | p50 ms | p99 ms | errors | vs target | "
        "client CPU | result |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        if "buyers" not in r:
            continue
        b = r["buyers"]
        alone = "alone" if r["what"] == "checkouts" else "with (b) wrk"
        verdict = "PASS" if b["checkouts_per_s"] >= target and not b["errors"] else "MISS"
        lines.append(
            f"| {alone} | {r['cache']} | {b['checkouts_per_s']:.1f} | {b['p50_ms']:.0f} | "
            f"{b['p99_ms']:.0f} | {b['errors']} | {b['checkouts_per_s'] / target:.2f} | "
            f"{b['client_cpu_share']:.0%} | {verdict} |"
        )
    for r in rows:
        split = r.get("buyers", {}).get("cpu_ms_per_checkout")
        if split:
            lines.append(
                "\nCPU per checkout (checkouts alone): "
                + ", ".join(f"{key} {ms} ms" for key, ms in split.items())
                + " (PostgreSQL: every backend on the machine)"
            )
    lines += [
        "",
        "| (b) products(first: 20) | cache | req/s | p50 ms | p99 ms | non-2xx | vs (a) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r["what"] in ("list", "both"):
            w = r["wrk"]
            when = "alone" if r["what"] == "list" else "while checkouts run"
            lines.append(
                f"| {when} | {r['cache']} | {w['rps']:.1f} | {w['p50_ms']:.2f} | "
                f"{w['p99_ms']:.2f} | {w['non_2xx'] + w['socket_errors']} | "
                f"{w['rps'] / floor:.3f} |"
            )
    lines += [
        "",
        f"orders placed: {sum(statuses.values())} ({statuses}), {units} units; "
        f"oversells: {len(problems)}" + (f": {'; '.join(problems[:5])}" if problems else ""),
    ]
    disturbed = [f"{r['what']} (cache {r['cache']})" for r in rows if r["other_load"]]
    lines.append(
        "other processes busy during: " + ", ".join(disturbed)
        if disturbed
        else "no other process used over 10 % of a CPU during any measurement"
    )
    return lines


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
    before, chosen, last_order = choose_variants(env["DATABASE_URL"], args.variants, args.stock)
    log(
        f"   buying {len(chosen[0])} + {len(chosen[1])} variants of 2 sellers, "
        f"{args.stock} units each; orders after #{last_order} are this run's"
    )
    run = Run(args, wrk)

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        run.go(chosen)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        run.stop()
    problems, statuses, units = oversells(env["DATABASE_URL"], before, last_order)
    lines = summary_lines(run.rows, problems, statuses, units)
    stamp, commit, machine = now_stamp(), git_commit(), machine_summary()
    head = (
        f"{stamp}  commit {commit}  {machine['cpus']} CPUs, load average {load_before} before, "
        f"{load_average()} after; gunicorn {args.workers} sync workers, {args.concurrency} "
        f"buyers, wrk -t {args.threads} -c {args.connections}, {args.duration} s each"
    )
    log("\n" + head + "\n")
    log("\n".join(lines))
    (OUT / "checkout.md").write_text(head + "\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    (OUT / "checkout.json").write_text(
        json.dumps(
            {"date": stamp, "commit": commit, "rows": run.rows, "oversells": problems},
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    log(f"\n({time.monotonic() - started:.0f} s in all; bench/out/checkout.md and .json)")
    errors = sum(r["buyers"]["errors"] for r in run.rows if "buyers" in r)
    non_ok = sum(r["wrk"]["non_2xx"] + r["wrk"]["socket_errors"] for r in run.rows if "wrk" in r)
    if problems or errors or non_ok:
        log(f"FAIL: {len(problems)} oversells, {errors} buyer errors, {non_ok} non-2xx from wrk")
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SetupError as error:
        print(f"bench: setup failed: {error}", file=sys.stderr, flush=True)
        sys.exit(1)

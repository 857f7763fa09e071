#!/usr/bin/env python3
"""Where the time of one benchmark case goes, in a single process (no gunicorn, no wrk).

Runs the case's request through django.test.Client against the benchmark
database (load it first with bench/run.sh), with the public response cache
off so that the query really runs, and prints:

  1. time per request, wall and CPU, split into: ORM (Python side of the page
     query and its prefetches), graphql-core execution and resolvers, the
     psycopg client, JSON encoding, the rest of Django; the garbage
     collector's share inside those; and the wall time of the SQL statements;
  2. the SQL statements of one request, with their time;
  3. with --profile, cProfile's top functions (by own and by cumulative time).

CPU time is measured with time.process_time(), so other processes on the
machine disturb it much less than they disturb wrk's figures.

    .venv/bin/python bench/profile_case.py b            # products(first: 20)
    .venv/bin/python bench/profile_case.py c --freeze   # with gc.freeze() first
    .venv/bin/python bench/profile_case.py d --profile --top 40
"""

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

from cases import CASES, request_body  # noqa: E402  (the cases bench/run.py measures)
from server import server_env  # noqa: E402  (and its server settings)


class Timers:
    """Accumulates CPU and wall time of wrapped functions, and of the garbage collector."""

    def __init__(self):
        self.cpu, self.wall, self.gc_cpu, self._gc_start = {}, {}, 0.0, 0.0

    def wrap(self, name, function):
        def timed(*args, **kwargs):
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu
                self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall

        return timed

    def sql(self, execute, sql, params, many, context):
        return self.wrap("sql", execute)(sql, params, many, context)

    def on_gc(self, phase, info):
        if phase == "start":
            self._gc_start = time.process_time()
        else:
            self.gc_cpu += time.process_time() - self._gc_start

    def reset(self):
        self.cpu.clear()
        self.wall.clear()
        self.gc_cpu = 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", choices=[c.key for c in CASES])
    parser.add_argument("-n", "--requests", type=int, default=100)
    parser.add_argument("--db", default="bench_mountain_market")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/")
    )
    parser.add_argument("--sql", action="store_true", help="print each SQL statement in full")
    parser.add_argument("--profile", action="store_true", help="also run cProfile")
    parser.add_argument("--top", type=int, default=30, help="cProfile lines to print")
    parser.add_argument(
        "--freeze",
        action="store_true",
        help="gc.freeze() and gc.set_threshold(50000, 20, 100) after warming up",
    )
    parser.add_argument(
        "--cache",
        action="store_true",
        help="keep the public response cache on (default: off, so the query really runs)",
    )
    args = parser.parse_args()
    os.environ.update(server_env(args, 8000, None if args.cache else 0))
    os.chdir(BENCH.parent)

    import django

    django.setup()
    import graphene_django.views
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import catalog.schema.queries
    import shop.core.api.view

    timers = Timers()
    catalog.schema.queries.keyset_page = timers.wrap("page", catalog.schema.queries.keyset_page)
    view = shop.core.api.view.ShopGraphQLView
    view.execute_graphql_request = timers.wrap("execute", view.execute_graphql_request)
    base = graphene_django.views.GraphQLView
    base.json_encode = timers.wrap("json", base.json_encode)

    case = next(c for c in CASES if c.key == args.case)
    client = Client(HTTP_HOST="127.0.0.1")
    body = request_body(case).encode()

    def once():
        if case.query is None:
            response = client.get(case.path)
        else:
            response = client.post(case.path, body, content_type="application/json")
        assert response.status_code == 200, response.content[:300]
        assert b'"errors"' not in response.content, response.content[:500]
        return response

    for _ in range(10):
        once()  # warm: connection, document cache, lazy imports
    if args.freeze:
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)

    n = args.requests
    timers.reset()
    gc.callbacks.append(timers.on_gc)
    with connection.execute_wrapper(timers.sql):
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            once()
        cpu = (time.process_time() - cpu) / n * 1000
        wall = (time.perf_counter() - wall) / n * 1000
    gc.callbacks.remove(timers.on_gc)

    def ms(table, name):
        return table.get(name, 0.0) / n * 1000

    sql_cpu, sql_wall = ms(timers.cpu, "sql"), ms(timers.wall, "sql")
    page, execute, json_ = ms(timers.cpu, "page"), ms(timers.cpu, "execute"), ms(timers.cpu, "json")
    print(
        f"({case.key}) {case.label}, {n} requests in one process"
        f"{', gc frozen' if args.freeze else ''}{', response cache on' if args.cache else ''}:"
    )
    print(f"  wall {wall:6.2f} ms per request, CPU {cpu:6.2f} ms")
    if case.query is not None:
        print(f"    ORM, Python side (page query and prefetches)  {page - sql_cpu:6.2f} ms CPU")
        print(f"    graphql-core execution and resolvers          {execute - page:6.2f} ms CPU")
        print(f"    psycopg client                                {sql_cpu:6.2f} ms CPU")
        print(f"    JSON encoding                                 {json_:6.2f} ms CPU")
        print(
            f"    Django, view and test client                  {cpu - execute - json_:6.2f} ms CPU"
        )
        print(
            f"    (garbage collector, inside the lines above)   {timers.gc_cpu / n * 1000:6.2f} ms CPU"
        )
        print(f"  SQL statements, wall time                       {sql_wall:6.2f} ms")

    with CaptureQueriesContext(connection) as queries:
        response = once()
    print(
        f"\n{len(queries.captured_queries)} SQL statements in one request; "
        f"response {len(response.content)} bytes"
    )
    for query in queries.captured_queries:
        text = query["sql"]
        if not args.sql and len(text) > 160:
            text = text[:160] + "..."
        print(f"  {float(query['time']) * 1000:7.2f} ms  {text}")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(n):
            once()
        profiler.disable()
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
            print(f"\n---- cProfile: top {args.top} by {order} ({n} requests) ----")
            print(out.getvalue().split("\n", 4)[-1].strip("\n"))


if __name__ == "__main__":
    main()

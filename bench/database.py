"""The benchmark database: loaded once, then reused while it is marked complete.

Loading 10,000 products takes a while, so a completed load is recorded as a
comment on the database and later runs only migrate it.
"""

from __future__ import annotations

import subprocess
import time

import psycopg
from common import ROOT, VENV_BIN, SetupError, log, now_stamp
from psycopg import sql


def admin_connect(pg_url):
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
    set_comment(pg_url, name, f"{load_marker(products)} at {now_stamp()}")


def set_comment(pg_url, name, comment):
    with admin_connect(pg_url) as conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(comment)
            )
        )


def trace_marker(batches, events):
    return f"bench: trace_load --batches {batches} --events {events} complete"


def database_summary(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        products, published, variants = conn.execute(
            "SELECT (SELECT count(*) FROM catalog_product),"
            " (SELECT count(*) FROM catalog_product p JOIN catalog_seller s ON s.id = p.seller_id"
            "   WHERE p.is_published AND s.is_verified),"
            " (SELECT count(*) FROM catalog_productvariant)"
        ).fetchone()
        batches, events = conn.execute(
            "SELECT (SELECT count(*) FROM traceability_batch),"
            " (SELECT count(*) FROM traceability_traceevent)"
        ).fetchone()
        version = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "products": products,
        "visible": published,
        "variants": variants,
        "batches": batches,
        "events": events,
        "pg": version,
    }


def manage(env, *arguments):
    command = [str(VENV_BIN / "python"), "manage.py", *arguments]
    log(f"$ {' '.join(command[1:])}")
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env)  # noqa: S603
    if result.returncode != 0:
        raise SetupError(f"`manage.py {' '.join(arguments)}` failed (exit {result.returncode})")
    return time.monotonic() - started


def bench_script(env, name, *arguments, capture=False):
    """Run bench/`name` in the server's environment; its output when `capture`."""
    command = [str(VENV_BIN / "python"), f"bench/{name}", *map(str, arguments)]
    log(f"$ {' '.join(command[1:])}")
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=capture, text=True)  # noqa: S603
    if result.returncode != 0:
        detail = f":\n{result.stderr[-2000:]}" if capture else ""
        raise SetupError(f"`{' '.join(command[1:])}` failed (exit {result.returncode}){detail}")
    return result.stdout


def prepare_trace(args, env, paths):
    """Load the resolver's trace data (bench/trace_load.py) unless the database's
    comment says it is complete; write the resolver paths to `paths` either way."""
    marker = trace_marker(args.batches, args.events)
    _, comment = database_state(args.pg_url, args.db)
    if marker in comment:
        log(f"database {args.db}: trace data loaded earlier")
        bench_script(env, "trace_load.py", "--paths", paths, "--paths-only")
        return
    log(f"database {args.db}: loading {args.batches} batches of {args.events} trace events")
    started = time.monotonic()
    bench_script(
        env, "trace_load.py", "--batches", args.batches, "--events", args.events, "--paths", paths
    )
    log(f"trace data loaded in {time.monotonic() - started:.0f} s")
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    set_comment(args.pg_url, args.db, f"{comment}; {marker} at {now_stamp()}")


def prepare_database(args, env):
    """Load the database unless a complete load of the same size is there; summarise it."""
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
        log(f"database {args.db}: (re)creating and loading ({reason})")
        recreate_database(args.pg_url, args.db)
        manage(env, "migrate", "--noinput", "-v", "0")
        # A benchmark database, never production: the demo logins it creates do not matter.
        seconds = manage(
            env, "load_demo", "--products", str(args.products), "--allow-without-debug"
        )
        log(f"loaded in {seconds:.0f} s")
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

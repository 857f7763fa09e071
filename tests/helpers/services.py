"""Helpers for tests that need the real services or real concurrency."""

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from urllib.parse import quote

import pytest
from celery._state import _set_task_join_will_block, task_join_will_block
from django.conf import settings
from django.db import connection, connections, transaction

# Whether this connection holds a lock the connection of the given backend waits for.
BLOCKS = "SELECT pg_backend_pid() = ANY(pg_blocking_pids(%s))"


def skip_unless(available, reason):
    """Skip when a service is missing, or fail when CI demands it (REQUIRE_SERVICES=1)."""
    if available:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def require_postgresql(why="SQLite serialises every write, so nothing races"):
    skip_unless(connection.vendor == "postgresql", f"needs PostgreSQL: {why}")


def run_at_once(action, count, timeout=30):
    """Run `action()` in `count` threads released together; return its results.

    Each thread closes its own database connection; any exception fails the test.
    """
    start = threading.Barrier(count)
    results, failures = [], []

    def run():
        try:
            start.wait(timeout=10)
            results.append(action())
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    blocking = task_join_will_block()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    # Celery keeps "inside a task" in one global, set and restored around each
    # eager task: threads running eager tasks at once can leave it set, and a
    # later test waiting on a real worker's result would be refused.
    _set_task_join_will_block(blocking)
    assert failures == [], failures
    assert len(results) == count
    return results


def subprocess_database_url():
    """The URL of the test database (it exists once pytest-django made it), for subprocesses."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{db['HOST'] or ''}{port}/{quote(db['NAME'], safe='')}"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_python(*arguments, env, timeout=120):
    """This interpreter with `arguments`, in the project folder; the finished process."""
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, *arguments],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@contextmanager
def racing(write, timeout=10):
    """Run `write()` in a transaction on another connection and commit it only once
    this thread's connection waits for a lock it holds (PostgreSQL).

    The block sees nothing of the write at first (it is not committed), so any check
    it makes before saving passes; its save then waits for the other transaction and
    collides with it: a request that lost a race, with no code patched to lose it.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (waiter,) = cursor.fetchone()
    written, failures = threading.Event(), []

    def hold():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                write()
                written.set()
                deadline = time.monotonic() + timeout
                cursor.execute(BLOCKS, [waiter])
                while not cursor.fetchone()[0]:
                    assert time.monotonic() < deadline, "nothing waited for the racing write"
                    time.sleep(0.01)
                    cursor.execute(BLOCKS, [waiter])
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            written.set()
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    written.wait(timeout)
    try:
        assert failures == []  # the racing write itself failed
        yield
    finally:
        thread.join(timeout)
    assert failures == [], failures

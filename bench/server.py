"""The app under gunicorn, configured like production but self-contained.

server_env is shared with profile_case.py so that one process runs with the
same settings as the measured workers.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from common import OUT, ROOT, VENV_BIN, SetupError, log
from database import manage

# The trace data is loaded in the environment of port 8000 (bench/run.py, bench/database.py):
# its events' farm URIs and the trace log's origin (traceability/transparency.py) come
# from that base URL, so a server that shows or verifies the data must be given the same,
# whatever port it listens on, or every batch fails verification.
DATA_BASE_URL = "http://127.0.0.1:8000"


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
        # base64 of b"bench-only-trace-signing-key-32b": signs the bench's trace checkpoints.
        TRACE_SIGNING_KEY="YmVuY2gtb25seS10cmFjZS1zaWduaW5nLWtleS0zMmI=",
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
        # With DEBUG off the server starts only once the static files are collected.
        STATIC_ROOT=str(OUT / "static"),
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


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """One gunicorn in its own process group, so that stop() ends its workers too."""

    def __init__(self, env, port, workers, log_path, output_path=None):
        self.env, self.port, self.workers, self.log_path = env, port, workers, log_path
        # The app's own output (the console's emails, its log): to this file, not ours.
        self.output_path = output_path
        self.process = None

    def start(self):
        gunicorn = VENV_BIN / "gunicorn"
        if not gunicorn.exists():
            raise SetupError(f"{gunicorn} not found: run scripts/bootstrap")
        manage(self.env, "collectstatic", "--noinput", "-v", "0")
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
        output = self.output_path.open("w") if self.output_path else None
        try:
            self.process = subprocess.Popen(  # noqa: S603
                command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                start_new_session=True,
            )
        finally:
            if output:
                output.close()

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

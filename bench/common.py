"""Paths, logging and the setup error shared by the benchmark's modules."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"  # git-ignored: request bodies, wrk and gunicorn output, last results
VENV_BIN = ROOT / ".venv" / "bin"


class SetupError(Exception):
    """The benchmark could not run; the message says why."""


def log(message=""):
    # Flushed at once: the run takes minutes and its output is often piped.
    print(message, flush=True)


def now_stamp():
    return datetime.now().astimezone().isoformat(timespec="seconds")

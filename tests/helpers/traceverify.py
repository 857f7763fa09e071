"""Running the standalone verifier as anyone would: `python -m traceverify`, its own process."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 120


def verifier(code, *arguments, base=None, state=None):
    """The finished process of `python -m traceverify <code> …`."""
    command = [sys.executable, "-m", "traceverify", code]
    if base is not None:
        command += ["--base", base]
    if state is not None:
        command += ["--state", str(state)]
    return subprocess.run(  # noqa: S603 - our own program
        [*command, *map(str, arguments)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


def run(code, *arguments, base=None, state=None):
    """The verifier's exit status, its JSON answer (None when it gave none) and its errors."""
    done = verifier(code, "--json", *arguments, base=base, state=state)
    answer = json.loads(done.stdout) if done.stdout.strip() else None
    return done.returncode, answer, done.stderr


def named(answer):
    """What the verifier's failure names: its reason, the event's sequence number, the batch."""
    failure = answer.get("failure") or {}
    return failure.get("reason"), failure.get("sequence"), failure.get("batch")

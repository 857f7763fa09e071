"""What else the machine is doing, and what it is.

wrk, gunicorn and PostgreSQL share a few cores, so any other busy process
lowers the figures; it is found in /proc and named rather than guessed at.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

from common import log

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_snapshot():
    """{pid: (label, cpu seconds so far, process group, name)} for every process (Linux /proc)."""
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


def busy_while(own_groups, action, *arguments):
    """Run `action(*arguments)`; return its result and the other processes busy meanwhile."""
    before, clock = cpu_snapshot(), time.monotonic()
    result = action(*arguments)
    return result, other_cpu(before, cpu_snapshot(), time.monotonic() - clock, own_groups)


def describe_busy(busy):
    return "; ".join(f"{share:.0%} of a CPU: {label}" for share, label in busy[:3])


def wait_until_quiet(limit, own_groups):
    """Wait up to `limit` seconds for other processes to leave the CPU alone for 2 s."""
    deadline = time.monotonic() + limit
    told = False
    while True:
        _, busy = busy_while(own_groups, time.sleep, 2.0)
        if not busy:
            return
        if time.monotonic() >= deadline:
            log(f"   still busy after {limit} s ({describe_busy(busy)}); measuring anyway")
            return
        if not told:
            log(f"   waiting for a quiet machine ({describe_busy(busy)})")
            told = True


def load_average():
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


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

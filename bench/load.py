"""wrk: installed when missing, run against one case, and its output parsed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from common import BENCH, SetupError, log

LUA_POST = BENCH / "post.lua"  # wrk sends GETs only, unless a script sets the method and body
LUA_PATHS = BENCH / "paths.lua"  # a GET of a path picked at random from a list, per request
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def ensure_wrk():
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    apt = shutil.which("apt-get")
    if not apt:
        raise SetupError("wrk is not installed and apt-get is not available")
    log("wrk missing: apt-get install -y wrk")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT}
    if subprocess.run([apt, "install", "-y", "wrk"], **quiet).returncode != 0:  # noqa: S603
        subprocess.run([apt, "update"], **quiet)  # noqa: S603
        subprocess.run([apt, "install", "-y", "wrk"], **quiet)  # noqa: S603
    wrk = shutil.which("wrk")
    if not wrk:
        raise SetupError("could not install wrk (apt-get install -y wrk)")
    return wrk


def _ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise ValueError(text)
    return float(match[1]) * UNITS_MS[match[2]]


def parse_wrk(output):
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"^\s+(\d+) requests in ([\d.]+\w+)", output, re.M)
    if not (rps and p50 and p99 and total):
        raise SetupError(f"could not parse wrk's output:\n{output}")
    # wrk counts failed requests in its figures; they are reported so they are not missed.
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "rps": float(rps[1]),
        "p50_ms": _ms(p50[1]),
        "p99_ms": _ms(p99[1]),
        "requests": int(total[1]),
        "non_2xx": int(non2xx[1]) if non2xx else 0,
        "socket_errors": sum(map(int, sockets.groups())) if sockets else 0,
    }


def run_wrk(wrk, case, base_url, seconds, threads, connections, body_file, paths_file=None):
    """Run wrk for `seconds`; return its output and its command line (without `wrk`).

    A case over a list of paths GETs one of `paths_file`'s, at random, per request."""
    command = [
        wrk,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    env = dict(os.environ)
    if case.query is not None:
        command += ["-s", str(LUA_POST)]
        env["BENCH_BODY_FILE"] = str(body_file)
    elif case.paths is not None:
        command += ["-s", str(LUA_PATHS)]
        env.update(BENCH_PATHS_FILE=str(paths_file), BENCH_QUERY=case.query_string)
    command.append(base_url + case.path)
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise SetupError(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    return result.stdout, " ".join(command[1:])

"""The results: scored against the targets, printed as a table and kept in bench/out/."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import unicodedata

from cases import CASES
from common import OUT, ROOT, log, now_stamp
from machine import machine_summary


def git_commit():
    """The short commit, marked `+changes` when tracked files differ from it."""
    git = shutil.which("git")
    if not git:
        return "?"
    try:
        out = subprocess.run(  # noqa: S603
            [git, "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(  # noqa: S603
            [git, "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except OSError:
        return "?"


def width(text):
    # Chinese labels take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text, size, right=False):
    fill = " " * (size - width(text))
    return fill + text if right else text + fill


def table(rows):
    """The rows as a plain-text table and as a Markdown one."""
    header = ["case", "cache", "req/s", "p50 ms", "p99 ms", "vs (a)", "non-2xx", "target", "result"]
    body = [
        [
            f"({r['key']}) {r['label']}",
            r["cache"],
            f"{r['rps']:.1f}",
            f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
            f"{r['ratio']:.3f}",
            str(r["non_2xx"] + r["socket_errors"]),
            r["target"],
            r["verdict"],
        ]
        for r in rows
    ]
    widths = [max(width(line[i]) for line in [header, *body]) for i in range(len(header))]
    numeric = {2, 3, 4, 5, 6}

    def fmt(line):
        return "  ".join(
            pad(cell, widths[i], right=i in numeric) for i, cell in enumerate(line)
        ).rstrip()

    text = [fmt(header), fmt(["-" * w for w in widths]), *[fmt(line) for line in body]]
    markdown = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if i in numeric else "---" for i in range(len(header))) + "|",
        *["| " + " | ".join(line) + " |" for line in body],
    ]
    return "\n".join(text), "\n".join(markdown)


def score(rows):
    """Add each row's ratio to the floor (the first row) and its verdict against the target."""
    floor_rps = rows[0]["rps"]
    by_key = {c.key: c for c in CASES}
    for row in rows:
        row["ratio"] = row["rps"] / floor_rps if floor_rps else 0.0
        row["verdict"] = by_key[row["key"]].verdict(row, rows)


def report(args, summary, rows, started):
    """Print the scored rows with the conditions they were measured in, and save them."""
    machine = machine_summary()
    text, markdown = table(rows)
    stamp = now_stamp()
    commit = git_commit()
    log()
    log(
        f"{stamp}  commit {commit}  {machine['cpus']} CPUs ({machine['cpu_model']}), "
        f"Python {machine['python']}, PostgreSQL {summary['pg']}"
    )
    log(
        f"{summary['products']} products / {summary['variants']} variants / "
        f"{summary['batches']} batches / {summary['events']} trace events; gunicorn "
        f"{args.workers} sync workers; wrk -t {args.threads} -c {args.connections} "
        f"-d {args.duration}s (after {args.warmup} s warm-up); wrk, gunicorn and PostgreSQL "
        "share the machine"
    )
    log()
    log(text)
    for r in rows:
        if r.get("cold_queries") is not None:
            log(
                f"({r['key']}, cache {r['cache']}) a cold render: {r['cold_queries']} SQL queries "
                f"({r['warm_queries']} warm); scans recorded: {r['scans']} for "
                f"{r['answered']} answered requests"
            )
    disturbed = [r for r in rows if r.get("other_load")]
    if disturbed:
        log(
            "\nwarning: other processes used the CPU during "
            + ", ".join(f"({r['key']}, cache {r['cache']})" for r in disturbed)
            + ": those figures understate the API; run again on a quiet machine"
        )
    non_ok = sum(r["non_2xx"] + r["socket_errors"] for r in rows)
    if non_ok:
        log(
            f"\nwarning: {non_ok} non-2xx responses or socket errors during the runs "
            "(see bench/out/wrk_*.txt)"
        )
    log(
        f"\n({time.monotonic() - started:.0f} s in all; "
        "results in bench/out/results.json and results.md)"
    )

    results = {
        "date": stamp,
        "commit": commit,
        "machine": machine,
        "database": summary,
        "settings": {
            "workers": args.workers,
            "threads": args.threads,
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
        },
        "results": rows,
    }
    (OUT / "results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (OUT / "results.md").write_text(markdown + "\n", encoding="utf-8")

"""The command line: fetch, check, say OK or FAILED (and why), remember.

Exit status: 0 the record (and every receipt given) checks out, 1 it does not,
2 a usage or network error (nothing was concluded).
"""

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from traceverify import merkle, notes, record
from traceverify.log import Log, LogFailure, open_log
from traceverify.state import State, UnusableState, default_path
from traceverify.web import NetworkError, Site

OK, FAILED, UNUSABLE = 0, 1, 2


class UsageError(Exception):
    pass


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m traceverify",
        description="Check a trace record of the market from its public answers alone.",
    )
    parser.add_argument("code", help="the QR code's URL, or a short code (with --base)")
    parser.add_argument("--base", help="the market's address (default: the QR URL's)")
    parser.add_argument("--state", type=Path, help=f"what to remember (default {default_path()})")
    parser.add_argument("--key", help="the log's verifier key (default: trusted on first use)")
    parser.add_argument(
        "--witness", action="append", default=[], help="a witness's verifier key that must cosign"
    )
    parser.add_argument(
        "--receipt", action="append", default=[], type=Path, help="a receipt file to check"
    )
    parser.add_argument("--json", action="store_true", help="answer in JSON")
    return parser.parse_args(argv)


def _site_and_path(code: str, base: str | None) -> tuple[Site, str, str]:
    """The market to ask, and the record's path and query there."""
    try:
        if "://" in code:
            url = urlsplit(code)
            return Site((base or f"{url.scheme}://{url.netloc}").rstrip("/")), url.path, url.query
        if base is None:
            raise UsageError("a short code needs --base, the market's address")
        return Site(base.rstrip("/")), f"/t/{code.strip().upper()}", ""
    except ValueError as error:
        raise UsageError(str(error)) from None


def _keys(texts: list[str], what: str) -> tuple[notes.Key, ...]:
    try:
        return tuple(notes.Key.parse(text) for text in texts)
    except notes.BadNote as error:
        raise UsageError(f"{what}: {error}") from None


def _receipt_status(path: Path, log: Log, site: Site) -> str:
    """included, pending, missing (the log broke its promise) or invalid."""
    try:
        text = path.read_text("utf-8").strip() + "\n"
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: {error}") from None
    try:
        promised = notes.receipt(text, log.key)
    except notes.BadNote:
        return "invalid"
    if promised.origin != log.origin:
        return "invalid"
    if log.checkpoint is None or promised.index >= log.checkpoint.size:
        return "pending"
    proof = site.inclusion(promised.index, log.checkpoint.size)
    size, root = log.checkpoint.size, log.checkpoint.root
    if proof is None or not merkle.included(promised.index, size, promised.leaf_hash, proof, root):
        return "missing"
    return "included"


def _when(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def verify(arguments: argparse.Namespace) -> dict[str, Any]:
    """Everything the verifier concluded, as the JSON answer says it."""
    site, path, query = _site_and_path(arguments.code, arguments.base)
    given = _keys([arguments.key] if arguments.key else [], "--key")
    required = _keys(arguments.witness, "--witness")
    try:
        state = State(arguments.state or default_path())
    except UnusableState as error:
        raise UsageError(str(error)) from None
    answer: dict[str, Any] = {"record": f"{site.base}{path}", "ok": False}
    try:
        found = record.read(site.record(path, query))
        log = open_log(site, state.of(site.base), given[0] if given else None, required)
    except record.Malformed as error:
        answer["failure"] = {"reason": "malformed", "detail": str(error)}
        return answer
    except LogFailure as failure:
        answer["failure"] = {"reason": failure.reason, "detail": failure.detail}
        answer["evidence"] = [text for text in failure.evidence if text]
        return answer
    state.remember(site.base, log.key.text, log.note)
    answer["log"] = _log_summary(site, log)
    if found.origin != log.origin:
        answer["failure"] = {"reason": "malformed", "detail": f"the record is of {found.origin}"}
        return answer
    tree = record.Tree(log.key, log.origin, log.checkpoint, site.inclusion)
    result = record.check(found, tree)
    answer.update(events=len(found.events), batches=len(found.batches), pending=result.pending)
    if result.failure is not None:
        answer["failure"] = {
            key: value for key, value in vars(result.failure).items() if value is not None
        }
    answer["receipts"] = [
        {"file": str(file), "status": _receipt_status(file, log, site)}
        for file in arguments.receipt
    ]
    answer["ok"] = result.failure is None and all(
        r["status"] in ("included", "pending") for r in answer["receipts"]
    )
    return answer


def _log_summary(site: Site, log: Log) -> dict[str, Any]:
    checkpoint = log.checkpoint
    return {
        "origin": log.origin,
        "key": log.key.text,
        "checkpoint": None
        if checkpoint is None
        else {"size": checkpoint.size, "signed_at": site.signed_at(checkpoint.size)},
        "witnesses": [
            {"key": witness.text, "cosigned_at": _when(seconds)}
            for witness, seconds in sorted(log.cosigned.items(), key=lambda item: item[0].text)
        ],
    }


def _verdict(answer: dict[str, Any]) -> str:
    record = answer["record"]
    failure = answer.get("failure")
    if failure is None:
        counts = f"events: {answer['events']}, batch records: {answer['batches']}"
        if answer["ok"]:
            return f"OK: {record}: {counts}"
        return f"FAILED: {record}: {counts}; a receipt is not honoured (below)"
    named = []
    if failure.get("sequence") is not None:
        named.append(f"event {failure['sequence']}")
    if failure.get("event_id"):
        named.append(f"({failure['event_id']})")
    if failure.get("batch") is not None:
        named.append(f"batch {failure['batch']}")
    subject = " ".join(named) + ": " if named else ""
    return f"FAILED: {record}: {subject}{failure['reason']}: {failure['detail']}"


def _describe(answer: dict[str, Any]) -> str:
    lines = [_verdict(answer)]
    log = answer.get("log")
    if log is not None:
        checkpoint = log["checkpoint"]
        if checkpoint is None:
            lines.append(f"  log {log['origin']}: no checkpoint yet")
        else:
            lines.append(
                f"  log {log['origin']}: checkpoint of {checkpoint['size']} leaves,"
                f" signed {checkpoint['signed_at'] or 'at an unknown time'}"
            )
        for witness in log["witnesses"]:
            lines.append(
                f"  cosigned by {witness['key'].split('+')[0]} at {witness['cosigned_at']}"
            )
        if not log["witnesses"]:
            lines.append("  no witness has cosigned it")
    if answer.get("pending"):
        lines.append(
            f"  {answer['pending']} records are newer than the checkpoint: only their receipts vouch"
        )
    for receipt in answer.get("receipts", []):
        lines.append(f"  receipt {receipt['file']}: {receipt['status']}")
    lines.extend(f"  evidence:\n{text}" for text in answer.get("evidence", []))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    arguments = _arguments(argv)
    try:
        answer = verify(arguments)
    except (UsageError, NetworkError, UnusableState) as error:
        print(f"traceverify: {error}", file=sys.stderr)
        return UNUSABLE
    if arguments.json:
        print(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        print(_describe(answer))
    return OK if answer["ok"] else FAILED

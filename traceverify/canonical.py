"""The bytes the market hashes: canonical JSON, event hashes and the log's leaves.

Canonical JSON is RFC 8785 (JCS) but for numbers, written as their exact
decimal value: no exponent, no leading zeros, no trailing fractional zeros
(``2.50`` and ``25E-1`` are ``2.5``; ``-0`` is ``0``). So a document is read
with its numbers as `Decimal` (`parse`), never through a binary float.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from traceverify import merkle

EVENT_LEAF = "trace-event/v1"
BATCH_LEAF = "trace-batch/v1"
MAX_EXPONENT = 1000  # as the market's: beyond it a number would be written with thousands of zeros
_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def parse(text: str | bytes) -> Any:
    """JSON with every number that has a fraction or an exponent as a `Decimal`."""
    return json.loads(text, parse_float=Decimal)


def _string(text: str) -> str:
    out = ['"']
    for char in text:
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif ord(char) < 0x20:
            out.append(f"\\u{ord(char):04x}")
        elif 0xD800 <= ord(char) <= 0xDFFF:
            raise ValueError("a string holds a lone surrogate")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _number(value: int | Decimal) -> str:
    if isinstance(value, int):
        return str(value)
    if not value.is_finite():
        raise ValueError("a number is finite")
    if not value:
        return "0"
    if abs(value.adjusted()) > MAX_EXPONENT:
        raise ValueError("a number's exponent is within ±1000")
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True or value is False:
        out.append("true" if value else "false")
    elif isinstance(value, int | Decimal):
        out.append(_number(value))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, list):
        out.append("[")
        for position, item in enumerate(value):
            if position:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        keys = sorted(value, key=lambda key: key.encode("utf-16-be", "surrogatepass"))
        for position, key in enumerate(keys):
            if position:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        raise TypeError(f"{type(value).__name__} is not a JSON value")


def canonical(value: Any) -> bytes:
    out: list[str] = []
    _write(value, out)
    return "".join(out).encode("utf-8")


def event_hash(content: Mapping[str, Any], previous: Iterable[list[Any]]) -> str:
    """SHA-256 (hex) of canonical {"content": …, "previous": [[chain, hash|null], …]}."""
    return hashlib.sha256(canonical({"content": content, "previous": list(previous)})).hexdigest()


def event_leaf(hash_hex: str, chains: Iterable[int]) -> bytes:
    numbers = " ".join(str(chain) for chain in sorted(set(chains)))
    return merkle.leaf_hash(f"{EVENT_LEAF}\n{hash_hex}\n{numbers}\n".encode())


def batch_leaf(record: Mapping[str, Any]) -> bytes:
    digest = hashlib.sha256(canonical(record)).hexdigest()
    return merkle.leaf_hash(f"{BATCH_LEAF}\n{digest}\n{record['batch']}\n".encode())

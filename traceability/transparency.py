"""The formats of the trace log: its name and key, its leaves, its receipts.

Pure (no queries); `traceability.services.log` keeps the log and `docs/trace-log.md`
describes it for anyone who wants to check it with their own tools.

**Origin and key.** The log's origin (C2SP tlog-checkpoint) is
``settings.TRACE_LOG_ORIGIN``, by default the public host and ``/trace``
(``market.example/trace``); its note key is the platform's Ed25519 signing key
(`traceability.integrity.platform_key`) under that name, published as a
C2SP verifier key.

**Leaf.** Event ``e`` is the leaf whose data is the UTF-8 text::

    trace-event/v1\\n<e's hash, lowercase hex>\\n<its chains, ascending decimal, space-separated>\\n

(the hash is `traceability.integrity.event_hash`; the chains are the ids of
the batches it is on), hashed as RFC 9162 hashes leaves. Batch ``b``'s facts,
as it was created, are the leaf::

    trace-batch/v1\n<SHA-256 hex of the canonical JSON of its record>\n<b's id>\n

where the record is `batch_record`'s object (``gs1.epcis.canonical_json``).

**Receipt.** The log's promise, signed when the event is recorded, that leaf
``index`` with that hash is in the log (as Certificate Transparency's signed
certificate timestamps are): a signed note (C2SP signed-note) by the log key
of the text::

    <origin>\\ntrace-receipt/v1\\n<index>\\n<base64 leaf hash>\\n<recorded at, Unix seconds>\\n

A checkpoint whose tree is larger than ``index`` and that does not include the
leaf proves that the log broke its promise.

**Key rotation.** The old key announces the new one in a checkpoint it signs,
with the extension line ``trace-key-next <new verifier key>``; the old key's
verifier key then goes to ``settings.TRACE_RETIRED_KEYS``, so that what it
signed still verifies, and the new key signs from then on.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from gs1.epcis import canonical_json
from tlog import merkle, note
from traceability import integrity

NEXT_KEY = "trace-key-next"
LEAF_TYPE = "trace-event/v1"
BATCH_LEAF_TYPE = "trace-batch/v1"
RECEIPT_TYPE = "trace-receipt/v1"
_NUMBER = re.compile(r"0|[1-9][0-9]*")


def origin() -> str:
    configured: str = getattr(settings, "TRACE_LOG_ORIGIN", "")
    if configured:
        return configured
    url = urlsplit(settings.PUBLIC_BASE_URL)
    return f"{url.netloc}{url.path.rstrip('/')}/trace"


@functools.lru_cache(maxsize=4)
def _signer(name: str, key_text: str, key_file: str) -> note.Ed25519Signer:
    return note.Ed25519Signer(name, integrity.platform_key())


def signer() -> note.Ed25519Signer:
    """The log's note key: the platform key named by the origin (read once per setting)."""
    return _signer(
        origin(),
        getattr(settings, "TRACE_SIGNING_KEY", ""),
        str(getattr(settings, "TRACE_SIGNING_KEY_FILE", "")),
    )


def verifier() -> note.Ed25519Verifier:
    return signer().verifier()


@functools.lru_cache(maxsize=4)
def _retired(vkeys: tuple[str, ...]) -> tuple[note.Ed25519Verifier, ...]:
    try:
        return tuple(note.Ed25519Verifier.from_vkey(vkey) for vkey in vkeys)
    except ValueError as error:
        raise ImproperlyConfigured(f"TRACE_RETIRED_KEYS: {error}") from None


def retired_verifiers() -> tuple[note.Ed25519Verifier, ...]:
    """The log's earlier keys (``settings.TRACE_RETIRED_KEYS``, verifier keys): what
    they signed before the rotation still verifies."""
    return _retired(tuple(getattr(settings, "TRACE_RETIRED_KEYS", ())))


def verifiers() -> list[note.Ed25519Verifier]:
    return [verifier(), *retired_verifiers()]


def key_announcement(new_key: note.Ed25519Verifier) -> str:
    """The checkpoint extension line by which the log's key announces its successor."""
    return f"{NEXT_KEY} {new_key.vkey()}"


def leaf_data(event_hash: str, chains: Iterable[int]) -> bytes:
    numbers = " ".join(str(chain) for chain in sorted(set(chains)))
    return f"{LEAF_TYPE}\n{event_hash}\n{numbers}\n".encode()


def leaf_hash(event_hash: str, chains: Iterable[int]) -> bytes:
    return merkle.leaf_hash(leaf_data(event_hash, chains))


class BatchFacts(Protocol):
    pk: Any
    code: str
    lot: str
    seller_id: int
    variant_id: int
    farm_id: int
    harvest_date: date
    best_before: date | None
    quantity: Decimal
    unit: str


def batch_record(batch: BatchFacts) -> dict[str, Any]:
    """What a page says of a batch: its lot, code, seller, product variant, farm,
    dates and quantity (ids as numbers, dates ISO 8601, the quantity to 3 places)."""
    return {
        "batch": batch.pk,
        "code": batch.code,
        "lot": batch.lot,
        "seller": batch.seller_id,
        "variant": batch.variant_id,
        "farm": batch.farm_id,
        "harvestDate": batch.harvest_date.isoformat(),
        "bestBefore": batch.best_before.isoformat() if batch.best_before else None,
        "quantity": f"{Decimal(batch.quantity):.3f}",
        "unit": batch.unit,
    }


def batch_leaf_hash(batch: BatchFacts) -> bytes:
    record = hashlib.sha256(canonical_json(batch_record(batch))).hexdigest()
    return merkle.leaf_hash(f"{BATCH_LEAF_TYPE}\n{record}\n{batch.pk}\n".encode())


@dataclass(frozen=True)
class Receipt:
    origin: str
    index: int
    leaf_hash: bytes
    recorded_at: datetime


def receipt(index: int, hashed: bytes, recorded_at: datetime) -> str:
    """The signed receipt of leaf `index` (module docstring)."""
    seconds = int(recorded_at.timestamp())
    text = f"{origin()}\n{RECEIPT_TYPE}\n{index}\n{note.b64encode(hashed)}\n{seconds}\n"
    return note.sign(text, signer())


def open_receipt(message: str, keys: Iterable[note.Verifier] | None = None) -> Receipt:
    """A receipt a log key signed (the current or a retired one, by default);
    `ValueError` (a `note.MalformedNote` or `note.UnverifiedNote`) says why
    another is not one."""
    opened = note.open_note(message, verifiers() if keys is None else keys)
    lines = opened.text.split("\n")
    if len(lines) != 6 or lines[1] != RECEIPT_TYPE or lines[5]:
        raise note.MalformedNote("not a trace receipt")
    name, _type, index, hashed, seconds, _end = lines
    if not _NUMBER.fullmatch(index) or not _NUMBER.fullmatch(seconds):
        raise note.MalformedNote("a receipt's index and time are decimal numbers")
    leaf = note.b64decode(hashed, "the leaf hash")
    if len(leaf) != merkle.HASH_SIZE:
        raise note.MalformedNote("a leaf hash is 32 bytes")
    return Receipt(name, int(index), leaf, datetime.fromtimestamp(int(seconds), UTC))

"""Tamper evidence for trace events: hash chains per batch, and the platform key.

Why two layers: a hash chain shows an edit to anyone who checks it, but not to
someone who can also rewrite every later hash, as anyone with write access to
the database can. So every event is also a leaf of a transparency log whose
signed, witnessed checkpoints no database edit can follow. This module is the
pure core of the chains (no models, no queries): the caller loads the events.

**Event hash.** An event belongs to one chain per batch it touches (an object
event: its batch; a transformation: its inputs' and its output's batches).
Its ``hash`` is the lowercase hex SHA-256 of the bytes::

    canonical_json({"content": content, "previous": [[chain_id, previous_hash], ...]})

where ``content`` is the event's EPCIS document, ``previous`` lists every chain
of the event once, sorted by chain id (code point order), with the ``hash`` of
that chain's previous event (``null`` for the chain's first event), and
``canonical_json`` is `gs1.epcis.canonical_json` (RFC 8785 JCS with
numbers written exactly; its docstring has the rules). So an event commits to
its content and to each chain's past.

**Log.** Every event is also a leaf of the platform's transparency log, whose
checkpoints the platform signs and witnesses cosign (`traceability.transparency`
has the formats, `traceability.services.log` the log).

**Key.** ``settings.TRACE_SIGNING_KEY``: a PEM (PKCS#8, unencrypted) Ed25519
private key, as ``openssl genpkey -algorithm ed25519`` writes it, or the base64
(standard or url-safe) of the raw 32-byte private key, handier in an
environment variable. Empty, with DEBUG on: a key generated on first use into
``settings.TRACE_SIGNING_KEY_FILE`` (default ``BASE_DIR/var/trace-signing-key.pem``,
outside MEDIA_ROOT, which DEBUG serves) and read from there afterwards. Empty
with DEBUG off: `ImproperlyConfigured`, as for SECRET_KEY.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from gs1.epcis import canonical_json

ALGORITHM = "Ed25519"


class Reason(StrEnum):
    """Why verification failed; the event named with it is the first that fails."""

    CHAINS_MISMATCH = "chains_mismatch"  # its batches differ from those its hash covers
    CONTENT_MISMATCH = "content_mismatch"  # content (or previous links) edited
    BROKEN_LINK = "broken_link"  # previous event deleted, inserted or reordered
    COLUMNS_MISMATCH = "columns_mismatch"  # a column shown differs from the hashed content
    PHOTO_MISMATCH = "photo_mismatch"  # the photo shown (or its file) is not the one hashed
    BATCH_MISMATCH = "batch_mismatch"  # a batch's facts differ from the record logged
    NOT_IN_LOG = "not_in_log"  # no leaf in the log: inserted behind the platform's back
    NOT_AS_LOGGED = "not_as_logged"  # differs from its leaf, or its leaf from the signed tree
    MISSING_EVENTS = "missing_events"  # in the log, deleted from the chain
    BAD_RECEIPT = "bad_receipt"  # not yet checkpointed, and its receipt does not prove it
    BAD_CHECKPOINT = "bad_checkpoint"  # the stored checkpoint is not the log key's
    LOG_DAMAGED = "log_damaged"  # the log lost leaves, or no longer extends what it signed


@dataclass(frozen=True, slots=True)
class Verdict:
    """A verification result: ``ok``, or the reason, the event and the chain that failed."""

    ok: bool
    reason: Reason | None = None
    event_id: str | None = None
    chain_id: str | None = None


OK = Verdict(ok=True)


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event as stored: what it claims (hash, previous links) beside its content."""

    id: str
    chains: frozenset[str]
    content: Mapping[str, Any]
    hash: str
    previous: Mapping[str, str | None]


def event_hash(content: Mapping[str, Any], previous: Mapping[str, str | None]) -> str:
    """The hash an event stores (see the module docstring for the exact bytes)."""
    pairs = [[chain, previous[chain]] for chain in sorted(previous)]
    return hashlib.sha256(canonical_json({"content": content, "previous": pairs})).hexdigest()


def verify_chain(
    events: Iterable[EventRecord], *, chains: Collection[str] | None = None
) -> Verdict:
    """Check each event against its content and against the event before it in each chain.

    ``events`` come in recording order (any order that keeps every chain's order).
    ``chains`` names the chains whose events are all given, so that their links
    are checked; by default every chain an event belongs to (pass it when the
    events include, say, a transformation whose other inputs were not loaded).
    """
    heads: dict[str, str] = {}
    for event in events:
        if event.chains != set(event.previous):
            return Verdict(False, Reason.CHAINS_MISMATCH, event.id)
        if event_hash(event.content, event.previous) != event.hash:
            return Verdict(False, Reason.CONTENT_MISMATCH, event.id)
        for chain in sorted(event.chains):
            if chains is not None and chain not in chains:
                continue
            if event.previous[chain] != heads.get(chain):
                return Verdict(False, Reason.BROKEN_LINK, event.id, chain)
            heads[chain] = event.hash
    return OK


def key_id(public_key: Ed25519PublicKey) -> str:
    """The hex SHA-256 of the raw public key: how the key document names the key."""
    return hashlib.sha256(_raw_public(public_key)).hexdigest()


def fingerprint(private_key: Ed25519PrivateKey | None = None) -> str:
    """The platform key's short fingerprint, as label sheets print it and pages show
    it beside the key's address: the first 16 hex digits of its key ID, by fours."""
    short = key_id((private_key or platform_key()).public_key())[:16]
    return " ".join(short[start : start + 4] for start in range(0, len(short), 4))


def load_private_key(text: str) -> Ed25519PrivateKey:
    """Read a PEM (PKCS#8) or base64 raw Ed25519 private key; `ValueError` says what is wrong."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise ValueError(f"not an unencrypted PEM private key ({exc})") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"a PEM {type(key).__name__}, not an Ed25519 private key")
        return key
    try:
        standard = text.replace("-", "+").replace("_", "/")
        raw = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("neither PEM nor base64") from None
    if len(raw) != 32:
        raise ValueError(f"base64 of {len(raw)} bytes, not of a raw 32-byte Ed25519 private key")
    return Ed25519PrivateKey.from_private_bytes(raw)


def platform_key() -> Ed25519PrivateKey:
    """The platform's signing key, from the settings (module docstring)."""
    text: str = getattr(settings, "TRACE_SIGNING_KEY", "")
    if text.strip():
        try:
            return load_private_key(text)
        except ValueError as exc:
            raise ImproperlyConfigured(f"TRACE_SIGNING_KEY: {exc}") from None
    if not settings.DEBUG:
        raise ImproperlyConfigured("TRACE_SIGNING_KEY must be set when DEBUG is off")
    path = Path(
        getattr(settings, "TRACE_SIGNING_KEY_FILE", "")
        or Path(settings.BASE_DIR) / "var" / "trace-signing-key.pem"
    )
    if not path.exists():
        _create_key_file(path)
    try:
        return load_private_key(path.read_text())
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRACE_SIGNING_KEY_FILE {path}: {exc}") from None


def public_key_document(private_key: Ed25519PrivateKey | None = None) -> dict[str, Any]:
    """What the public URL publishes beside the checkpoints (also as a JWK, RFC 8037)."""
    public = (private_key or platform_key()).public_key()
    x = _b64url(_raw_public(public))
    return {
        "algorithm": ALGORITHM,
        "key_id": key_id(public),
        "public_key": x,
        "jwk": {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": key_id(public)},
    }


def _create_key_file(path: Path) -> None:
    """Write a new key to ``path`` unless another process got there first.

    The key is written to a private temporary file that is then hard-linked into
    place: the link either appears whole or fails because the file exists, so
    concurrent first uses (web and worker) end up with one key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        with contextlib.suppress(FileExistsError):  # another process's key won
            os.link(temporary, path)
    finally:
        temporary.unlink()


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

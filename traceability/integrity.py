"""Tamper evidence for trace events: hash chains per batch, signed checkpoints.

Why two layers: a hash chain shows an edit to anyone who checks it, but not to
someone who can also rewrite every later hash, as anyone with write access to
the database can. So a periodic task signs the head of every chain with the
platform's Ed25519 key and publishes the checkpoints; a chain rewritten after
the checkpoint no longer ends in the head it signed. This module is the pure
core (no models, no queries): the caller loads the events and checkpoints.

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

**Checkpoint.** ``canonical_json`` of::

    {"chains": {chain_id: {"head": event_id, "hash": head_hash, "length": n}},
     "key_id": key_id, "signed_at": "2026-01-31T02:00:00+00:00"}

is signed with Ed25519; ``length`` counts the chain's events up to its head,
``signed_at`` is UTC in ISO 8601. It holds only strings and integers, so any
JCS implementation makes the same bytes (as does ``json.dumps`` with
``sort_keys=True, separators=(",", ":"), ensure_ascii=False``). The published
document is that object plus ``"signature"`` (unpadded base64url): drop the
signature, canonicalise, verify with the key of `public_key_document`
(``key_id`` is the hex SHA-256 of the raw 32-byte public key).

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
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
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
    WRONG_KEY = "wrong_key"  # checkpoint signed by another key than the one given
    BAD_SIGNATURE = "bad_signature"  # checkpoint edited, or signature forged
    MISSING_EVENTS = "missing_events"  # chain shorter than signed: events deleted
    HEAD_MISMATCH = "head_mismatch"  # signed head rewritten, or chain cut and regrown


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


class ChainHead(NamedTuple):
    head_event_id: str
    head_hash: str
    length: int


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The heads of the chains at ``signed_at`` (timezone-aware), for the key ``key_id``."""

    chains: Mapping[str, ChainHead]
    signed_at: datetime
    key_id: str

    def to_json(self) -> dict[str, Any]:
        """The signed object (module docstring); naive ``signed_at`` is refused."""
        if self.signed_at.utcoffset() is None:
            raise ValueError("signed_at must be timezone-aware")
        return {
            "chains": {
                chain: {"head": head.head_event_id, "hash": head.head_hash, "length": head.length}
                for chain, head in self.chains.items()
            },
            "key_id": self.key_id,
            "signed_at": self.signed_at.astimezone(UTC).isoformat(),
        }


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    signature: str  # unpadded base64url of the 64-byte Ed25519 signature

    def to_json(self) -> dict[str, Any]:
        """The published (and stored) document: the checkpoint and its signature."""
        return {**self.checkpoint.to_json(), "signature": self.signature}

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> SignedCheckpoint:
        """Read `to_json`'s document back; anything else raises `ValueError`."""
        try:
            chains = {
                str(chain): ChainHead(str(head["head"]), str(head["hash"]), int(head["length"]))
                for chain, head in document["chains"].items()
            }
            signed_at = datetime.fromisoformat(document["signed_at"])
            checkpoint = Checkpoint(chains, signed_at, str(document["key_id"]))
            signed = cls(checkpoint, str(document["signature"]))
            signed.checkpoint.to_json()  # refuses a naive signed_at
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"not a signed checkpoint document: {exc}") from exc
        return signed


def chain_heads(events: Iterable[EventRecord]) -> dict[str, ChainHead]:
    """The head and length of every chain of ``events`` (in recording order)."""
    heads: dict[str, ChainHead] = {}
    for event in events:
        for chain in event.chains:
            length = heads[chain].length + 1 if chain in heads else 1
            heads[chain] = ChainHead(event.id, event.hash, length)
    return heads


def key_id(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw_public(public_key)).hexdigest()


def sign_checkpoint(checkpoint: Checkpoint, private_key: Ed25519PrivateKey) -> SignedCheckpoint:
    if checkpoint.key_id != key_id(private_key.public_key()):
        raise ValueError("checkpoint.key_id is not the id of the signing key")
    signature = private_key.sign(canonical_json(checkpoint.to_json()))
    return SignedCheckpoint(checkpoint, _b64url(signature))


def verify_checkpoint(signed: SignedCheckpoint, public_key: Ed25519PublicKey) -> Verdict:
    """Whether ``signed`` carries ``public_key``'s valid signature over its checkpoint."""
    if signed.checkpoint.key_id != key_id(public_key):
        return Verdict(False, Reason.WRONG_KEY)
    try:
        signature = base64.urlsafe_b64decode(signed.signature + "=" * (-len(signed.signature) % 4))
        public_key.verify(signature, canonical_json(signed.checkpoint.to_json()))
    except (InvalidSignature, binascii.Error, ValueError):
        return Verdict(False, Reason.BAD_SIGNATURE)
    return OK


def check_against_checkpoint(
    events: Iterable[EventRecord],
    signed: SignedCheckpoint,
    *,
    public_key: Ed25519PublicKey,
    chains: Collection[str] | None = None,
) -> Verdict:
    """Check that each chain still passes through the head the checkpoint signed.

    The signature is checked first. Then, for each chain that the checkpoint
    covers and ``chains`` names (as in `verify_chain`; by default those of the
    events: name them, or a chain deleted whole goes unnoticed), the chain's
    event at the signed length must be the signed head, with the signed hash;
    the first event in recording order that is not is named, else a chain
    shorter than signed is (with the signed head, now missing). Events
    appended after the checkpoint pass, as does a chain newer than it.
    """
    verdict = verify_checkpoint(signed, public_key)
    if not verdict.ok:
        return verdict
    return check_heads(events, signed.checkpoint, chains=chains)


def check_heads(
    events: Iterable[EventRecord], checkpoint: Checkpoint, *, chains: Collection[str] | None = None
) -> Verdict:
    """`check_against_checkpoint` of a checkpoint whose signature was checked already."""
    heads = checkpoint.chains
    wanted = None if chains is None else set(chains)
    counts: dict[str, int] = dict.fromkeys(wanted or (), 0)
    for event in events:
        for chain in sorted(event.chains):
            if wanted is not None and chain not in wanted:
                continue
            counts[chain] = counts.get(chain, 0) + 1
            head = heads.get(chain)
            if head is None or counts[chain] != head.length:
                continue
            if (event.id, event.hash) != (head.head_event_id, head.head_hash):
                return Verdict(False, Reason.HEAD_MISMATCH, event.id, chain)
    for chain, count in sorted(counts.items()):
        head = heads.get(chain)
        if head is not None and count < head.length:
            return Verdict(False, Reason.MISSING_EVENTS, head.head_event_id, chain)
    return OK


def verify(
    events: Collection[EventRecord],
    signed: SignedCheckpoint | None,
    *,
    public_key: Ed25519PublicKey,
    chains: Collection[str] | None = None,
) -> Verdict:
    """Both checks, chain first (it names the edited event); no checkpoint yet: chain only."""
    verdict = verify_chain(events, chains=chains)
    if not verdict.ok or signed is None:
        return verdict
    return check_against_checkpoint(events, signed, public_key=public_key, chains=chains)


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

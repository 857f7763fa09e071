"""C2SP signed notes, checkpoints, cosignatures, and the market's receipts.

- signed-note (c2sp.org/signed-note): a text ending in a newline, a blank line,
  then lines ``— <key name> <base64(key ID ‖ signature)>``. A verifier key is
  ``<name>+<8 hex digits of key ID>+<base64(type ‖ public key)>``, the key ID
  being ``SHA-256(name ‖ "\\n" ‖ type ‖ public key)[:4]``. Type 0x01 signs the
  text with Ed25519; a signature by a key one knows that fails rejects the note.
- tlog-cosignature (c2sp.org/tlog-cosignature): type 0x04, the signature is
  ``timestamp (8 bytes, big-endian) ‖ Ed25519 signature`` of
  ``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint text.
- tlog-checkpoint (c2sp.org/tlog-checkpoint): ``<origin>\\n<size>\\n<base64 root>\\n``
  and optional extension lines.
- a receipt of the market's log: ``<origin>\\ntrace-receipt/v1\\n<leaf index>\\n<base64
  leaf hash>\\n<Unix seconds>\\n``, signed by the log key.
"""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ED25519 = 0x01
COSIGNATURE = 0x04
RECEIPT = "trace-receipt/v1"
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,18}")


class BadNote(ValueError):
    """A note, key, checkpoint or receipt that is malformed or not signed as it must be."""


def b64(text: str, what: str) -> bytes:
    """Canonical, padded standard base64 only: one spelling for each value."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise BadNote(f"{what} is not base64") from None
    if base64.b64encode(data).decode("ascii") != text:
        raise BadNote(f"{what} is not canonical base64")
    return data


def _key_id(name: str, key_type: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public).digest()[:4]


@dataclass(frozen=True)
class Key:
    """A verifier key: the log's (Ed25519) or a witness's (cosignature/v1)."""

    name: str
    key_id: bytes
    key_type: int
    public: bytes
    text: str

    @classmethod
    def parse(cls, vkey: str) -> "Key":
        name, _, rest = vkey.partition("+")
        hex_id, _, encoded = rest.partition("+")
        if not name or re.search(r"[\s+]", name) or not re.fullmatch(r"[0-9a-f]{8}", hex_id):
            raise BadNote(f"not a verifier key: {vkey!r}")
        material = b64(encoded, "a verifier key")
        if len(material) != 33 or material[0] not in (ED25519, COSIGNATURE):
            raise BadNote("a verifier key is an Ed25519 or a cosignature/v1 key of 32 bytes")
        key_type, public = material[0], material[1:]
        if _key_id(name, key_type, public) != bytes.fromhex(hex_id):
            raise BadNote("the key ID does not match the key")
        return cls(name, bytes.fromhex(hex_id), key_type, public, vkey)

    def verify(self, text: str, signature: bytes) -> bool:
        message = text.encode()
        if self.key_type == COSIGNATURE:
            if len(signature) != 8 + 64:
                return False
            message = f"cosignature/v1\ntime {timestamp(signature)}\n".encode() + message
            signature = signature[8:]
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def timestamp(cosignature: bytes) -> int:
    return int.from_bytes(cosignature[:8], "big")


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes


def split(message: str) -> tuple[str, list[Signature]]:
    """The note's text and its signature lines (none checked yet)."""
    if not message.endswith("\n") or re.search(r"[\x00-\x09\x0b-\x1f]", message):
        raise BadNote("a note ends in a newline and holds no other control character")
    blank = message.rfind("\n\n")
    if blank < 0:
        raise BadNote("a note has a blank line before its signatures")
    text, lines = message[: blank + 1], message[blank + 2 : -1].split("\n")
    signatures = []
    for line in lines:
        match = re.fullmatch(r"— (\S+) (\S+)", line)
        if match is None or "+" in match[1]:
            raise BadNote(f"not a signature line: {line!r}")
        blob = b64(match[2], "a signature")
        if len(blob) < 5:
            raise BadNote("a signature is a key ID and a signature")
        signatures.append(Signature(match[1], blob[:4], blob[4:]))
    return text, signatures


def _by(signatures: list[Signature], key: Key) -> Signature | None:
    return next((s for s in signatures if (s.name, s.key_id) == (key.name, key.key_id)), None)


def open_signed(message: str, key: Key, others: tuple[Key, ...] = ()) -> tuple[str, dict[Key, int]]:
    """The text `key` signed, and which of `others` (witnesses) cosigned it, with
    when; a signature by any of these keys that fails rejects the note."""
    text, signatures = split(message)
    found = _by(signatures, key)
    if found is None:
        raise BadNote(f"the note is not signed by {key.name}")
    if not key.verify(text, found.signature):
        raise BadNote(f"the signature by {key.name} is invalid")
    cosigned = {}
    for other in others:
        line = _by(signatures, other)
        if line is None:
            continue
        if not other.verify(text, line.signature):
            raise BadNote(f"the cosignature by {other.name} is invalid")
        cosigned[other] = timestamp(line.signature)
    return text, cosigned


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


def checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] or not lines[0] or not _DECIMAL.fullmatch(lines[1]):
        raise BadNote("a checkpoint is an origin, a decimal size and a root hash")
    root = b64(lines[2], "the root hash")
    if len(root) != 32:
        raise BadNote("a root hash is 32 bytes")
    return Checkpoint(lines[0], int(lines[1]), root)


@dataclass(frozen=True)
class Receipt:
    origin: str
    index: int
    leaf_hash: bytes
    recorded_at: int  # Unix seconds


def receipt(message: str, key: Key) -> Receipt:
    """The log's promise that leaf `index` has this hash; `BadNote` if it is not one."""
    text, _cosigned = open_signed(message, key)
    lines = text.split("\n")
    if len(lines) != 6 or lines[1] != RECEIPT or lines[5]:
        raise BadNote("not a trace receipt")
    if not _DECIMAL.fullmatch(lines[2]) or not _DECIMAL.fullmatch(lines[4]):
        raise BadNote("a receipt's index and time are decimal numbers")
    hashed = b64(lines[3], "the leaf hash")
    if len(hashed) != 32:
        raise BadNote("a leaf hash is 32 bytes")
    return Receipt(lines[0], int(lines[2]), hashed, int(lines[4]))

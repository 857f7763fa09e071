"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys.

A note is a text ending in a newline, a blank line, then signature lines
`— <key name> <base64(key ID ‖ signature)>`. A key is known by its name and
4-byte key ID, `SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`; Ed25519 is type
0x01. Keys travel as the strings Go's golang.org/x/mod/sumdb/note reads:
`<name>+<hex key ID>+<base64(type ‖ public key)>` (verifier) and
`PRIVATE+KEY+<name>+<hex key ID>+<base64(type ‖ seed)>` (signer).

Opening a note verifies every signature by a known key and ignores the others,
as the specification says: one failed known signature rejects the note, and so
does a note with no known signature at all.
"""

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

ED25519 = 0x01
SIGNATURE_PREFIX = "— "
MAX_SIGNATURES = 100
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class MalformedNote(ValueError):
    """A note, key string or signature line that does not follow the format."""


class UnverifiedNote(ValueError):
    """A well-formed note whose signatures do not prove it: a known key's signature
    fails, or no known key signed it."""


def check_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" or ord(c) < 0x20 for c in name):
        raise MalformedNote(f"a key name is non-empty, without spaces or '+': {name!r}")
    return name


def key_id(name: str, key_type: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()[:4]


def b64decode(text: str, what: str) -> bytes:
    """Strict standard base64 (RFC 4648 §4): padded, no stray characters, canonical."""
    try:
        decoded = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise MalformedNote(f"{what} is not base64") from None
    if base64.b64encode(decoded).decode() != text:
        raise MalformedNote(f"{what} is not canonical base64")
    return decoded


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Signer(Protocol):
    name: str
    key_id: bytes

    def sign(self, text: bytes) -> bytes: ...


class Verifier(Protocol):
    name: str
    key_id: bytes

    def verify(self, text: bytes, signature: bytes) -> bool: ...


@dataclass(frozen=True)
class VerifierKey:
    """A parsed verifier key string, of any signature type."""

    name: str
    key_id: bytes
    key_type: int
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> "VerifierKey":
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise MalformedNote("a verifier key is <name>+<key ID>+<key>")
        name, hex_id, encoded = parts
        check_name(name)
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
            raise MalformedNote("a key ID is 8 lower-case hex digits")
        material = b64decode(encoded, "the key")
        if len(material) < 2:
            raise MalformedNote("the key is empty")
        key = cls(name, bytes.fromhex(hex_id), material[0], material[1:])
        if key_id(name, key.key_type, key.public_key) != key.key_id:
            raise MalformedNote("the key ID does not match the key")
        return key

    def format(self) -> str:
        return (
            f"{self.name}+{self.key_id.hex()}+{b64encode(bytes([self.key_type]) + self.public_key)}"
        )


def ed25519_public_key(material: bytes) -> Ed25519PublicKey:
    if len(material) != 32:
        raise MalformedNote("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(material)


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def raw_seed(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


class Ed25519Verifier:
    """A log's note key (type 0x01)."""

    key_type = ED25519

    def __init__(self, name: str, public_key: bytes) -> None:
        self.name = check_name(name)
        self.public_key = ed25519_public_key(public_key)
        self.key_id = key_id(name, self.key_type, public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> Self:
        key = VerifierKey.parse(vkey)
        if key.key_type != cls.key_type:
            raise MalformedNote(f"the key's type is {key.key_type:#04x}, not {cls.key_type:#04x}")
        return cls(key.name, key.public_key)

    def vkey(self) -> str:
        material = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return VerifierKey(self.name, self.key_id, self.key_type, material).format()

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            self.public_key.verify(signature, text)
        except InvalidSignature:
            return False
        return True


class Ed25519Signer:
    """A log's private note key; its string form is a secret."""

    key_type = ED25519

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self.name = check_name(name)
        self.private_key = private_key
        self.key_id = key_id(name, self.key_type, raw_public(private_key))

    @classmethod
    def generate(cls, name: str) -> Self:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_skey(cls, skey: str) -> Self:
        if not skey.startswith("PRIVATE+KEY+"):
            raise MalformedNote("a signer key starts with PRIVATE+KEY+")
        parts = skey.removeprefix("PRIVATE+KEY+").split("+", 2)
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise MalformedNote("a signer key is PRIVATE+KEY+<name>+<key ID>+<key>")
        name, hex_id, encoded = parts
        material = b64decode(encoded, "the key")
        if len(material) != 33 or material[0] != cls.key_type:
            raise MalformedNote(f"this signer key is {cls.key_type:#04x} and a 32-byte seed")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(material[1:]))
        if signer.key_id.hex() != hex_id:
            raise MalformedNote("the key ID does not match the key")
        return signer

    def skey(self) -> str:
        material = bytes([self.key_type]) + raw_seed(self.private_key)
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{b64encode(material)}"

    def verifier(self) -> Ed25519Verifier:
        return Ed25519Verifier(self.name, raw_public(self.private_key))

    def sign(self, text: bytes) -> bytes:
        return self.private_key.sign(text)


@dataclass(frozen=True)
class Signature:
    """One signature line: the signer's name, key ID and signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {b64encode(self.key_id + self.signature)}\n"

    @classmethod
    def parse(cls, line: str) -> "Signature":
        if not line.startswith(SIGNATURE_PREFIX):
            raise MalformedNote("a signature line starts with an em dash and a space")
        name, space, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
        if not space:
            raise MalformedNote("a signature line is — <name> <signature>")
        check_name(name)
        blob = b64decode(encoded, "a signature")
        if len(blob) < 5:
            raise MalformedNote("a signature is a 4-byte key ID and the signature")
        return cls(name, blob[:4], blob[4:])


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]

    def format(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


def check_text(text: str) -> str:
    if not text.endswith("\n"):
        raise MalformedNote("a note's text ends in a newline")
    if _CONTROL.search(text):
        raise MalformedNote("a note holds no control character but newlines")
    return text


def parse(message: str | bytes) -> Note:
    """Split a signed note into text and signature lines; checks no signature."""
    if isinstance(message, bytes):
        try:
            message = message.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedNote("a note is UTF-8") from None
    check_text(message)
    split = message.rfind("\n\n")
    if split < 0:
        raise MalformedNote("a note has a blank line before its signatures")
    text, lines = message[: split + 1], message[split + 2 :].splitlines()
    if not lines:
        raise MalformedNote("a note has at least one signature")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote(f"a note has at most {MAX_SIGNATURES} signatures")
    return Note(text, tuple(Signature.parse(line) for line in lines))


def sign(text: str, *signers: Signer, signatures: Iterable[Signature] = ()) -> str:
    """A signed note of `text`, with the signers' new signatures after `signatures`
    (a signature already there by the same key is replaced)."""
    check_text(text)
    ids = {(s.name, s.key_id) for s in signers}
    kept = [s for s in signatures if (s.name, s.key_id) not in ids]
    new = [Signature(s.name, s.key_id, s.sign(text.encode())) for s in signers]
    message = Note(text, (*kept, *new)).format()
    if parse(message).text != text:
        raise MalformedNote("the note's text would not read back as it is")
    return message


@dataclass(frozen=True)
class OpenedNote:
    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]


def open_note(message: str | bytes, verifiers: Iterable[Verifier]) -> OpenedNote:
    """The note's text once a known key's signature proves it; UnverifiedNote otherwise."""
    note = parse(message)
    known: dict[tuple[str, bytes], Verifier] = {}
    for verifier in verifiers:
        ident = (verifier.name, verifier.key_id)
        if ident in known:
            raise ValueError(f"two verifiers share the key {verifier.name}+{verifier.key_id.hex()}")
        known[ident] = verifier
    verified: list[Signature] = []
    unverified: list[Signature] = []
    for signature in note.signatures:
        known_key = known.get((signature.name, signature.key_id))
        if known_key is None:
            unverified.append(signature)
        elif not known_key.verify(note.text.encode(), signature.signature):
            raise UnverifiedNote(
                f"the signature by {signature.name}+{signature.key_id.hex()} is invalid"
            )
        elif signature not in verified:
            verified.append(signature)
    if not verified:
        raise UnverifiedNote("no known key signed the note")
    return OpenedNote(note.text, tuple(verified), tuple(unverified))

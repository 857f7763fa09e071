"""C2SP tlog-cosignature (c2sp.org/tlog-cosignature), the Ed25519 cosignature/v1.

A witness adds a note signature to a log's checkpoint; its key ID is
`SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]` (signature type 0x04, not the
log's 0x01) and its signature is `timestamp (u64, big-endian) ‖ Ed25519
signature` over `cosignature/v1\\ntime <timestamp>\\n` followed by the
checkpoint body. The timestamp says when the witness saw that tree as the
largest consistent one.
"""

import time
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tlog import note
from tlog.checkpoint import MAX_SIZE, Checkpoint

COSIGNATURE_V1 = 0x04
SIGNATURE_SIZE = 8 + 64


def cosigned_message(body: str, timestamp: int) -> bytes:
    if not 0 <= timestamp <= MAX_SIZE:
        raise ValueError(f"a timestamp is between 0 and {MAX_SIZE}")
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def timestamp_of(signature: note.Signature) -> int:
    """When a cosignature (as a parsed signature line) says it was made."""
    if len(signature.signature) != SIGNATURE_SIZE:
        raise note.MalformedNote("a cosignature is an 8-byte timestamp and a 64-byte signature")
    return int.from_bytes(signature.signature[:8], "big")


class CosignatureVerifier(note.Ed25519Verifier):
    key_type = COSIGNATURE_V1

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != SIGNATURE_SIZE:
            return False
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_SIZE:
            return False
        try:
            self.public_key.verify(signature[8:], cosigned_message(text.decode(), timestamp))
        except (InvalidSignature, UnicodeDecodeError):
            return False
        return True


class CosignatureSigner(note.Ed25519Signer):
    """A witness's key; `clock` gives the POSIX time a cosignature carries."""

    key_type = COSIGNATURE_V1

    def __init__(
        self,
        name: str,
        private_key: Ed25519PrivateKey,
        clock: Callable[[], int] = lambda: int(time.time()),
    ) -> None:
        super().__init__(name, private_key)
        self.clock = clock

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, note.raw_public(self.private_key))

    def sign(self, text: bytes) -> bytes:
        timestamp = self.clock()
        signed = self.private_key.sign(cosigned_message(text.decode(), timestamp))
        return timestamp.to_bytes(8, "big") + signed


def cosign(message: str, signer: CosignatureSigner) -> str:
    """The signed checkpoint `message` with the witness's cosignature added (or renewed).
    The caller has verified the log's signature and the checkpoint's consistency."""
    parsed = note.parse(message)
    Checkpoint.parse(parsed.text)
    return note.sign(parsed.text, signer, signatures=parsed.signatures)

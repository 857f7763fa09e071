"""C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): a log's signed tree head.

The body is `<origin>\\n<tree size>\\n<base64 root hash>\\n` and any extension
lines; it is the text of a signed note (see `note`). Parsing is strict, so a
checkpoint has one spelling and its signature one meaning: a decimal size with
no leading zero, canonical base64 of a 32-byte RFC 9162 root.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tlog import note

MAX_SIZE = 2**63 - 1
_SIZE = re.compile(r"0|[1-9][0-9]*")


def _check_line(line: str, what: str) -> str:
    if not line or "\n" in line or re.search(r"[\x00-\x1f]", line):
        raise note.MalformedNote(f"a checkpoint's {what} is a non-empty line")
    return line


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line(self.origin, "origin")
        if not 0 <= self.size <= MAX_SIZE:
            raise note.MalformedNote(f"a tree size is between 0 and {MAX_SIZE}")
        if len(self.root_hash) != 32:
            raise note.MalformedNote("a root hash is 32 bytes")
        for line in self.extensions:
            _check_line(line, "extension line")

    def body(self) -> str:
        lines = [self.origin, str(self.size), note.b64encode(self.root_hash), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, body: str) -> "Checkpoint":
        if not body.endswith("\n"):
            raise note.MalformedNote("a checkpoint ends in a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise note.MalformedNote("a checkpoint has an origin, a tree size and a root hash")
        origin, size, root_hash, *extensions = lines
        if not _SIZE.fullmatch(size):
            raise note.MalformedNote("a tree size is a decimal number without leading zeros")
        return cls(origin, int(size), note.b64decode(root_hash, "the root hash"), tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, *signers: note.Signer) -> str:
    return note.sign(checkpoint.body(), *signers)


def open_checkpoint(
    message: str | bytes, verifiers: Iterable[note.Verifier], origin: str | None = None
) -> tuple[Checkpoint, note.OpenedNote]:
    """A checkpoint once a known key's signature proves it (and its origin is `origin`)."""
    opened = note.open_note(message, verifiers)
    checkpoint = Checkpoint.parse(opened.text)
    if origin is not None and checkpoint.origin != origin:
        raise note.UnverifiedNote(f"the checkpoint is from {checkpoint.origin!r}, not {origin!r}")
    return checkpoint, opened

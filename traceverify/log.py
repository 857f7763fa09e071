"""The market's log as this verifier trusts it: its key, its newest checkpoint
(signed, cosigned), and that checkpoint's consistency with the one remembered.

The key is the one given (``--key``) or the one remembered, else the one the
market publishes, trusted on first use. Witnesses are those given
(``--witness``: each must have cosigned) and those the market lists (counted
when they cosigned); a cosignature by any of them that fails rejects the
checkpoint, as a signed note's known signature does.
"""

from dataclasses import dataclass, field
from typing import Any

from traceverify import merkle, notes
from traceverify.state import Remembered
from traceverify.web import NetworkError, Site


class LogFailure(Exception):
    """The log itself cannot be trusted; `evidence` holds the signed notes that show it."""

    def __init__(self, reason: str, detail: str, evidence: tuple[str, ...] = ()) -> None:
        super().__init__(detail)
        self.reason, self.detail, self.evidence = reason, detail, evidence


@dataclass(frozen=True)
class Log:
    key: notes.Key
    origin: str
    checkpoint: notes.Checkpoint | None
    note: str | None  # the newest checkpoint as signed and cosigned
    cosigned: dict[notes.Key, int] = field(default_factory=dict)  # witness → Unix time


def _key_document(site: Site) -> tuple[str, str, list[str]]:
    document: Any = site.key()
    try:
        witnesses = [str(entry["vkey"]) for entry in document.get("witnesses", [])]
        return str(document["origin"]), str(document["vkey"]), witnesses
    except (KeyError, TypeError, AttributeError):
        raise NetworkError("the key document lacks the origin, the key or the witnesses") from None


def _trusted_key(published: str, remembered: Remembered, given: notes.Key | None) -> notes.Key:
    if given is not None:
        key = given
    elif remembered.vkey is not None:
        key = notes.Key.parse(remembered.vkey)
    else:
        key = notes.Key.parse(published)
    if remembered.vkey is not None and key.text != remembered.vkey:
        raise LogFailure(
            "key_changed", f"the log key is not the one trusted before ({remembered.vkey})"
        )
    if published != key.text:
        raise LogFailure("key_changed", f"the market publishes another log key ({published})")
    return key


def open_log(
    site: Site, remembered: Remembered, given: notes.Key | None, required: tuple[notes.Key, ...]
) -> Log:
    """The log, once its key and newest checkpoint check out; `LogFailure` otherwise."""
    origin, published, listed = _key_document(site)
    try:
        key = _trusted_key(published, remembered, given)
        witnesses = {(w.name, w.key_id): w for w in (*required, *map(notes.Key.parse, listed))}
    except notes.BadNote as error:
        raise LogFailure("bad_key", f"a published key is malformed: {error}") from None
    if key.name != origin or key.key_type != notes.ED25519:
        raise LogFailure("bad_key", f"the log key is not an Ed25519 key named {origin}")
    signed = site.checkpoint()
    checkpoint: notes.Checkpoint | None = None
    cosigned: dict[notes.Key, int] = {}
    if signed is not None:
        try:
            text, cosigned = notes.open_signed(signed, key, tuple(witnesses.values()))
            checkpoint = notes.checkpoint(text)
        except notes.BadNote as error:
            raise LogFailure("bad_checkpoint", f"the checkpoint: {error}", (signed,)) from None
        if checkpoint.origin != origin:
            raise LogFailure(
                "bad_checkpoint", f"the checkpoint is of {checkpoint.origin}", (signed,)
            )
    absent = [w.text for w in required if w not in cosigned]
    if absent:
        raise LogFailure("unwitnessed", f"not cosigned by {', '.join(absent)}", (signed or "",))
    log = Log(key, origin, checkpoint, signed, cosigned)
    if remembered.checkpoint is not None:
        _check_extends(site, log, remembered.checkpoint)
    return log


def _check_extends(site: Site, log: Log, before: str) -> None:
    """The newest checkpoint extends the one remembered, or the log has forked."""
    try:
        old = notes.checkpoint(notes.open_signed(before, log.key)[0])
    except notes.BadNote as error:
        raise LogFailure("bad_state", f"the remembered checkpoint: {error}") from None
    new = log.checkpoint
    evidence = (before, log.note or "")
    if new is None or new.size < old.size:
        size = new.size if new else 0
        raise LogFailure("fork", f"the log now has {size} leaves; it signed {old.size}", evidence)
    proof = [] if old.size == new.size else site.consistency(old.size, new.size)
    if proof is None or not merkle.consistent(old.size, new.size, old.root, new.root, proof):
        detail = f"the tree of {new.size} leaves does not extend the one of {old.size} seen before"
        raise LogFailure("fork", detail, evidence)

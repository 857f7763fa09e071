"""Asking witnesses to cosign the log's checkpoints (C2SP tlog-witness).

A witness (`witness/`, run by a county office or a cooperative) cosigns a
checkpoint only if it is consistent with the last one it cosigned, so once it
has cosigned, the platform cannot show anyone a rewritten history without the
witness refusing. ``settings.TRACE_WITNESSES`` lists each as its URL and its
verifier key (``python -m witness vkey``). The request carries the size the
witness last cosigned for us and the consistency proof from it; a witness that
answers 409 with another size is asked again from that size, once.
"""

from __future__ import annotations

import http.client
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from shop.core.cache_tags import invalidate
from shop.core.roles import PLATFORM_ONLY, Actor, require
from tlog import merkle, note
from tlog.cosignature import CosignatureVerifier
from traceability import cache
from traceability.models import LogAlert, LogCheckpoint, LogCosignature
from traceability.policies import can_sign_checkpoints
from traceability.services import log, signing

logger = logging.getLogger("traceability.witnesses")
TIMEOUT_SECONDS = 5  # a witness that does not answer is asked again at the next checkpoint


@dataclass(frozen=True)
class Witness:
    url: str
    verifier: CosignatureVerifier

    @property
    def name(self) -> str:
        """The witness in the platform's records: its note name and key id, as its
        verifier key begins (``county.example/witness+1a2b3c4d``), so that two
        witnesses under one name, or a witness's new key after it lost its state,
        are never taken for one another."""
        return f"{self.verifier.name}+{self.verifier.key_id.hex()}"


def configured() -> list[Witness]:
    """The witnesses of ``settings.TRACE_WITNESSES`` ("<url> <verifier key>" each)."""
    return [_parse(entry) for entry in settings.TRACE_WITNESSES]


def _parse(entry: str) -> Witness:
    parts = entry.split()
    if len(parts) != 2:
        raise ImproperlyConfigured(f"TRACE_WITNESSES: {entry!r} is not <url> <verifier key>")
    url, vkey = parts
    address = urlsplit(url)
    if address.scheme not in ("http", "https") or not address.hostname:
        raise ImproperlyConfigured(f"TRACE_WITNESSES: {entry!r}: {url!r} is not an http(s) URL")
    try:
        verifier = CosignatureVerifier.from_vkey(vkey)
    except ValueError as error:
        raise ImproperlyConfigured(f"TRACE_WITNESSES: {entry!r}: {error}") from None
    return Witness(url.rstrip("/"), verifier)


def _post(url: str, body: bytes) -> tuple[int, str]:
    parts = urlsplit(url)
    connection_type = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_type(parts.netloc, timeout=TIMEOUT_SECONDS)
    try:
        connection.request(
            "POST", f"{parts.path}/add-checkpoint", body, {"Content-Type": "text/plain"}
        )
        response = connection.getresponse()
        return response.status, response.read(64 * 1024).decode("utf-8", "replace")
    finally:
        connection.close()


def _request(checkpoint: LogCheckpoint, old: int) -> bytes:
    store = log.DatabaseStore(checkpoint.size)
    proof = merkle.consistency_proof(store, old, checkpoint.size)
    lines = [f"old {old}", *(note.b64encode(hashed) for hashed in proof)]
    return ("\n".join(lines) + "\n\n" + checkpoint.note).encode()


def ask(witness: Witness, checkpoint: LogCheckpoint) -> LogCosignature | None:
    """Ask one witness to cosign `checkpoint`; store and return its cosignature, or
    alert the operators with its refusal."""
    last = LogCosignature.objects.filter(witness=witness.name).aggregate(
        size=Max("checkpoint__size")
    )["size"]
    old = min(last or 0, checkpoint.size)
    try:
        status, body = _post(witness.url, _request(checkpoint, old))
        if status == 409 and body.strip().isdigit() and int(body) <= checkpoint.size:
            status, body = _post(witness.url, _request(checkpoint, int(body)))
    except (OSError, http.client.HTTPException, log.MissingNode) as error:
        logger.warning("witness %s unreachable: %s", witness.name, error)
        return None
    if status != 200:
        refused = signing.Refused(f"witness_{status}", f"{witness.name}: {body.strip()[:400]}")
        signing.alert(LogAlert.Kind.WITNESS_REFUSED, refused)
        return None
    try:
        opened = note.open_note(checkpoint.note + body, [witness.verifier])
    except ValueError as error:
        refused = signing.Refused("witness_bad_cosignature", f"{witness.name}: {error}")
        signing.alert(LogAlert.Kind.WITNESS_REFUSED, refused)
        return None
    # Only its own verified line is kept: whatever else it sent is not ours to serve.
    line = "".join(signature.line() for signature in opened.verified)
    try:
        with transaction.atomic():
            stored = LogCosignature.objects.create(
                checkpoint=checkpoint, witness=witness.name, line=line, cosigned_at=timezone.now()
            )
    except IntegrityError:  # another run stored this witness's cosignature first
        return None
    invalidate(cache.CHECKPOINTS)
    return stored


def ask_all(*, actor: Actor) -> int:
    """Ask every configured witness to cosign the newest checkpoint it has not;
    return how many cosigned."""
    require(actor, can_sign_checkpoints(actor), PLATFORM_ONLY)
    witnesses = configured()
    newest = signing.newest_checkpoint() if witnesses else None
    if newest is None:
        return 0
    done = set(newest.cosignatures.values_list("witness", flat=True))
    return sum(
        ask(witness, newest) is not None for witness in witnesses if witness.name not in done
    )

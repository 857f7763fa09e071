"""The trace log over HTTP: what anyone needs to check it without trusting us.

The newest checkpoint (a signed note with the witnesses' cosignatures), the
whole checkpoint history (paged), inclusion proofs of leaves and consistency
proofs between any two signed sizes, the leaves themselves, and the log's key
at a well-known URL. Hashes travel as standard base64, as in the notes.
Proofs are only given for sizes up to the newest checkpoint: nothing here
speaks for a tree the log has not signed.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from tlog import merkle, note
from traceability import integrity, transparency
from traceability.models import LogCheckpoint, LogLeaf
from traceability.services import log, signing, witnesses

PAGE = 100
CACHE_SHORT = "public, max-age=5"  # the newest checkpoint changes within seconds
CACHE_LONG = "public, max-age=86400, immutable"  # a proof between signed sizes never changes


def _public(response: HttpResponse, cache_control: str) -> HttpResponse:
    response["Cache-Control"] = cache_control
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _json(document: dict[str, Any], cache_control: str = CACHE_SHORT) -> HttpResponse:
    return _public(JsonResponse(document, json_dumps_params={"ensure_ascii": False}), cache_control)


def _error(code: str, message: str, status: int = 400) -> HttpResponse:
    response = JsonResponse({"error": {"code": code, "message": message}}, status=status)
    return _public(response, "no-store")


def _cosigned(checkpoint: LogCheckpoint) -> str:
    """The checkpoint's note with the witnesses' signature lines after the log's."""
    lines = "".join(checkpoint.cosignatures.order_by("witness").values_list("line", flat=True))
    return checkpoint.note + lines


def _signed_size() -> int:
    newest = LogCheckpoint.objects.order_by("-size").values_list("size", flat=True).first()
    return newest or 0


def _number(request: HttpRequest, name: str, default: int | None = None) -> int:
    value = request.GET.get(name)
    if value is None and default is not None:
        return default
    if value is None or not value.isdigit() or len(value) > 19:
        raise ValueError(f"`{name}` is a whole number")
    return int(value)


@require_GET
def checkpoint(request: HttpRequest) -> HttpResponse:
    """The newest checkpoint, cosigned (C2SP tlog-checkpoint, text)."""
    newest = signing.newest_checkpoint()
    if newest is None:
        return _error("no_checkpoint", "The log has no checkpoint yet.", 404)
    response = HttpResponse(_cosigned(newest), content_type="text/plain; charset=utf-8")
    return _public(response, CACHE_SHORT)


@require_GET
def checkpoints(request: HttpRequest) -> HttpResponse:
    """Every checkpoint, newest first, `PAGE` at a time (`?before=<size>` pages on)."""
    try:
        before = _number(request, "before", default=2**63)
    except ValueError as error:
        return _error("invalid", str(error))
    page = list(
        LogCheckpoint.objects.filter(size__lt=before)
        .prefetch_related("cosignatures")
        .order_by("-size")[: PAGE + 1]
    )
    more = len(page) > PAGE
    page = page[:PAGE]
    listed = [
        {
            "size": stored.size,
            "root": note.b64encode(bytes(stored.root)),
            "signed_at": stored.signed_at.isoformat(),
            "note": stored.note
            + "".join(c.line for c in sorted(stored.cosignatures.all(), key=lambda c: c.witness)),
        }
        for stored in page
    ]
    following = f"{reverse('trace-log-checkpoints')}?before={page[-1].size}" if more else None
    return _json({"origin": transparency.origin(), "checkpoints": listed, "next": following})


@require_GET
def leaf(request: HttpRequest, index: int) -> HttpResponse:
    """A leaf: its hash, the event or the batch record it logs, and its chains
    (`traceability.transparency` has the data hashed)."""
    found = LogLeaf.objects.filter(index=index, index__lt=_signed_size()).first()
    if found is None:
        return _error("not_found", "No such leaf in a signed tree.", 404)
    return _json(
        {
            "index": found.index,
            "event": found.event_id,
            "batch": found.batch_id,
            "chains": [int(c) for c in found.chains.split()],
            "hash": note.b64encode(bytes(found.hash)),
        },
        CACHE_LONG,
    )


@require_GET
def inclusion(request: HttpRequest) -> HttpResponse:
    """`?index=<leaf>&size=<signed size>` (the newest by default): RFC 9162's inclusion path."""
    signed = _signed_size()
    try:
        index = _number(request, "index")
        size = _number(request, "size", default=signed)
        if size > signed:
            raise ValueError(f"the newest signed size is {signed}")
        store = log.DatabaseStore(size)
        store.prefetch_for(
            lambda recorder: merkle.inclusion_proof(recorder, index, size),
            lambda recorder: recorder.node(0, index),
        )
        proof = merkle.inclusion_proof(store, index, size)
    except (ValueError, log.MissingNode) as error:
        return _error("invalid", str(error))
    return _json(
        {
            "index": index,
            "size": size,
            "leaf_hash": note.b64encode(store.node(0, index)),
            "proof": [note.b64encode(h) for h in proof],
        },
        CACHE_LONG if "size" in request.GET else CACHE_SHORT,
    )


@require_GET
def consistency(request: HttpRequest) -> HttpResponse:
    """`?old=<size>&new=<size>` (new: the newest signed size): RFC 9162's consistency path."""
    signed = _signed_size()
    try:
        old = _number(request, "old")
        new = _number(request, "new", default=signed)
        if new > signed:
            raise ValueError(f"the newest signed size is {signed}")
        store = log.DatabaseStore(new)
        store.prefetch_for(lambda recorder: merkle.consistency_proof(recorder, old, new))
        proof = merkle.consistency_proof(store, old, new)
    except (ValueError, log.MissingNode) as error:
        return _error("invalid", str(error))
    return _json(
        {"old": old, "new": new, "proof": [note.b64encode(h) for h in proof]},
        CACHE_LONG if "new" in request.GET else CACHE_SHORT,
    )


@require_GET
def key(request: HttpRequest) -> HttpResponse:
    """The log's public key (C2SP verifier key, and as a JWK), its earlier keys (each
    announced by the one before in a checkpoint: `transparency`), and its witnesses'."""
    return _json(
        {
            "origin": transparency.origin(),
            "vkey": transparency.verifier().vkey(),
            "retired": [key.vkey() for key in transparency.retired_verifiers()],
            "key": integrity.public_key_document(),
            "witnesses": [
                {"url": witness.url, "vkey": witness.verifier.vkey()}
                for witness in witnesses.configured()
            ],
        },
        "public, max-age=3600",
    )

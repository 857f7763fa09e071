"""What anyone needs to check a record without trusting us, in its public EPCIS answer.

EPCIS 2.0 lets a document and its events carry user extensions: keys that are
URIs, here compact ones in the ``trace:`` namespace (`namespace`, declared in
the document's ``@context``). `docs/trace-log.md` describes them for third
parties, and ``python -m traceverify`` checks them:

- each event: ``trace:sequence`` (the number verification names it by),
  ``trace:hash``, ``trace:previous`` (the pairs it was hashed with),
  ``trace:chains`` (its batches), ``trace:leaf`` (its leaf in the log) and
  ``trace:receipt``; a verifier removes these `EVENT_KEYS` before hashing the
  event, whose stored document never carries them (one that does was edited
  in the database, and gets no evidence, so no verifier passes it);
- the document: ``trace:log`` (the log's origin, key and newest checkpoint),
  ``trace:batches`` (each batch's logged record, with its leaf and receipt) and
  ``trace:logged`` (every event the log holds on these batches' chains, so that
  an event deleted from the record still shows as missing).

Three queries, whatever the number of events: the leaves, the events' batches,
and the batches the view has not loaded.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from traceability import transparency
from traceability.models import Batch, LogLeaf, LogLeafChain, TraceEvent, TraceEventBatch
from traceability.resolver.provenance import Provenance

PREFIX = "trace"
EVENT_KEYS = tuple(
    f"{PREFIX}:{name}" for name in ("sequence", "hash", "previous", "chains", "leaf", "receipt")
)


def namespace() -> str:
    return f"{settings.PUBLIC_BASE_URL}/ns/trace#"


def context() -> dict[str, Any]:
    """The namespace, and the two values JSON-LD must keep as they are (`@json`)."""
    return {
        PREFIX: namespace(),
        f"{PREFIX}:record": {"@type": "@json"},
        f"{PREFIX}:previous": {"@type": "@json"},
    }


def add_evidence(document: dict[str, Any], view: Provenance) -> dict[str, Any]:
    """`document` (the EPCIS document of `view.events`, in that order) with the
    log's evidence for it and for its batches (module docstring)."""
    leaves = _leaves(view)
    event_leaves = {leaf.event_id: leaf.index for leaf in leaves if leaf.event_id is not None}
    batch_leaves = {leaf.batch_id: leaf.index for leaf in leaves if leaf.batch_id is not None}
    chains = _chains(view.events)
    shown = document["epcisBody"]["eventList"]
    for entry, event in zip(shown, view.events, strict=True):
        if any(key.startswith(f"{PREFIX}:") for key in entry):
            continue  # written into the stored document behind our back: no evidence vouches
        entry.update(_event_evidence(event, chains.get(event.pk, []), event_leaves.get(event.pk)))
    document["@context"] = [document["@context"], context()]
    document[f"{PREFIX}:log"] = {
        f"{PREFIX}:origin": transparency.origin(),
        f"{PREFIX}:key": settings.PUBLIC_BASE_URL + reverse("trace-log-key"),
        f"{PREFIX}:checkpoint": settings.PUBLIC_BASE_URL + reverse("trace-log-checkpoint"),
    }
    document[f"{PREFIX}:batches"] = [
        {
            f"{PREFIX}:record": transparency.batch_record(batch),
            f"{PREFIX}:leaf": batch_leaves.get(batch.pk),
            f"{PREFIX}:receipt": batch.receipt or None,
        }
        for batch in _batches(view)
    ]
    document[f"{PREFIX}:logged"] = [
        {f"{PREFIX}:leaf": index, f"{PREFIX}:sequence": event_id}
        for event_id, index in sorted(event_leaves.items(), key=lambda item: item[1])
    ]
    return document


def _event_evidence(event: TraceEvent, chains: list[int], leaf: int | None) -> dict[str, Any]:
    previous = event.previous
    values = (
        event.pk,
        event.content_hash,
        [[chain, previous[chain]] for chain in sorted(previous)],
        chains,
        leaf,
        event.receipt or None,
    )
    return dict(zip(EVENT_KEYS, values, strict=True))


def _leaves(view: Provenance) -> list[LogLeaf]:
    """The leaves on the view's chains (its events', its batches' records, and
    those of events no longer there) and any other leaf of its events."""
    on_chains = LogLeafChain.objects.filter(chain__in=view.batch_ids).values("leaf_id")
    events = [event.pk for event in view.events]
    return list(LogLeaf.objects.filter(Q(index__in=on_chains) | Q(event_id__in=events)))


def _chains(events: list[TraceEvent]) -> dict[int, list[int]]:
    """Each event's batches, as its links say."""
    links = TraceEventBatch.objects.filter(event_id__in=[event.pk for event in events])
    found: dict[int, list[int]] = {}
    for event_id, batch_id in links.order_by("event_id", "batch_id").values_list(
        "event_id", "batch_id"
    ):
        found.setdefault(event_id, []).append(batch_id)
    return found


def _batches(view: Provenance) -> list[Batch]:
    others = view.batch_ids - {view.batch.pk}
    loaded = [view.batch, *Batch.objects.filter(pk__in=others)] if others else [view.batch]
    return sorted(loaded, key=lambda batch: batch.pk)

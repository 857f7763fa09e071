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

No query of its own: the leaves, the events' links and the batches are those
verification read for the view (`Provenance`). Only an event whose leaf is not
on its chains (its links were changed, or it never was logged) costs one, to
look for that leaf.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from traceability import transparency
from traceability.models import LogLeaf, TraceEvent
from traceability.resolver.provenance import Provenance
from traceability.services import verification

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
    event_leaves = _event_leaves(view)
    batch_leaves = {leaf.batch_id: leaf.index for leaf in view.leaves if leaf.batch_id is not None}
    chains = _chains(view.links)
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
        for batch in view.batches
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


def _event_leaves(view: Provenance) -> dict[int, int]:
    """Each event's leaf: those on the view's chains (its events', and those of
    events no longer there), and that of an event whose leaf is not on them."""
    found = {leaf.event_id: leaf.index for leaf in view.leaves if leaf.event_id is not None}
    elsewhere = [event.pk for event in view.events if event.pk not in found]
    if elsewhere:
        leaves = LogLeaf.objects.filter(event_id__in=elsewhere)
        found.update(leaves.values_list("event_id", "index"))
    return found


def _chains(links: list[verification.Link]) -> dict[int, list[int]]:
    """Each event's batches, as its links say (in the order `chain_events` reads them)."""
    found: dict[int, list[int]] = {}
    for event_id, batch_id, _role, _lot in links:
        found.setdefault(event_id, []).append(batch_id)
    return found

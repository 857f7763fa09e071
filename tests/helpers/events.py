"""Helpers of the trace event tests: recording a harvest or an observation,
snapshots of the trace tables, the EPCIS schema check, the attacker's SQL, and
a witness's cosignature."""

import datetime
import importlib
import json
from pathlib import Path

from django.db import connection
from django.utils import timezone
from jsonschema import Draft7Validator

from gs1 import epcis
from tlog import merkle
from tlog.cosignature import CosignatureSigner, cosign
from traceability import integrity, transparency
from traceability.models import (
    LogCheckpoint,
    LogCosignature,
    LogHead,
    LogLeaf,
    LogNode,
    TraceEvent,
    TraceEventBatch,
)
from traceability.services import events as trace

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
HARVESTED = datetime.datetime(2026, 10, 8, 9, 0, tzinfo=BEIJING)
EPCIS = Path(__file__).resolve().parents[1] / "traceability" / "epcis"
SCHEMA = json.loads((EPCIS / "EPCIS-JSON-Schema.json").read_text())
# Format checking on, as in test_epcis.py (which proves that it is).
VALIDATOR = Draft7Validator(SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER)
migration = importlib.import_module("traceability.migrations.0008_transparency_log")
JSON_PARAM = "%s::jsonb" if connection.vendor == "postgresql" else "%s"


def at(days=0, hours=0):
    return HARVESTED + datetime.timedelta(days=days, hours=hours)


def harvest(actor, batch, **changes):
    fields = {
        "event_type": "ObjectEvent",
        "biz_step": "commissioning",
        "disposition": "active",
        "event_time": HARVESTED,
        "read_point": batch.farm,
        **changes,
    }
    return trace.record_event(actor=actor, batch=batch, **fields)


def observe(actor, batch, step="inspecting", disposition="conformant", **changes):
    fields = {"event_type": "ObjectEvent", "event_time": at(1), **changes}
    return trace.record_event(
        actor=actor, batch=batch, biz_step=step, disposition=disposition, **fields
    )


def rows():
    """Every trace row as stored: a refused write leaves them as they were."""
    return [
        list(model.objects.order_by("pk").values())
        for model in (TraceEvent, TraceEventBatch, LogLeaf, LogNode, LogCheckpoint)
    ]


def assert_valid(*documents):
    """The events, in one EPCIS document, validate against the EPCIS 2.0 schema."""
    document = epcis.epcis_document(documents, created=timezone.now())
    assert [error.message for error in VALIDATOR.iter_errors(document)] == []


def stored_documents():
    return [event.document for event in TraceEvent.objects.order_by("pk")]


def drop_triggers():
    with connection.cursor() as cursor:
        for statement in migration.drop_sql(connection.vendor):
            cursor.execute(statement)


def create_triggers():
    with connection.cursor() as cursor:
        for statement in migration.create_sql(connection.vendor):
            cursor.execute(statement)


def write(event_id, **columns):
    """UPDATE an event's row in SQL, as an attacker would (triggers dropped first)."""
    assignments = ", ".join(
        f"{name} = {JSON_PARAM if name in ('document', 'previous') else '%s'}" for name in columns
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE traceability_traceevent SET {assignments} WHERE id = %s",  # noqa: S608  (our column names)
            [*columns.values(), event_id],
        )


def _sql(statement, params):
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def doctored(event):
    """The event's document with its disposition changed."""
    disposition = event.document["disposition"]
    changed = "conformant" if disposition == "non_conformant" else "non_conformant"
    return {**event.document, "disposition": changed}


def delete_trace_rows():
    """Empty the append-only trace tables (triggers off for it), children first:
    Django empties tables after a live-server test with DELETE, which the
    triggers refuse on SQLite."""
    drop_triggers()
    with connection.cursor() as cursor:
        for table in migration.TABLES[::-1]:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our table names
    LogHead.objects.all().delete()
    create_triggers()


def rehash_from(events, first):
    """Rewrite the chain from `first` on as the insider does: each later event's
    previous link and hash recomputed, so the chain alone looks sound."""
    previous_hash = events[first - 1].content_hash
    rewritten = []
    for index, event in enumerate(events[first:], start=first):
        document = doctored(event) if index == first else event.document
        previous = dict.fromkeys(event.previous, previous_hash)
        previous_hash = integrity.event_hash(document, previous)
        write(
            event.pk,
            document=json.dumps(document),
            previous=json.dumps(previous),
            content_hash=previous_hash,
            disposition=document["disposition"],
        )
        rewritten.append((event, previous_hash))
    return rewritten


def rewrite_leaves(rewritten):
    for event, new_hash in rewritten:
        chains = [int(c) for c in event.previous]
        _sql(
            "UPDATE traceability_logleaf SET hash = %s WHERE event_id = %s",
            [transparency.leaf_hash(new_hash, chains), event.pk],
        )


def rebuild_nodes(*, head=False):
    """Recompute every stored node from the (rewritten) leaves, and with `head` the
    log's head too, so that appends go on on the rewritten tree."""
    store = merkle.MemoryStore()
    for hashed in LogLeaf.objects.order_by("index").values_list("hash", flat=True):
        store.append(bytes(hashed))
    size = store.leaf_count()
    for level in range(1, 64):
        for index in range(size >> level):
            _sql(
                'UPDATE traceability_lognode SET hash = %s WHERE level = %s AND "index" = %s',
                [store.node(level, index), level, index],
            )
    if head:
        edge = [store.node(level, (size >> level) - 1) for level in range(64) if size >> level & 1]
        LogHead.objects.update(edge=b"".join(edge))


def delete_event(event_id, *, with_leaf=False):
    """DELETE an event (and, with `with_leaf`, its leaf) in SQL, as the insider would;
    the leaf's index when it is deleted too."""
    _sql("DELETE FROM traceability_traceeventbatch WHERE event_id = %s", [event_id])
    _sql("DELETE FROM traceability_traceevent WHERE id = %s", [event_id])
    if with_leaf:
        index = LogLeaf.objects.get(event_id=event_id).index
        _sql("DELETE FROM traceability_logleafchain WHERE leaf_id = %s", [index])
        _sql('DELETE FROM traceability_logleaf WHERE "index" = %s', [index])
        return index
    return None


def forge_event(chain, batch, actor):
    """A shipping event with a correct chain hash, inserted behind the log's back."""
    head = chain[-1]
    document = {**head.document, "bizStep": "shipping", "eventTime": "2026-10-12T09:00:00+08:00"}
    previous = {str(batch.pk): head.content_hash}
    forged = TraceEvent(
        seller_id=head.seller_id,
        recorded_by=actor,
        document=document,
        previous=previous,
        content_hash=integrity.event_hash(document, previous),
        event_type=head.event_type,
        action=head.action,
        biz_step="shipping",
        disposition=head.disposition,
        event_time=datetime.datetime(2026, 10, 12, 1, 0, tzinfo=datetime.UTC),
        event_time_zone_offset="+08:00",
        record_time=head.record_time,
        read_point=head.read_point,
    )
    forged.save()
    forged.links.create(batch=batch, role="subject")
    return forged


def remove_from_log(event):
    """The insider (triggers dropped, then put back) deletes an event, its leaf,
    every node above it and the log's head (made again from what is left at the
    next append): the database alone then looks whole, and only the farmer's
    receipt shows what went. Returns the leaf's index."""
    index = LogLeaf.objects.get(event_id=event.pk).index
    drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM traceability_traceeventbatch WHERE event_id = %s", [event.pk])
        cursor.execute("DELETE FROM traceability_traceevent WHERE id = %s", [event.pk])
        cursor.execute("DELETE FROM traceability_logleafchain WHERE leaf_id = %s", [index])
        cursor.execute('DELETE FROM traceability_logleaf WHERE "index" = %s', [index])
        cursor.execute(
            'DELETE FROM traceability_lognode WHERE ("index" + 1) * (1 << level) > %s', [index]
        )
        cursor.execute("DELETE FROM traceability_loghead")
    create_triggers()
    return index


def configured_witness(settings, name="county.example/witness"):
    """A witness's key, added to TRACE_WITNESSES (at an address nobody asks here)."""
    signer = CosignatureSigner.generate(name)
    url = f"http://127.0.0.1:9/{name.split('.', 1)[0]}"
    settings.TRACE_WITNESSES = [*settings.TRACE_WITNESSES, f"{url} {signer.verifier().vkey()}"]
    return signer


def witness_cosigns(signer, checkpoint):
    """The witness cosigns `checkpoint`: a real C2SP cosignature with its key, stored
    as the log stores a witness's answer (the lines after the log's own)."""
    cosigned = cosign(checkpoint.note, signer)
    assert cosigned.startswith(checkpoint.note)
    return LogCosignature.objects.create(
        checkpoint=checkpoint,
        witness=f"{signer.name}+{signer.key_id.hex()}",
        line=cosigned[len(checkpoint.note) :],
        cosigned_at=timezone.now(),
    )

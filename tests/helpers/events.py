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
from tlog.cosignature import CosignatureSigner, cosign
from traceability.models import (
    LogCheckpoint,
    LogCosignature,
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
    create_triggers()


def remove_from_log(event):
    """The insider (triggers dropped, then put back) deletes an event, its leaf and
    every node above it: the database alone then looks whole, and only the
    farmer's receipt shows what went. Returns the leaf's index."""
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
        witness=signer.name,
        line=cosigned[len(checkpoint.note) :],
        cosigned_at=timezone.now(),
    )

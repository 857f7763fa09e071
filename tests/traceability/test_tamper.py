"""Tamper evidence: what someone with write access to the database can do to
trace events, and how verification and the signed checkpoints catch it.

The attacker drops the append-only triggers first (inside the test's
transaction, so they come back afterwards), as one with database access would.
"""

import base64
import datetime
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import DatabaseError, connection, transaction
from django.test import Client

from shop.core.roles import SYSTEM
from tests.helpers.batches import batch_fields
from tests.helpers.events import (
    at,
    create_triggers,
    doctored,
    drop_triggers,
    harvest,
    observe,
    write,
)
from traceability import integrity
from traceability.integrity import Reason
from traceability.models import TraceEvent
from traceability.services import batches as services
from traceability.services import events as trace
from traceability.services import verification
from traceability.views.checkpoints import checkpoints


@pytest.fixture
def attacker():
    """Triggers dropped for the test, put back after."""
    drop_triggers()
    yield connection
    create_triggers()


@pytest.fixture
def chain(seller_user, batch):
    """A harvest, an inspection, storage and shipping of one batch."""
    return [
        harvest(seller_user, batch),
        observe(seller_user, batch),
        observe(seller_user, batch, "storing", "sellable_not_accessible", event_time=at(2)),
        observe(seller_user, batch, "shipping", "in_transit", event_time=at(3)),
    ]


def test_an_edited_row_fails_naming_it(chain, batch, attacker):
    write(chain[1].pk, document=json.dumps(doctored(chain[1])))
    verdict = verification.verify_batch(batch).verdict
    assert not verdict.ok
    assert (verdict.reason, verdict.event_id) == (Reason.CONTENT_MISMATCH, str(chain[1].pk))


def test_an_edited_hash_fails_at_the_next_event(chain, batch, attacker):
    write(chain[1].pk, content_hash="0" * 64)
    verdict = verification.verify_batch(batch).verdict
    assert (verdict.reason, verdict.event_id) == (Reason.CONTENT_MISMATCH, str(chain[1].pk))


def test_a_recomputed_chain_is_caught_by_the_signed_checkpoint(chain, batch, attacker):
    signed = verification.sign_checkpoint(actor=SYSTEM)
    key = str(batch.pk)
    previous_hash = chain[0].content_hash
    for index, event in enumerate(chain[1:], start=1):
        document = doctored(event) if index == 1 else event.document
        previous = {key: previous_hash}
        previous_hash = integrity.event_hash(document, previous)
        write(
            event.pk,
            document=json.dumps(document),
            previous=json.dumps(previous),
            content_hash=previous_hash,
        )
    records = verification.records_of({batch.pk})
    assert integrity.verify_chain(records).ok  # the chain alone looks sound
    result = verification.verify_batch(batch)
    verdict = result.verdict
    assert (verdict.reason, verdict.event_id, verdict.chain_id) == (
        Reason.HEAD_MISMATCH,
        str(chain[-1].pk),
        key,
    )
    assert result.checkpoint_at == signed.signed_at


def test_deleting_the_last_event_is_caught(chain, batch, attacker):
    verification.sign_checkpoint(actor=SYSTEM)
    last = chain[-1]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM traceability_traceeventbatch WHERE event_id = %s", [last.pk])
        cursor.execute("DELETE FROM traceability_traceevent WHERE id = %s", [last.pk])
    verdict = verification.verify_batch(batch).verdict
    assert (verdict.reason, verdict.event_id) == (Reason.MISSING_EVENTS, str(last.pk))


def test_deleting_an_event_in_the_middle_breaks_the_link(chain, batch, attacker):
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM traceability_traceeventbatch WHERE event_id = %s", [chain[1].pk]
        )
        cursor.execute("DELETE FROM traceability_traceevent WHERE id = %s", [chain[1].pk])
    verdict = verification.verify_batch(batch).verdict
    assert (verdict.reason, verdict.event_id) == (Reason.BROKEN_LINK, str(chain[2].pk))


def test_tampering_upstream_shows_on_the_product_made_from_it(seller_user, batch, attacker):
    fields = batch_fields(lot="RICE-1", harvest_date=datetime.date(2026, 10, 20))
    rice = services.create_batch(
        actor=seller_user, variant=batch.variant, farm=batch.farm, **fields
    )
    harvested = harvest(seller_user, batch)
    trace.record_event(
        actor=seller_user,
        event_type="TransformationEvent",
        inputs=[batch],
        outputs=[rice],
        biz_step="commissioning",
        disposition="active",
        event_time=at(12),
    )
    assert verification.verify_batch(rice).verdict.ok
    write(harvested.pk, document=json.dumps(doctored(harvested)))
    verdict = verification.verify_batch(rice).verdict
    assert (verdict.reason, verdict.event_id) == (Reason.CONTENT_MISMATCH, str(harvested.pk))


@pytest.mark.parametrize(
    ("table", "statement"),
    [
        ("traceability_traceevent", "UPDATE {} SET content_hash = 'x'"),
        ("traceability_traceevent", "DELETE FROM {}"),
        ("traceability_traceeventbatch", "UPDATE {} SET role = 'input'"),
        ("traceability_traceeventbatch", "DELETE FROM {}"),
        ("traceability_checkpoint", "UPDATE {} SET key_id = 'x'"),
        ("traceability_checkpoint", "DELETE FROM {}"),
    ],
)
def test_the_database_refuses_updates_and_deletes(chain, table, statement):
    verification.sign_checkpoint(actor=SYSTEM)
    assert connection.vendor in ("postgresql", "sqlite")
    refused = pytest.raises(DatabaseError, match="append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table))
    assert TraceEvent.objects.count() == len(chain)
    assert verification.verify_batch(chain[0].batches.get()).verdict.ok


def test_the_published_checkpoint_verifies_with_the_published_key(chain, batch, rf, settings):
    verification.sign_checkpoint(actor=SYSTEM)  # as the beat, or the write without a beat, does
    response = Client(HTTP_HOST="127.0.0.1").get("/trace/checkpoints")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    published = json.loads(response.content)
    x = published["key"]["jwk"]["x"]
    key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)))
    (document,) = published["checkpoints"]
    signed = integrity.SignedCheckpoint.from_json(document)
    assert integrity.verify_checkpoint(signed, key).ok
    head = chain[-1]
    assert document["chains"][str(batch.pk)] == {
        "head": str(head.pk),
        "hash": head.content_hash,
        "length": len(chain),
    }
    forged = {
        **document,
        "chains": {str(batch.pk): {**document["chains"][str(batch.pk)], "length": 3}},
    }
    assert not integrity.verify_checkpoint(integrity.SignedCheckpoint.from_json(forged), key).ok
    assert checkpoints(rf.post("/trace/checkpoints")).status_code == 405

"""The audit (the beat, every few minutes): every record re-verified, and the
pages of a batch whose verdict changed refreshed at once.

Threat: an insider edits a record in SQL; no cache tag moves, so a provenance
page cached for an hour would keep saying "verified". Property: after one run
of the audit the page says the record failed, naming the step, and the
operators have an alert naming the event; a quiet run changes and alerts nothing.
"""

import json

import pytest
from django.db import connection
from django.test import Client

from shop.core.roles import SYSTEM
from tests.helpers.events import (
    at,
    create_triggers,
    doctored,
    drop_triggers,
    harvest,
    observe,
    write,
)
from traceability.models import BatchVerdict, LogAlert, TraceLog
from traceability.services import audit, signing

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def chain(seller_user, batch):
    events = [
        harvest(seller_user, batch),
        observe(seller_user, batch, "packing", "in_progress", event_time=at(2)),
        observe(seller_user, batch, "shipping", "in_transit", event_time=at(3)),
    ]
    signing.sign_checkpoint(actor=SYSTEM)
    return events


def page(batch):
    response = Client(HTTP_HOST="127.0.0.1").get(f"/t/{batch.code}", **ENGLISH)
    assert response.status_code == 200
    return response.content.decode()


def test_a_quiet_audit_finds_nothing_and_changes_nothing(chain, batch):
    assert audit.audit(actor=SYSTEM) == 0
    assert BatchVerdict.objects.get(batch_id=batch.pk).ok
    assert TraceLog.objects.get().audit_reason == ""
    assert not LogAlert.objects.exists()
    assert audit.audit(actor=SYSTEM) == 0


def test_a_tampered_page_says_so_after_one_run_whatever_it_had_cached(
    chain, batch, django_capture_on_commit_callbacks
):
    audit.audit(actor=SYSTEM)
    assert "Record verified" in page(batch)  # cached now
    drop_triggers()
    try:
        write(chain[1].pk, document=json.dumps(doctored(chain[1])))
    finally:
        create_triggers()
    assert "Record verified" in page(batch)  # the edit moved no cache tag
    with django_capture_on_commit_callbacks(execute=True):
        assert audit.audit(actor=SYSTEM) == 1
    html = page(batch)
    assert "Verification failed" in html and "Packed" in html
    verdict = BatchVerdict.objects.get(batch_id=batch.pk)
    assert (verdict.ok, verdict.reason, verdict.event_id) == (
        False,
        "content_mismatch",
        chain[1].pk,
    )
    alert = LogAlert.objects.get(kind=LogAlert.Kind.AUDIT_FAILED, batch_id=batch.pk)
    assert alert.event_id == chain[1].pk
    assert TraceLog.objects.get().audit_event == chain[1].pk  # the signer's standing refusal
    assert audit.audit(actor=SYSTEM) == 0  # nothing new: no second alert
    assert LogAlert.objects.filter(batch_id=batch.pk).count() == 1


def test_the_beat_runs_the_audit_every_few_minutes(settings, db):
    schedule = settings.CELERY_BEAT_SCHEDULE["trace-audit"]
    assert schedule["task"] == "traceability.tasks.audit_trace_records"
    assert 0 < schedule["schedule"] <= 600
    from traceability.tasks import audit_trace_records

    assert audit_trace_records() == 0


def test_machines_are_told_too_and_get_no_dates_that_do_not_verify(
    chain, batch, django_capture_on_commit_callbacks
):
    """The JSON-LD answer says what the page says: verified with its checkpoint, or
    failed naming the event, and then states none of the lot's edited facts."""
    client = Client(HTTP_HOST="127.0.0.1")
    before = json.loads(client.get(f"/t/{batch.code}", HTTP_ACCEPT="application/ld+json").content)
    assert before["trace:verification"]["trace:status"] == "verified"
    assert before["productionDate"] == batch.harvest_date.isoformat()
    drop_triggers()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE traceability_batch SET harvest_date = %s WHERE id = %s",
                ["2026-09-01", batch.pk],
            )
    finally:
        create_triggers()
    with django_capture_on_commit_callbacks(execute=True):
        audit.audit(actor=SYSTEM)
    after = json.loads(client.get(f"/t/{batch.code}", HTTP_ACCEPT="application/ld+json").content)
    assert after["trace:verification"]["trace:status"] == "failed"
    assert after["trace:verification"]["trace:reason"] == "batch_mismatch"
    assert "productionDate" not in after and "gs1:bestBeforeDate" not in after


def test_a_batch_with_no_step_yet_is_audited_too(batch):
    """Its page already shows its facts; an edit of them is found like any other."""
    assert audit.audit(actor=SYSTEM) == 0 and BatchVerdict.objects.get(batch_id=batch.pk).ok
    drop_triggers()
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE traceability_batch SET quantity = 1 WHERE id = %s", [batch.pk])
    finally:
        create_triggers()
    assert audit.audit(actor=SYSTEM) == 1
    verdict = BatchVerdict.objects.get(batch_id=batch.pk)
    assert (verdict.ok, verdict.reason) == (False, "batch_mismatch")

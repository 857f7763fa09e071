"""Trace events through GraphQL: traceEventRecord and traceEventCorrect as every
role of tests.helpers.users.ROLES, their coded errors, `events` on Batch, and the
public traceVerify(code), which also reports tampering."""

import datetime
import json

import pytest

from shop.core.roles import SYSTEM
from tests.helpers.batches import batch_fields
from tests.helpers.events import at, create_triggers, drop_triggers, harvest, observe, rows, write
from tests.helpers.ids import gid
from tests.helpers.users import ROLES
from traceability.models import TraceEvent
from traceability.services import batches, signing

MANAGERS = ("seller", "operator")
RECORD = """
mutation($input: TraceEventRecordInput!) {
  traceEventRecord(input: $input) {
    event { id eventType action bizStep disposition eventTime eventTimeZoneOffset
            epcisEventId contentHash sequence document }
    errors { field code message }
  }
}"""
CORRECT = """
mutation($input: TraceEventCorrectInput!) {
  traceEventCorrect(input: $input) {
    declaration { id corrects { id } document }
    corrective { id document }
    errors { field code message }
  }
}"""
VERIFY = """
query($code: String!) {
  traceVerify(code: $code) { ok reason failingEventId checkpointAt }
}"""
EVENTS = """
query($id: ID) {
  batch(id: $id) {
    events(first: 10) {
      totalCount edges { node { bizStep sequence contentHash previous corrects { id } } }
    }
  }
}"""


def record_input(subject, **changes):
    return {
        "eventType": "OBJECT",
        "batch": gid(subject),
        "bizStep": "COMMISSIONING",
        "disposition": "ACTIVE",
        "eventTime": "2026-10-08T09:00:00+08:00",
        "readPoint": gid(subject.farm),
        "sensors": [{"kind": "TEMPERATURE", "value": "21.5"}],
        **changes,
    }


def denied(body, mutation, role):
    expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
    assert body["data"] == {mutation: None}
    assert [e["extensions"]["code"] for e in body["errors"]] == [expected]


@pytest.mark.parametrize("role", ROLES)
def test_trace_event_record_as_every_role(client_as, users_by_role, batch, role):
    before = rows()
    status, body = client_as(role).post(RECORD, {"input": record_input(batch)})
    assert status == 200
    if role not in MANAGERS:
        denied(body, "traceEventRecord", role)
        assert rows() == before
        return
    recorded = body["data"]["traceEventRecord"]
    assert recorded["errors"] == []
    event = TraceEvent.objects.get()
    assert recorded["event"] == {
        "id": gid(event),
        "eventType": "ObjectEvent",
        "action": "ADD",
        "bizStep": "COMMISSIONING",
        "disposition": "ACTIVE",
        "eventTime": "2026-10-08T09:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcisEventId": event.document["eventID"],
        "contentHash": event.content_hash,
        "sequence": event.pk,
        "document": event.document,
    }
    assert event.recorded_by == users_by_role[role]
    assert event.document["sensorElementList"][0]["sensorReport"][0]["value"] == 21.5


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"eventTime": "2026-10-08T09:00:00"}, ("eventTime", "INVALID_EVENT_TIME")),
        ({"eventTime": "2099-10-08T09:00:00+08:00"}, ("eventTime", "EVENT_IN_FUTURE")),
        ({"eventTime": "2026-10-01T09:00:00+08:00"}, ("eventTime", "BEFORE_COMMISSIONING")),
        ({"quantity": "-1"}, ("quantity", "INVALID_QUANTITY")),
        ({"sensors": [{"kind": "TEMPERATURE", "value": "300"}]}, ("sensors", "INVALID_SENSOR")),
        ({"batch": None}, ("batch", "REQUIRED")),
        ({"readPoint": "RmFybTo5OTk5"}, ("readPoint", "NOT_FOUND")),
        # Fuzzing found "" reaching the service as a string (an internal error).
        ({"readPoint": ""}, ("readPoint", "NOT_FOUND")),
        ({"batch": ""}, ("batch", "NOT_FOUND")),
        # A 1 MB body of IDs is refused before tens of thousands of lookups.
        (
            {"eventType": "AGGREGATION", "serials": ["U2VyaWFsOjE="] * 1001},
            ("serials", "TOO_MANY_IDS"),
        ),
        (
            {"eventType": "TRANSFORMATION", "batch": None, "outputs": ["QmF0Y2g6OTk5OQ=="]},
            ("outputs", "NOT_FOUND"),
        ),
    ],
)
def test_bad_input_is_a_coded_error(client_as, batch, changes, expected):
    before = rows()
    _status, body = client_as("seller").post(RECORD, {"input": record_input(batch, **changes)})
    result = body["data"]["traceEventRecord"]
    assert result["event"] is None
    assert expected in {(e["field"], e["code"]) for e in result["errors"]}
    assert rows() == before


def test_an_empty_read_point_in_a_correction_is_a_coded_error(client_as, seller_user, batch):
    event = harvest(seller_user, batch)
    before = rows()
    _status, body = client_as("seller").post(
        CORRECT,
        {"input": {"event": gid(event), "reason": "INCORRECT_DATA", "readPoint": ""}},
    )
    result = body["data"]["traceEventCorrect"]
    assert result["declaration"] is None
    assert ("readPoint", "NOT_FOUND") in {(e["field"], e["code"]) for e in result["errors"]}
    assert rows() == before


def test_unknown_vocabulary_is_refused_by_the_schema(client_as, batch):
    _status, body = client_as("seller").post(
        RECORD, {"input": record_input(batch, bizStep="HARVESTING")}
    )
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert TraceEvent.objects.count() == 0


def test_a_transformation_through_the_api(client_as, seller_user, batch, variant, farm):
    harvest(seller_user, batch)
    rice = batches.create_batch(
        actor=seller_user,
        variant=variant,
        farm=farm,
        **batch_fields(lot="RICE-1", harvest_date=datetime.date(2026, 10, 20)),
    )
    variables = {
        "input": {
            "eventType": "TRANSFORMATION",
            "inputs": [gid(batch)],
            "outputs": [gid(rice)],
            "bizStep": "COMMISSIONING",
            "disposition": "ACTIVE",
            "eventTime": at(12).isoformat(),
            "quantity": "780",
        }
    }
    _status, body = client_as("seller").post(RECORD, variables)
    document = body["data"]["traceEventRecord"]["event"]["document"]
    assert document["type"] == "TransformationEvent"
    assert document["outputQuantityList"][0]["quantity"] == 780


@pytest.mark.parametrize("role", ROLES)
def test_trace_event_correct_as_every_role(client_as, seller_user, batch, role):
    wrong = harvest(seller_user, batch, quantity="12505")
    before = rows()
    variables = {"input": {"event": gid(wrong), "reason": "INCORRECT_DATA", "quantity": "1250.5"}}
    status, body = client_as(role).post(CORRECT, variables)
    assert status == 200
    if role not in MANAGERS:
        denied(body, "traceEventCorrect", role)
        assert rows() == before
        return
    corrected = body["data"]["traceEventCorrect"]
    assert corrected["errors"] == []
    assert corrected["declaration"]["corrects"] == {"id": gid(wrong)}
    declared = corrected["declaration"]["document"]["errorDeclaration"]
    assert declared["correctiveEventIDs"] == [corrected["corrective"]["document"]["eventID"]]
    again = client_as(role).post(CORRECT, variables)[1]["data"]["traceEventCorrect"]
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("event", "ALREADY_CORRECTED")]


def test_events_on_a_batch(client_as, seller_user, batch):
    first = harvest(seller_user, batch)
    second = observe(seller_user, batch)
    _status, body = client_as("seller").post(EVENTS, {"id": gid(batch)})
    events = body["data"]["batch"]["events"]
    assert events["totalCount"] == 2
    nodes = [edge["node"] for edge in events["edges"]]
    assert [n["sequence"] for n in nodes] == [first.pk, second.pk]
    assert nodes[1]["previous"] == {str(batch.pk): first.content_hash}
    _status, body = client_as("other_seller").post(EVENTS, {"id": gid(batch)})
    assert body["data"]["batch"] is None


def test_trace_verify_is_public_and_names_the_failing_event(client_as, seller_user, batch):
    harvest(seller_user, batch)
    edited = observe(seller_user, batch)
    signed = signing.sign_checkpoint(actor=SYSTEM)
    _status, body = client_as("anonymous").post(VERIFY, {"code": batch.code.lower()})
    assert body["data"]["traceVerify"] == {
        "ok": True,
        "reason": None,
        "failingEventId": None,
        "checkpointAt": signed.signed_at.isoformat(),
    }
    drop_triggers()
    write(edited.pk, document=json.dumps({**edited.document, "disposition": "non_conformant"}))
    create_triggers()
    _status, body = client_as("customer").post(VERIFY, {"code": batch.code})
    assert body["data"]["traceVerify"] == {
        "ok": False,
        "reason": "CONTENT_MISMATCH",
        "failingEventId": gid(edited),
        "checkpointAt": None,
    }
    _status, body = client_as("anonymous").post(VERIFY, {"code": "NOSUCHCODE"})
    assert body["data"]["traceVerify"] is None

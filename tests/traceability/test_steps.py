"""The farmer's steps (traceability.steps): each one records the EPCIS event,
CBV business step and disposition it names, whoever offers it (pages or API)."""

import pytest
from django.utils import translation

from gs1.vocabulary import BizStep, Disposition, EventType
from tests.helpers.batches import batch_fields
from tests.helpers.events import assert_valid, at
from tests.helpers.ids import gid
from traceability.services import batches
from traceability.services.events import record_event
from traceability.steps import FARM_STEPS, step_label


@pytest.mark.parametrize("key", [key for key in FARM_STEPS if key != "process"])
def test_each_step_records_its_epcis_event(seller_user, batch, key):
    step = FARM_STEPS[key]
    record_event(
        actor=seller_user,
        batch=batch,
        event_type="ObjectEvent",
        biz_step="commissioning",
        disposition="active",
        event_time=at(0),
        read_point=batch.farm,
    )
    event = record_event(
        actor=seller_user, **step.event_arguments(batch), event_time=at(1), read_point=batch.farm
    )
    assert (event.event_type, event.biz_step, event.disposition) == (
        step.event_type,
        step.biz_step,
        step.disposition,
    )
    assert_valid(event.document)
    assert step_label(event.event_type, event.biz_step) == str(step.label)


def test_processing_makes_the_batch_from_its_inputs(seller_user, batch, variant, farm):
    paddy = batches.create_batch(
        actor=seller_user, variant=variant, farm=farm, **batch_fields(lot="PADDY-1")
    )
    record_event(
        actor=seller_user,
        batch=paddy,
        event_type="ObjectEvent",
        biz_step="commissioning",
        disposition="active",
        event_time=at(0),
        read_point=farm,
    )
    event = record_event(
        actor=seller_user,
        **FARM_STEPS["process"].event_arguments(batch, inputs=[paddy]),
        event_time=at(1),
        read_point=farm,
    )
    assert event.event_type == EventType.TRANSFORMATION
    assert_valid(event.document)
    assert {(link.batch_id, link.role) for link in event.links.all()} == {
        (paddy.pk, "input"),
        (batch.pk, "output"),
    }


def test_every_step_is_cbv_vocabulary():
    for step in FARM_STEPS.values():
        assert step.event_type in EventType.values
        assert step.biz_step in BizStep.values
        assert step.disposition in Disposition.values


def test_an_unknown_step_reads_as_its_cbv_name():
    assert step_label("ObjectEvent", "loading") == str(BizStep.LOADING.label)


FARM_STEPS_QUERY = "{ farmSteps { key label eventType bizStep disposition needsInputs } }"
RECORD = """
mutation($input: TraceEventRecordInput!) {
  traceEventRecord(input: $input) { event { bizStep disposition } errors { field code } }
}"""


def test_api_clients_get_the_pages_steps_and_can_record_them(client_as, seller_user, batch):
    """The farmSteps query is public and its values are what traceEventRecord takes."""
    steps = client_as("anonymous").execute(FARM_STEPS_QUERY)["farmSteps"]
    with translation.override("zh-hans"):
        assert [(s["key"], s["label"]) for s in steps] == [
            (key, str(step.label)) for key, step in FARM_STEPS.items()
        ]
    assert [s["key"] for s in steps if s["needsInputs"]] == ["process"]
    harvest_step = next(s for s in steps if s["key"] == "harvest")
    payload = client_as("seller").execute(
        RECORD,
        {
            "input": {
                "eventType": harvest_step["eventType"],
                "batch": gid(batch),
                "bizStep": harvest_step["bizStep"],
                "disposition": harvest_step["disposition"],
                "eventTime": "2026-10-08T09:00:00+08:00",
                "readPoint": gid(batch.farm),
            }
        },
    )["traceEventRecord"]
    assert payload["errors"] == []
    assert payload["event"] == {"bizStep": "COMMISSIONING", "disposition": "ACTIVE"}

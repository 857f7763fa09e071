"""EPCIS 2.0 documents (gs1/epcis.py) and the CBV vocabulary (gs1/vocabulary.py).

Everything built is validated against GS1's EPCIS 2.0 JSON schema
(`tests/traceability/epcis/`, sources in SOURCES.txt there) with format
checking on; a test proves that it is on, since without rfc3986-validator
jsonschema silently passes any string as a "uri".
"""

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from rfc3986_validator import validate_rfc3986

from gs1 import epcis
from gs1.epcis import (
    EPCISError,
    Quantity,
    SensorElement,
    SensorReport,
    aggregation_event,
    canonical_json,
    declare_error,
    epcis_document,
    event_hash_id,
    format_time,
    lot_class,
    object_event,
    parse_time,
    transformation_event,
)
from gs1.vocabulary import Action, BizStep, Disposition, ErrorReason, EventType

HERE = Path(__file__).parent / "epcis"
SCHEMA = json.loads((HERE / "EPCIS-JSON-Schema.json").read_text())
VALIDATOR = Draft7Validator(SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER)
CONTEXT = json.loads((HERE / "epcis-context.jsonld").read_text())["@context"]
EXAMPLES = sorted(
    path.name for path in HERE.glob("*.jsonld") if path.name != "epcis-context.jsonld"
)

BEIJING = timezone(timedelta(hours=8))
HARVESTED = datetime(2026, 9, 20, 8, 30, tzinfo=BEIJING)
BASE = "https://shancun.example"
FARM = f"{BASE}/farms/12"
MILL = "urn:epc:id:sgln:0614141.07346.1234"
GTIN = "09506000134352"
PADDY = lot_class(GTIN, "PADDY-2026-09")
RICE = lot_class("09506000134376", "RICE-2026-10")


def errors(instance):
    return [error.message for error in VALIDATOR.iter_errors(instance)]


def document(*events):
    return epcis_document(events, created=HARVESTED + timedelta(days=40))


def harvest(**overrides):
    arguments = {
        "event_time": HARVESTED,
        "action": Action.ADD,
        "biz_step": BizStep.COMMISSIONING,
        "disposition": Disposition.ACTIVE,
        "quantities": [Quantity(PADDY, Decimal("1250.5"), "KGM")],
        "read_point": FARM,
        "biz_location": FARM,
        "ilmd": {"cbvmda:bestBeforeDate": "2027-09-20"},
    } | overrides
    return object_event(**arguments)


# --- the vocabulary is the standard's ------------------------------------------------------


def schema_enum(file_name, definition):
    schema = json.loads((HERE / file_name).read_text())
    (enum,) = [
        part["enum"] for part in schema["definitions"][definition]["anyOf"] if "enum" in part
    ]
    return enum


def test_business_steps_and_dispositions_are_the_cbv_lists_in_order():
    assert BizStep.values == schema_enum("bizStep-JSON-Schema.json", "bizStep")
    assert Disposition.values == schema_enum("disposition-JSON-Schema.json", "disposition")
    # The EPCIS schema itself carries the same lists.
    assert BizStep.values == schema_enum("EPCIS-JSON-Schema.json", "bizStep")
    assert Disposition.values == schema_enum("EPCIS-JSON-Schema.json", "disposition")
    assert ErrorReason.values == schema_enum("EPCIS-JSON-Schema.json", "error-reason")
    assert "harvesting" not in BizStep.values


def test_the_json_ld_context_maps_every_short_name_to_its_cbv_uri():
    steps = CONTEXT["bizStep"]["@context"]
    dispositions = CONTEXT["disposition"]["@context"]
    assert {k: v for k, v in steps.items() if not k.startswith("@")} == {
        step: f"cbv:BizStep-{step}" for step in BizStep.values
    }
    assert {k: v for k, v in dispositions.items() if not k.startswith("@")} == {
        value: f"cbv:Disp-{value}" for value in Disposition.values
    }


def test_event_types_and_actions_are_the_schemas():
    document_event = SCHEMA["definitions"]["EPCIS-Document-Event"]["allOf"]
    (fallback,) = [part for part in document_event if "not" in part["if"]]
    assert set(EventType.values) == set(fallback["if"]["not"]["properties"]["type"]["enum"])
    assert set(Action.values) == set(SCHEMA["definitions"]["action"]["enum"])


def test_labels_follow_the_language_chinese_first():
    with translation.override("en"):
        assert str(BizStep.COMMISSIONING.label) == "Commissioning"
        assert str(Disposition.IN_TRANSIT.label) == "In transit"
    with translation.override("zh-hans"):
        assert str(BizStep.COMMISSIONING.label) == "启用（采收/生产）"


# --- format checking is on -----------------------------------------------------------------


def test_format_checking_is_on():
    checkers = Draft7Validator.FORMAT_CHECKER.checkers
    assert {"uri", "uri-reference", "date-time"} <= set(checkers)
    good = document(harvest())
    assert errors(good) == []
    harvesting = json.loads(json.dumps(good))
    harvesting["epcisBody"]["eventList"][0]["bizStep"] = "harvesting"
    assert errors(harvesting)
    not_a_uri = json.loads(json.dumps(good))
    not_a_uri["epcisBody"]["eventList"][0]["readPoint"]["id"] = "farm 12"
    assert errors(not_a_uri)
    bad_time = json.loads(json.dumps(good))
    bad_time["creationDate"] = "2026-13-40T25:00:00+08:00"
    assert errors(bad_time)


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_gs1_examples_validate(name):
    assert errors(json.loads((HERE / name).read_text())) == []


# --- builders ------------------------------------------------------------------------------


def test_a_harvest_is_a_commissioning_object_event():
    event = harvest()
    assert event["type"] == "ObjectEvent"
    assert event["eventTime"] == "2026-09-20T08:30:00+08:00"
    assert event["eventTimeZoneOffset"] == "+08:00"
    assert event["action"] == "ADD"
    assert event["bizStep"] == "commissioning"
    assert event["disposition"] == "active"
    assert event["quantityList"] == [
        {
            "epcClass": "https://id.gs1.org/01/09506000134352/10/PADDY-2026-09",
            "quantity": 1250.5,
            "uom": "KGM",
        }
    ]
    assert event["readPoint"] == {"id": FARM}
    assert event["bizLocation"] == {"id": FARM}
    assert event["eventID"].startswith("ni:///sha-256;")
    doc = document(event)
    assert doc["@context"] == "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
    assert doc["type"] == "EPCISDocument"
    assert doc["schemaVersion"] == "2.0"
    assert doc["creationDate"] == "2026-10-30T08:30:00+08:00"
    assert doc["epcisBody"]["eventList"] == [event]
    assert errors(doc) == []


def test_every_builder_validates_alone_and_together():
    inspected = object_event(
        event_time=HARVESTED + timedelta(days=1),
        record_time=datetime(2026, 9, 21, 1, 0, tzinfo=UTC),
        action=Action.OBSERVE,
        biz_step=BizStep.INSPECTING,
        disposition=Disposition.CONFORMANT,
        quantities=[Quantity(PADDY, 1250)],
        read_point=MILL,
        sensors=[
            SensorElement(
                [SensorReport.temperature(Decimal("14.5")), SensorReport.relative_humidity(62)],
                time=HARVESTED + timedelta(days=1),
                device_id="urn:epc:id:giai:4000001.111",
            ),
            SensorElement([SensorReport.temperature(-3, time=HARVESTED)]),
        ],
    )
    milled = transformation_event(
        event_time=HARVESTED + timedelta(days=20),
        inputs=[Quantity(PADDY, 1000), Quantity(lot_class(GTIN, "PADDY-2026-08"), 200)],
        outputs=[Quantity(RICE, Decimal("780.25"))],
        biz_step=BizStep.COMMISSIONING,
        disposition=Disposition.ACTIVE,
        read_point=MILL,
        biz_location=MILL,
    )
    units = [lot_class("09506000134376", "RICE-2026-10") + f"/21/U{n}" for n in range(3)]
    packed = aggregation_event(
        event_time=HARVESTED + timedelta(days=21),
        action=Action.ADD,
        parent_id="urn:epc:id:sscc:0614141.1234567890",
        child_epcs=units,
        child_quantities=[Quantity(RICE, 5)],
        biz_step=BizStep.PACKING,
        disposition=Disposition.IN_PROGRESS,
        read_point=MILL,
    )
    shipped = object_event(
        event_time=datetime(2026, 10, 12, 9, 0, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
        action=Action.OBSERVE,
        biz_step=BizStep.SHIPPING,
        disposition=Disposition.IN_TRANSIT,
        epcs=units,
        read_point=MILL,
    )
    events = [harvest(), inspected, milled, packed, shipped]
    for event in events:
        assert errors({"@context": epcis.EPCIS_CONTEXT, **event}) == [], event["type"]
    assert errors(document(*events)) == []
    assert shipped["eventTimeZoneOffset"] == "-05:30"
    assert inspected["recordTime"] == "2026-09-21T01:00:00+00:00"
    reports = inspected["sensorElementList"][0]["sensorReport"]
    assert reports == [
        {"type": "gs1:Temperature", "value": 14.5, "uom": "CEL"},
        {"type": "gs1:RelativeHumidity", "value": 62, "uom": "P1"},
    ]
    assert inspected["sensorElementList"][0]["sensorMetadata"]["deviceID"].startswith("urn:")
    assert milled["inputQuantityList"][1]["epcClass"].endswith("/10/PADDY-2026-08")
    assert packed["childEPCs"] == units


def test_other_forms_the_schema_allows():
    sensor_only = object_event(
        event_time=HARVESTED,
        action=Action.OBSERVE,
        biz_step=BizStep.SENSOR_REPORTING,
        read_point=FARM,
        sensors=[SensorElement([SensorReport.temperature(18)])],
    )
    split = transformation_event(
        event_time=HARVESTED,
        inputs=[Quantity(PADDY, 10)],
        transformation_id="urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    )
    emptied = aggregation_event(
        event_time=HARVESTED, action=Action.DELETE, parent_id="urn:epc:id:sscc:0614141.1234567890"
    )
    observed = aggregation_event(event_time=HARVESTED, action="OBSERVE", child_epcs=[RICE])
    given_id = object_event(
        event_time=HARVESTED, action="OBSERVE", epcs=[RICE], event_id=epcis.uuid_event_id()
    )
    assert given_id["eventID"].startswith("urn:uuid:")
    assert errors(document(sensor_only, split, emptied, observed, given_id)) == []


def test_an_error_declaration_repeats_the_event_and_names_its_correction():
    wrong = harvest(quantities=[Quantity(PADDY, 12505)])
    corrected = harvest()
    declared = declare_error(
        {**wrong, "recordTime": "2026-09-20T09:00:00+08:00"},
        declaration_time=datetime(2026, 9, 22, 10, 0, tzinfo=BEIJING),
        corrective_event_ids=[corrected["eventID"]],
    )
    assert declared["eventID"] == wrong["eventID"] == event_hash_id(declared)
    assert {k: v for k, v in declared.items() if k != "errorDeclaration"} == wrong
    assert declared["errorDeclaration"] == {
        "declarationTime": "2026-09-22T10:00:00+08:00",
        "reason": "incorrect_data",
        "correctiveEventIDs": [corrected["eventID"]],
    }
    assert errors(document(wrong, declared, corrected)) == []
    with pytest.raises(EPCISError, match="already"):
        declare_error(declared, declaration_time=HARVESTED)
    with pytest.raises(EPCISError, match="reason"):
        declare_error(wrong, declaration_time=HARVESTED, reason="typo")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"biz_step": "harvesting"}, "bizStep"),
        ({"disposition": "eaten"}, "disposition"),
        ({"action": "UPDATE"}, "action"),
        ({"read_point": "farm 12"}, "readPoint"),
        ({"biz_location": "http://例子.cn/farms/1"}, "bizLocation"),
        ({"read_point": "https://x.example/%zz"}, "readPoint"),
        ({"event_time": datetime(2026, 9, 20, 8, 30)}, "eventTime"),
        ({"event_time": HARVESTED.replace(tzinfo=timezone(timedelta(seconds=30)))}, "eventTime"),
        ({"record_time": datetime(2026, 9, 20)}, "recordTime"),
        ({"quantities": [Quantity(PADDY, 5, "kg")]}, "quantityList"),
        ({"quantities": [Quantity(PADDY, -1)]}, "quantityList"),
        ({"quantities": [Quantity(PADDY, Decimal("NaN"))]}, "quantityList"),
        ({"quantities": [Quantity(PADDY, float("inf"))]}, "quantityList"),
        ({"quantities": [Quantity(PADDY, Decimal("0.1234567890123456789"))]}, "quantityList"),
        ({"quantities": [Quantity("PADDY-2026-09", 5)]}, "quantityList"),
        ({"quantities": [], "epcs": []}, "epcList"),
        ({"epcs": [RICE, RICE]}, "epcList"),
        ({"action": Action.OBSERVE}, "ilmd"),
        ({"ilmd": {"bestBefore": "2027-01-01"}}, "ilmd"),
        ({"sensors": [SensorElement([])]}, "sensorElementList"),
        ({"sensors": [SensorElement([SensorReport("Temperature", 1, "CEL")])]}, "sensorReport"),
        ({"sensors": [SensorElement([SensorReport.temperature(True)])]}, "sensorReport"),
        ({"event_id": "not an id"}, "eventID"),
    ],
)
def test_bad_input_is_refused_naming_the_field(overrides, field):
    with pytest.raises(EPCISError) as caught:
        harvest(**overrides)
    assert caught.value.field == field


def test_transformations_and_aggregations_need_their_parts():
    with pytest.raises(EPCISError):
        transformation_event(event_time=HARVESTED, inputs=[Quantity(PADDY, 1)])
    with pytest.raises(EPCISError):
        transformation_event(event_time=HARVESTED, transformation_id="urn:x:1")
    with pytest.raises(EPCISError, match="parentID"):
        aggregation_event(event_time=HARVESTED, action="ADD", child_epcs=[RICE])
    with pytest.raises(EPCISError, match="child"):
        aggregation_event(event_time=HARVESTED, action="ADD", parent_id=RICE)


# --- round trips ---------------------------------------------------------------------------

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
moments = st.builds(
    lambda naive, zone: naive.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30)),
    offsets,
)
amounts = st.decimals(
    min_value=Decimal("0"), max_value=Decimal("1000000000"), places=3, allow_nan=False
)


@settings(max_examples=200, deadline=None)
@given(moments)
def test_times_round_trip_with_their_offset(moment):
    text = format_time(moment)
    back = parse_time(text)
    assert back == moment
    assert back.utcoffset() == moment.utcoffset()
    event = object_event(event_time=moment, action="OBSERVE", epcs=[RICE])
    assert parse_time(event["eventTime"]).utcoffset() == moment.utcoffset()
    assert text.endswith(event["eventTimeZoneOffset"])


@settings(max_examples=60, deadline=None)
@given(
    moment=moments,
    step=st.sampled_from(BizStep.values),
    disposition=st.sampled_from(Disposition.values),
    amount=amounts,
    celsius=st.decimals(min_value=-60, max_value=60, places=1, allow_nan=False),
)
def test_any_cbv_event_validates_and_survives_json(moment, step, disposition, amount, celsius):
    event = object_event(
        event_time=moment,
        action="OBSERVE",
        biz_step=step,
        disposition=disposition,
        quantities=[Quantity(PADDY, amount)],
        read_point=FARM,
        sensors=[SensorElement([SensorReport.temperature(celsius)])],
    )
    doc = document(event)
    assert errors(doc) == []
    stored = json.loads(json.dumps(doc))
    assert stored == doc
    assert canonical_json(stored) == canonical_json(doc)
    (back,) = stored["epcisBody"]["eventList"]
    assert Decimal(str(back["quantityList"][0]["quantity"])) == amount
    assert event_hash_id(back) == event["eventID"]


def test_event_ids_follow_the_content():
    assert harvest()["eventID"] == harvest()["eventID"]
    assert harvest()["eventID"] != harvest(disposition=Disposition.IN_PROGRESS)["eventID"]
    event = harvest()
    digest = event["eventID"].removeprefix("ni:///sha-256;")
    assert len(digest) == 43 and "=" not in digest  # base64url of 32 bytes, no padding
    assert validate_rfc3986(event["eventID"], rule="URI")
    assert event_hash_id({**event, "recordTime": "2030-01-01T00:00:00Z"}) == event["eventID"]


# --- canonical JSON ------------------------------------------------------------------------


def test_canonical_json_vectors():
    assert canonical_json({"b": 1, "a": [True, None, "é", {}]}) == (
        '{"a":[true,null,"é",{}],"b":1}'.encode()
    )
    assert (
        canonical_json("\u20ac$\u000f\nA'B\"\\/\u2028")
        == '"€$\\u000f\\nA\'B\\"\\\\/\u2028"'.encode()
    )
    assert canonical_json({"outer": {"z": [1, {"y": 2, "x": 3}], "a": ""}}) == (
        b'{"outer":{"a":"","z":[1,{"x":3,"y":2}]}}'
    )
    # RFC 8785 section 3.2.3: members sorted by UTF-16 code units, not code points.
    keys = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    text = canonical_json(dict.fromkeys(keys, 0)).decode()
    assert list(json.loads(text)) == [
        "\r",
        "1",
        "\u0080",
        "\u00f6",
        "\u20ac",
        "\U0001f600",
        "\ufb33",
    ]


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (2, b"2"),
        (2.0, b"2"),
        (Decimal("2.000"), b"2"),
        (Decimal("2E0"), b"2"),
        (Decimal("-0"), b"0"),
        (-0.0, b"0"),
        (0.1, b"0.1"),
        (Decimal("1250.50"), b"1250.5"),
        (1e21, b"1000000000000000000000"),
        (1e-7, b"0.0000001"),
        (-12345678901234567890, b"-12345678901234567890"),
        (Decimal("1E+3"), b"1000"),
    ],
)
def test_canonical_numbers(number, text):
    assert canonical_json(number) == text


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (float("nan"), ValueError),
        (float("-inf"), ValueError),
        (Decimal("Infinity"), ValueError),
        (Decimal("1E+5000"), ValueError),
        ("\ud800", ValueError),
        ({"\udfff": 1}, ValueError),
        ({1: "a"}, TypeError),
        ({"a"}, TypeError),
        (b"bytes", TypeError),
    ],
)
def test_canonical_json_refuses_what_is_not_json(value, error):
    with pytest.raises(error):
        canonical_json(value)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


def as_decimals(value):
    if isinstance(value, dict):
        return {key: as_decimals(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_decimals(item) for item in value]
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def shuffled(value, rng):
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: shuffled(item, rng) for key, item in items}
    if isinstance(value, list):
        return [shuffled(item, rng) for item in value]
    return value


@settings(max_examples=300, deadline=None)
@given(json_values, st.randoms())
def test_canonical_json_is_stable(value, rng):
    text = canonical_json(value)
    assert canonical_json(shuffled(value, rng)) == text  # member order does not matter
    # Plain JSON, whose numbers are the values' exact decimals (a float's shortest repr) ...
    assert json.loads(text, parse_float=Decimal, parse_int=Decimal) == as_decimals(value)
    # ... and that writes again as the same bytes once read back.
    assert canonical_json(json.loads(text)) == text


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_and_decimals_write_alike(number):
    text = canonical_json(number)
    assert text == canonical_json(Decimal(repr(number)))
    assert Decimal(text.decode()) == Decimal(repr(number))
    assert b"e" not in text.lower()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=5), st.integers()), max_size=8))
def test_canonical_json_sorts_members(pairs):
    value = dict(pairs)
    rng = random.Random(0)
    assert canonical_json(value) == canonical_json(shuffled(value, rng))
    keys = list(json.loads(canonical_json(value)))
    assert keys == sorted(value, key=lambda key: key.encode("utf-16-be"))

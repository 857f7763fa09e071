"""EPCIS 2.0 JSON-LD: builders for events and documents, and the canonical JSON we hash.

Plain data in, plain data out: the builders take Python values (aware
datetimes, `Decimal` quantities, the `gs1.vocabulary` choices) and
return dicts of JSON types only (str, int, float, bool, list, dict), ready for
``json.dumps`` or a JSONField. Every document they make validates against the
EPCIS 2.0 JSON schema with format checking on (the tests hold them to it), so
bad input raises `EPCISError` here rather than producing an invalid document:
callers (the services) check user input first and turn what is left into
coded errors.

The EPCIS shapes used:

- times are ISO 8601 with their offset (``2026-09-20T08:30:00+08:00``) and each
  event carries ``eventTimeZoneOffset``, the offset at the place it happened;
- bizStep / disposition are the short CBV names, which the EPCIS context maps;
- class-level identification (a lot, in a quantity) is a ``quantityList`` of
  ``epcClass`` (a GS1 Digital Link URI of GTIN + lot, `lot_class`), ``quantity``
  and a UN/CEFACT ``uom`` (``KGM`` kilogram, ``H87`` piece, ...);
- sensor readings go in ``sensorElementList``: temperature ``gs1:Temperature``
  in ``CEL``, relative humidity ``gs1:RelativeHumidity`` in ``P1`` (percent;
  UN/CEFACT ``A93`` is gram per cubic metre, the unit of *absolute* humidity);
- a correction is EPCIS's error declaration (`declare_error`): the erroneous
  event again, same eventID, with ``errorDeclaration`` naming the corrective
  events, which are new events. Nothing is edited.

Canonical JSON (`canonical_json`), the bytes another module hashes. Like RFC
8785 (JCS), except numbers, which are written exactly rather than as ES6 does:

1. UTF-8, no byte order mark, no whitespace outside strings; ``,`` and ``:``
   separate.
2. Object members sorted by their keys' UTF-16 code units (as JCS does); keys
   must be strings. ``null``, ``true``, ``false`` as in JSON.
3. Strings as JCS writes them: ``"`` and ``\\`` escaped, control characters
   U+0000-U+001F as ``\\b \\t \\n \\f \\r`` or ``\\u00xx`` (lowercase hex), every other
   character as itself in UTF-8. A lone surrogate is refused (``ValueError``).
4. Numbers: an `int`, a `Decimal` or a `float` is written as its exact decimal
   value in plain notation: optional ``-``, the integer digits without leading
   zeros, and a fraction only when it is not zero, without trailing zeros.
   So ``2``, ``2.0``, ``Decimal("2.000")`` and ``Decimal("2E0")`` are all ``2``;
   ``-0`` is ``0``; a float is first read as its shortest round-trip repr
   (``0.1`` is ``0.1``, not the binary expansion). Never an exponent. NaN and
   the infinities are refused (``ValueError``), and so is a decimal exponent
   beyond ±1000 (it would write thousands of zeros).
5. Lists (and tuples) keep their order. Any other type is a ``TypeError``.

Rule 4 makes a value hash the same whether it is fresh from a builder, or read
back from a JSONField as a float.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from json.encoder import encode_basestring as _quoted
from typing import Any

from gs1.digital_link import GS1_RESOLVER, generate
from gs1.vocabulary import Action, BizStep, Disposition, ErrorReason, EventType

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SCHEMA_VERSION = "2.0"
TEMPERATURE = "gs1:Temperature"
RELATIVE_HUMIDITY = "gs1:RelativeHumidity"
CELSIUS = "CEL"
PERCENT = "P1"
KILOGRAM = "KGM"

# An RFC 3986 scheme, then only the characters RFC 3986 allows (ASCII; no IPv6 literal),
# "%" always followed by two hex digits, and at most one "#". The schema's validator
# checks the whole grammar; this catches what a caller can get wrong.
_URI_RE = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*:(?:[A-Za-z0-9\-._~:/?@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*"
    r"(?:#(?:[A-Za-z0-9\-._~:/?@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)?"
)
_UOM_RE = re.compile(r"[A-Z0-9]{2,3}")
_MAX_EXPONENT = 1000
# Members an error declaration's copy of an event does not change, so they are left out of its ID.
_NOT_IN_ID = frozenset({"eventID", "recordTime", "errorDeclaration"})

JSON = dict[str, Any]


class EPCISError(ValueError):
    """Input that would make an invalid EPCIS document; `field` names the EPCIS field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


# --- canonical JSON ------------------------------------------------------------------------


def canonical_json(value: object) -> bytes:
    """The canonical UTF-8 bytes of a JSON value (rules in the module docstring)."""
    parts: list[str] = []
    _canonical(value, parts.append)
    return "".join(parts).encode("utf-8")


def _canonical(value: object, out: Callable[[str], None]) -> None:
    # Appends to a list rather than yielding: verifying a batch hashes thousands of
    # documents, and this is most of its time.
    if isinstance(value, str):
        _check_text(value)
        out(_quoted(value))
    elif value is None or isinstance(value, bool):
        out("null" if value is None else "true" if value else "false")
    elif isinstance(value, int | float | Decimal):
        out(_number_text(value))
    elif isinstance(value, list | tuple):
        out("[")
        for index, item in enumerate(value):
            if index:
                out(",")
            _canonical(item, out)
        out("]")
    elif isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("Object keys must be strings.")
        out("{")
        keys = sorted(value) if all(key.isascii() for key in value) else _utf16_sorted(value)
        for index, key in enumerate(keys):
            if index:
                out(",")
            _check_text(key)
            out(_quoted(key))
            out(":")
            _canonical(value[key], out)
        out("}")
    else:
        raise TypeError(f"{type(value).__name__} is not a JSON type.")


def _utf16_sorted(keys: Iterable[str]) -> list[str]:
    """Keys in UTF-16 code unit order, as RFC 8785 sorts them (ASCII keys sort alike)."""
    return sorted(keys, key=lambda k: k.encode("utf-16-be"))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_text(text: str) -> None:
    if not text.isascii() and _SURROGATE.search(text):
        raise ValueError("A string contains a lone surrogate.")


def _exact(value: int | float | Decimal) -> Decimal:
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number.")
    if number and abs(number.adjusted()) > _MAX_EXPONENT:
        raise ValueError(f"{value!r} is too large or too small.")
    return number


def _number_text(value: int | float | Decimal) -> str:
    if isinstance(value, int):
        return str(value)
    number = _exact(value)
    if not number:
        return "0"
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def event_hash_id(event: Mapping[str, Any]) -> str:
    """An RFC 6920 ``ni:///sha-256;...`` URI over the event's canonical JSON.

    Without ``eventID``, ``recordTime`` and ``errorDeclaration``, so that an
    error declaration (the same event declared wrong) keeps the ID. It is not
    CBV 2.0's event hash algorithm (and so has no ``?ver=CBV2.0``).
    """
    content = {key: value for key, value in event.items() if key not in _NOT_IN_ID}
    digest = hashlib.sha256(canonical_json(content)).digest()
    return "ni:///sha-256;" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def uuid_event_id() -> str:
    """A random ``urn:uuid:`` event ID, for events whose content may repeat exactly."""
    return uuid.uuid4().urn


# --- small values ----------------------------------------------------------------------------


def format_time(moment: datetime, field: str = "eventTime") -> str:
    """ISO 8601 with the datetime's own offset; a naive datetime is refused."""
    _offset(moment, field)
    return moment.isoformat()


def parse_time(text: str) -> datetime:
    """The aware datetime of an EPCIS time (``Z`` or an offset)."""
    moment = datetime.fromisoformat(text)
    if moment.utcoffset() is None:
        raise ValueError(f"{text!r} has no time-zone offset.")
    return moment


def _offset(moment: datetime, field: str) -> str:
    offset = moment.utcoffset()
    if offset is None:
        raise EPCISError(field, "the time must be aware (carry its time-zone offset).")
    if offset % timedelta(minutes=1) or abs(offset) > timedelta(hours=14):
        raise EPCISError(field, "the offset must be whole minutes within ±14:00.")
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _uri(value: str, field: str) -> str:
    if not isinstance(value, str) or not _URI_RE.fullmatch(value):
        raise EPCISError(field, f"{value!r} is not an absolute URI.")
    return value


def _json_number(value: int | float | Decimal, field: str) -> int | float:
    """The JSON number of `value`: an int when whole, else a float that reads back exactly."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise EPCISError(field, f"{value!r} is not a number.")
    try:
        number = _exact(value)
    except (ValueError, InvalidOperation) as error:
        raise EPCISError(field, str(error)) from None
    if number == number.to_integral_value():
        return int(number)
    as_float = float(number)
    if Decimal(repr(as_float)) != number:
        raise EPCISError(field, f"{value} has more digits than a JSON number keeps.")
    return as_float


def _choice(value: str, choices: type[BizStep | Disposition | ErrorReason], field: str) -> str:
    if value not in choices.values:
        raise EPCISError(field, f"{value!r} is not a CBV 2.0 {field}.")
    return str(value)


def lot_class(gtin: str, lot: str, *, base_url: str = GS1_RESOLVER) -> str:
    """The EPC class of a lot: the Digital Link ``{base_url}/01/{GTIN-14}/10/{lot}``."""
    return generate(base_url, gtin, lot=lot)


# --- parts of events -------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A quantity of a class of objects (a lot): ``quantityList`` member."""

    epc_class: str
    quantity: int | Decimal | float
    uom: str = KILOGRAM

    def to_json(self, field: str = "quantityList") -> JSON:
        if not _UOM_RE.fullmatch(self.uom):
            raise EPCISError(field, f"{self.uom!r} is not a UN/CEFACT unit code.")
        amount = _json_number(self.quantity, field)
        if amount < 0:
            raise EPCISError(field, "a quantity cannot be negative.")
        return {
            "epcClass": _uri(self.epc_class, field),
            "quantity": amount,
            "uom": self.uom,
        }


@dataclass(frozen=True)
class SensorReport:
    """One reading; `temperature` and `relative_humidity` make the two we record."""

    type: str
    value: int | Decimal | float
    uom: str
    time: datetime | None = None

    @classmethod
    def temperature(
        cls, celsius: int | Decimal | float, time: datetime | None = None
    ) -> SensorReport:
        return cls(TEMPERATURE, celsius, CELSIUS, time)

    @classmethod
    def relative_humidity(
        cls, percent: int | Decimal | float, time: datetime | None = None
    ) -> SensorReport:
        return cls(RELATIVE_HUMIDITY, percent, PERCENT, time)

    def to_json(self) -> JSON:
        if not _UOM_RE.fullmatch(self.uom):
            raise EPCISError("sensorReport", f"{self.uom!r} is not a UN/CEFACT unit code.")
        report: JSON = {
            "type": _uri(self.type, "sensorReport"),
            "value": _json_number(self.value, "sensorReport"),
            "uom": self.uom,
        }
        if self.time is not None:
            report["time"] = format_time(self.time, "sensorReport")
        return report


@dataclass(frozen=True)
class SensorElement:
    """Readings taken together by one device (or by hand: no `device_id`)."""

    reports: Sequence[SensorReport]
    time: datetime | None = None
    device_id: str | None = None

    def to_json(self) -> JSON:
        if not self.reports:
            raise EPCISError("sensorElementList", "a sensor element needs at least one report.")
        metadata: JSON = {}
        if self.time is not None:
            metadata["time"] = format_time(self.time, "sensorMetadata")
        if self.device_id is not None:
            metadata["deviceID"] = _uri(self.device_id, "sensorMetadata")
        element: JSON = {"sensorReport": [report.to_json() for report in self.reports]}
        if metadata:
            element["sensorMetadata"] = metadata
        return element


# --- events ----------------------------------------------------------------------------------


def _common(
    event_type: EventType,
    *,
    event_time: datetime,
    record_time: datetime | None,
    biz_step: str | None,
    disposition: str | None,
    read_point: str | None,
    biz_location: str | None,
    sensors: Sequence[SensorElement],
) -> JSON:
    event: JSON = {
        "type": str(event_type),
        "eventTime": format_time(event_time),
        "eventTimeZoneOffset": _offset(event_time, "eventTime"),
    }
    if record_time is not None:
        event["recordTime"] = format_time(record_time, "recordTime")
    if biz_step is not None:
        event["bizStep"] = _choice(biz_step, BizStep, "bizStep")
    if disposition is not None:
        event["disposition"] = _choice(disposition, Disposition, "disposition")
    if read_point is not None:
        event["readPoint"] = {"id": _uri(read_point, "readPoint")}
    if biz_location is not None:
        event["bizLocation"] = {"id": _uri(biz_location, "bizLocation")}
    if sensors:
        event["sensorElementList"] = [sensor.to_json() for sensor in sensors]
    return event


def _epcs(values: Sequence[str], field: str) -> list[str]:
    epcs = [_uri(value, field) for value in values]
    if len(set(epcs)) != len(epcs):
        raise EPCISError(field, "an EPC is listed twice.")
    return epcs


def _identify(event: JSON, event_id: str | None) -> JSON:
    """Put ``eventID`` first: the given one, or the hash of the content."""
    return {"eventID": _uri(event_id, "eventID") if event_id else event_hash_id(event), **event}


def _ilmd(ilmd: Mapping[str, object] | None) -> JSON | None:
    if not ilmd:
        return None
    for key in ilmd:
        _uri(key, "ilmd")
    return dict(ilmd)


def object_event(
    *,
    event_time: datetime,
    action: Action | str,
    biz_step: BizStep | str | None = None,
    disposition: Disposition | str | None = None,
    epcs: Sequence[str] = (),
    quantities: Sequence[Quantity] = (),
    read_point: str | None = None,
    biz_location: str | None = None,
    sensors: Sequence[SensorElement] = (),
    ilmd: Mapping[str, object] | None = None,
    record_time: datetime | None = None,
    event_id: str | None = None,
) -> JSON:
    """An ObjectEvent: objects (``epcs``) or lots (``quantities``) seen, made or removed.

    A harvest is ``action=ADD, biz_step=commissioning`` with the new lot's
    quantity; `ilmd` (lot master data, e.g. ``{"cbvmda:bestBeforeDate": ...}``)
    is only allowed then, as EPCIS says. A sensor-only event needs a `read_point`.
    """
    if action not in Action.values:
        raise EPCISError("action", f"{action!r} is not ADD, OBSERVE or DELETE.")
    if not (epcs or quantities or (sensors and read_point)):
        raise EPCISError("epcList", "name the objects, their quantities, or sensors and a place.")
    lot_data = _ilmd(ilmd)
    if lot_data is not None and action != Action.ADD:
        raise EPCISError("ilmd", "lot master data goes only with action ADD.")
    event = _common(
        EventType.OBJECT,
        event_time=event_time,
        record_time=record_time,
        biz_step=biz_step,
        disposition=disposition,
        read_point=read_point,
        biz_location=biz_location,
        sensors=sensors,
    )
    event["action"] = str(action)
    event["epcList"] = _epcs(epcs, "epcList")
    if quantities:
        event["quantityList"] = [quantity.to_json() for quantity in quantities]
    if lot_data is not None:
        event["ilmd"] = lot_data
    return _identify(event, event_id)


def transformation_event(
    *,
    event_time: datetime,
    inputs: Sequence[Quantity] = (),
    outputs: Sequence[Quantity] = (),
    input_epcs: Sequence[str] = (),
    output_epcs: Sequence[str] = (),
    transformation_id: str | None = None,
    biz_step: BizStep | str | None = None,
    disposition: Disposition | str | None = None,
    read_point: str | None = None,
    biz_location: str | None = None,
    sensors: Sequence[SensorElement] = (),
    ilmd: Mapping[str, object] | None = None,
    record_time: datetime | None = None,
    event_id: str | None = None,
) -> JSON:
    """A TransformationEvent: inputs consumed, outputs made (paddy → milled rice).

    Needs inputs and outputs, or a `transformation_id` that ties several
    events of one transformation together (EPCIS allows it split).
    """
    has_inputs, has_outputs = bool(inputs or input_epcs), bool(outputs or output_epcs)
    if not (has_inputs and has_outputs) and not (transformation_id and (has_inputs or has_outputs)):
        raise EPCISError("inputQuantityList", "give inputs and outputs, or a transformationID.")
    event = _common(
        EventType.TRANSFORMATION,
        event_time=event_time,
        record_time=record_time,
        biz_step=biz_step,
        disposition=disposition,
        read_point=read_point,
        biz_location=biz_location,
        sensors=sensors,
    )
    if input_epcs:
        event["inputEPCList"] = _epcs(input_epcs, "inputEPCList")
    if inputs:
        event["inputQuantityList"] = [q.to_json("inputQuantityList") for q in inputs]
    if output_epcs:
        event["outputEPCList"] = _epcs(output_epcs, "outputEPCList")
    if outputs:
        event["outputQuantityList"] = [q.to_json("outputQuantityList") for q in outputs]
    if transformation_id:
        event["transformationID"] = _uri(transformation_id, "transformationID")
    lot_data = _ilmd(ilmd)
    if lot_data is not None:
        event["ilmd"] = lot_data
    return _identify(event, event_id)


def aggregation_event(
    *,
    event_time: datetime,
    action: Action | str,
    parent_id: str | None = None,
    child_epcs: Sequence[str] = (),
    child_quantities: Sequence[Quantity] = (),
    biz_step: BizStep | str | None = None,
    disposition: Disposition | str | None = None,
    read_point: str | None = None,
    biz_location: str | None = None,
    sensors: Sequence[SensorElement] = (),
    record_time: datetime | None = None,
    event_id: str | None = None,
) -> JSON:
    """An AggregationEvent: children (units, or quantities of a lot) put in or taken from a parent (a case).

    As EPCIS says: ADD and DELETE name the `parent_id` (OBSERVE may omit it);
    ADD and OBSERVE name at least one child, and DELETE without children
    empties the parent.
    """
    if action not in Action.values:
        raise EPCISError("action", f"{action!r} is not ADD, OBSERVE or DELETE.")
    if action != Action.OBSERVE and not parent_id:
        raise EPCISError("parentID", "ADD and DELETE need a parentID.")
    if action != Action.DELETE and not (child_epcs or child_quantities):
        raise EPCISError("childEPCs", "ADD and OBSERVE need at least one child.")
    event = _common(
        EventType.AGGREGATION,
        event_time=event_time,
        record_time=record_time,
        biz_step=biz_step,
        disposition=disposition,
        read_point=read_point,
        biz_location=biz_location,
        sensors=sensors,
    )
    event["action"] = str(action)
    if parent_id:
        event["parentID"] = _uri(parent_id, "parentID")
    if child_epcs:
        event["childEPCs"] = _epcs(child_epcs, "childEPCs")
    if child_quantities:
        event["childQuantityList"] = [q.to_json("childQuantityList") for q in child_quantities]
    return _identify(event, event_id)


def declare_error(
    event: Mapping[str, Any],
    *,
    declaration_time: datetime,
    corrective_event_ids: Sequence[str] = (),
    reason: ErrorReason | str = ErrorReason.INCORRECT_DATA,
) -> JSON:
    """The EPCIS error declaration of `event`: the same event, declared wrong.

    EPCIS corrects by adding, never editing: this copy (same eventID, times
    and content) carries ``errorDeclaration`` and is captured as a new
    record; the corrected facts are the new events of `corrective_event_ids`.
    """
    if "eventID" not in event:
        raise EPCISError("eventID", "only an event with an eventID can be declared wrong.")
    if "errorDeclaration" in event:
        raise EPCISError("errorDeclaration", "the event is already declared wrong.")
    declaration: JSON = {
        "declarationTime": format_time(declaration_time, "declarationTime"),
        "reason": _choice(reason, ErrorReason, "reason"),
    }
    if corrective_event_ids:
        declaration["correctiveEventIDs"] = [
            _uri(event_id, "correctiveEventIDs") for event_id in corrective_event_ids
        ]
    copy = {key: value for key, value in event.items() if key != "recordTime"}
    copy["errorDeclaration"] = declaration
    return copy


def epcis_document(
    events: Iterable[Mapping[str, Any]], *, created: datetime, document_id: str | None = None
) -> JSON:
    """An EPCISDocument of `events` (each as a builder made it), created at `created`."""
    document: JSON = {"@context": EPCIS_CONTEXT, "type": "EPCISDocument"}
    if document_id is not None:
        document["id"] = _uri(document_id, "id")
    document["schemaVersion"] = SCHEMA_VERSION
    document["creationDate"] = format_time(created, "creationDate")
    document["epcisBody"] = {"eventList": [dict(event) for event in events]}
    return document

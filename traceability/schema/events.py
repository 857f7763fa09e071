"""Trace events through GraphQL: `traceEventRecord`, `traceEventCorrect` and the
public `traceVerify(code)` (the TraceEvent node and `Batch.events` are in `types`).

Thin: the mutations find the objects named and call `traceability.services.events` as
the signed-in user, which enforces the policies and the rules."""

from typing import Any, Self

import graphene
from graphene import relay

from catalog import models as catalog_models
from catalog.errors import CatalogErrorCode
from gs1.vocabulary import ErrorReason
from shop.core.api import public_cache
from shop.core.api.base import (
    Decimal,
    DomainMutation,
    Upload,
    error_type,
    errors_field,
    node_from_global_id,
)
from shop.core.api.ids import referenced, referenced_list
from shop.core.errors import RequestError
from shop.core.errors import RequestErrorCode as Code
from shop.core.roles import require_login
from shop.core.throttling import client_network
from traceability import cache, models
from traceability.errors import TraceabilityErrorCode
from traceability.integrity import Reason
from traceability.resolver import guesses
from traceability.schema.types import BizStepEnum, DispositionEnum, TraceEvent
from traceability.services import events as trace
from traceability.services import verification

EventTypeEnum = graphene.Enum(
    "TraceEventType",
    [(value.replace("Event", "").upper(), value) for value in map(str, trace.SUPPORTED)],
    description="The EPCIS 2.0 event types recorded here.",
)
ErrorReasonEnum = graphene.Enum.from_enum(ErrorReason, name="ErrorReason")
SensorKindEnum = graphene.Enum(
    "SensorKind",
    [("TEMPERATURE", "temperature"), ("RELATIVE_HUMIDITY", "relative_humidity")],
    description="Temperature in °C (-80 to 80) or relative humidity in % (0 to 100).",
)
VerifyReasonEnum = graphene.Enum.from_enum(Reason, name="TraceVerifyReason")
EventErrorCode = (TraceabilityErrorCode, CatalogErrorCode)


def _value(choice: Any) -> str:
    return getattr(choice, "value", choice)


NOT_FOUND = TraceabilityErrorCode.NOT_FOUND
TOO_MANY = TraceabilityErrorCode.TOO_MANY_IDS


class SensorReadingInput(graphene.InputObjectType):
    kind = SensorKindEnum(required=True)
    value = Decimal(required=True)


def _readings(sensors: list[dict[str, Any]] | None) -> list[trace.Reading] | None:
    if sensors is None:
        return None
    return [trace.Reading(_value(s["kind"]), s["value"]) for s in sensors]


def _batches(ids: list[str] | None, field: str) -> list[models.Batch]:
    return referenced_list(
        ids, "Batch", models.Batch, field=field, not_found=NOT_FOUND, too_many=TOO_MANY
    )


def _farm(global_id: str | None) -> catalog_models.Farm | None:
    return referenced(
        global_id, "Farm", catalog_models.Farm, field="read_point", not_found=NOT_FOUND
    )


class TraceEventRecordInput(graphene.InputObjectType):
    event_type = EventTypeEnum(required=True)
    batch = graphene.ID(description="The batch (object and aggregation events).")
    inputs = graphene.List(graphene.NonNull(graphene.ID), description="Transformation inputs.")
    outputs = graphene.List(graphene.NonNull(graphene.ID), description="Transformation outputs.")
    serials = graphene.List(
        graphene.NonNull(graphene.ID), description="Units of the batch packed (aggregation)."
    )
    biz_step = BizStepEnum(required=True, description="A harvest is COMMISSIONING.")
    disposition = DispositionEnum(required=True)
    event_time = graphene.DateTime(required=True, description="With its time-zone offset.")
    read_point = graphene.ID(description="One of the seller's farms.")
    quantity = Decimal(
        description="The batch's (or output's) amount; the whole batch if not given."
    )
    sensors = graphene.List(graphene.NonNull(SensorReadingInput))
    photo = Upload(description="A photo of the step (multipart request).")


class TraceEventRecord(DomainMutation):
    """Record an EPCIS event on one of your batches (or inputs → outputs)."""

    class Arguments:
        input = TraceEventRecordInput(required=True)

    event = graphene.Field(TraceEvent)
    errors = errors_field(error_type("TraceEventRecordError", *EventErrorCode))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, input: TraceEventRecordInput) -> Self:
        require_login(info.context.user)
        data = dict(input)
        batch = data.get("batch")
        serials = referenced_list(
            data.get("serials"),
            "Serial",
            models.Serial,
            field="serials",
            not_found=NOT_FOUND,
            too_many=TOO_MANY,
        )
        event = trace.record_event(
            actor=info.context.user,
            event_type=_value(data["event_type"]),
            batch=referenced(batch, "Batch", models.Batch, field="batch", not_found=NOT_FOUND),
            inputs=_batches(data.get("inputs"), "inputs"),
            outputs=_batches(data.get("outputs"), "outputs"),
            serials=serials,
            biz_step=_value(data["biz_step"]),
            disposition=_value(data["disposition"]),
            event_time=data["event_time"],
            read_point=_farm(data.get("read_point")),
            quantity=data.get("quantity"),
            sensors=_readings(data.get("sensors")),
            photo=data.get("photo"),
        )
        return cls(event=event, errors=[])


class TraceEventCorrectInput(graphene.InputObjectType):
    event = graphene.ID(required=True)
    reason = ErrorReasonEnum(required=True)
    event_time = graphene.DateTime()
    biz_step = BizStepEnum()
    disposition = DispositionEnum()
    read_point = graphene.ID()
    quantity = Decimal()
    sensors = graphene.List(graphene.NonNull(SensorReadingInput))


class TraceEventCorrect(DomainMutation):
    """Declare an event wrong (EPCIS error declaration) and record the corrected
    facts as a new event; nothing recorded is edited."""

    class Arguments:
        input = TraceEventCorrectInput(required=True)

    declaration = graphene.Field(TraceEvent)
    corrective = graphene.Field(TraceEvent, description="Null when the event did not occur.")
    errors = errors_field(error_type("TraceEventCorrectError", *EventErrorCode))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, input: TraceEventCorrectInput) -> Self:
        require_login(info.context.user)
        data = dict(input)
        event = node_from_global_id(data["event"], "TraceEvent", models.TraceEvent)
        correction = trace.correct_event(
            actor=info.context.user,
            event=event,
            reason=_value(data["reason"]),
            event_time=data.get("event_time"),
            biz_step=data.get("biz_step") and _value(data["biz_step"]),
            disposition=data.get("disposition") and _value(data["disposition"]),
            read_point=_farm(data.get("read_point")),
            quantity=data.get("quantity"),
            sensors=_readings(data.get("sensors")),
        )
        return cls(declaration=correction.declaration, corrective=correction.corrective, errors=[])


class TraceVerification(graphene.ObjectType):
    ok = graphene.Boolean(required=True)
    reason = VerifyReasonEnum(description="Why it failed; null when ok.")
    failing_event_id = graphene.ID(description="The first event that fails (a TraceEvent ID).")
    checkpoint_at = graphene.DateTime(description="When the checkpoint checked was signed.")
    witnesses = graphene.Int(
        required=True,
        description="How many of the log's independent witnesses cosigned a checkpoint "
        "covering the record (0 unless it is verified).",
    )


class EventQueries(graphene.ObjectType):
    trace_verify = graphene.Field(
        TraceVerification,
        code=graphene.String(required=True, description="The batch's code, as on its label."),
        description="Public: whether the batch's record (and what it was made from) is intact "
        "and matches the last signed checkpoint. Null for an unknown code.",
    )

    @staticmethod
    def resolve_trace_verify(
        root: Any, info: graphene.ResolveInfo, code: str
    ) -> TraceVerification | None:
        try:
            batch = guesses.look_up(
                lambda: models.Batch.objects.filter(code=code.strip().upper()[:20]).first(),
                client_network(info.context),
            )
        except guesses.TooManyGuesses as error:
            raise RequestError(Code.TOO_MANY_REQUESTS, guesses.REFUSED) from error
        if batch is None:
            public_cache.tag(info.context, cache.BATCH_LIST)
            return None
        chains = verification.upstream_batches(batch)
        public_cache.tag(info.context, *(cache.batch_tag(i) for i in sorted(chains)))
        result = verification.verify_batch(batch)
        verdict = result.verdict
        failing = verdict.event_id and relay.Node.to_global_id("TraceEvent", verdict.event_id)
        return TraceVerification(
            ok=verdict.ok,
            reason=verdict.reason,
            failing_event_id=failing or None,
            checkpoint_at=result.checkpoint_at,
            witnesses=result.witnesses,
        )


class EventMutations(graphene.ObjectType):
    trace_event_record = TraceEventRecord.Field()
    trace_event_correct = TraceEventCorrect.Field()

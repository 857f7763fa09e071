"""The public `provenance(code)` query: what a QR code's page shows, as data.

A thin adapter over `traceability.resolver.provenance`: the same record for a short
code, a short link or a GS1 Digital Link, and the same timeline and
verification as the page. Anyone may ask; an unknown code is null, a
malformed Digital Link an INVALID_ARGUMENT error with the parser's reason,
and past the page's limit on unknown codes (`traceability.resolver.guesses`) every
lookup from the address is TOO_MANY_REQUESTS.
"""

from datetime import date, datetime
from typing import Any

import graphene
from graphene import relay

from gs1.digital_link import DigitalLinkError
from shop.core.api import public_cache
from shop.core.errors import RequestError
from shop.core.errors import RequestErrorCode as Code
from shop.core.throttling import client_network
from traceability import cache
from traceability.resolver import guesses, provenance
from traceability.resolver.provenance import Provenance as ProvenanceView
from traceability.schema.events import VerifyReasonEnum

ProvenanceStatusEnum = graphene.Enum.from_enum(provenance.Status, name="ProvenanceStatus")
ProvenanceStepKindEnum = graphene.Enum.from_enum(provenance.StepKind, name="ProvenanceStepKind")


class ProvenanceReading(graphene.ObjectType):
    name = graphene.String(required=True)
    value = graphene.Float(required=True)
    unit = graphene.String(required=True, description="°C or %.")

    @staticmethod
    def resolve_name(root: provenance.Reading, info: graphene.ResolveInfo) -> str:
        return str(root.name)


class ProvenanceStep(graphene.ObjectType):
    """One step of the timeline, as the page words it."""

    id = graphene.ID(required=True, description="The TraceEvent's global ID.")
    kind = ProvenanceStepKindEnum(required=True)
    title = graphene.String(required=True, description="The step in words, in your language.")
    biz_step = graphene.String(required=True, description="The CBV business step.")
    disposition = graphene.String(required=True)
    event_type = graphene.String(required=True, description="The EPCIS event type.")
    event_time = graphene.DateTime(required=True, description="In the place's own offset.")
    time_zone_offset = graphene.String(required=True)
    place = graphene.String(required=True, description="The farm and village, or empty.")
    lot = graphene.String(required=True, description="The lot the step happened to.")
    upstream = graphene.Boolean(required=True, description="A step of a batch this came from.")
    photo_url = graphene.String()
    readings = graphene.List(graphene.NonNull(ProvenanceReading), required=True)
    declared_wrong = graphene.Boolean(
        required=True, description="A later correction declares this record wrong."
    )
    corrects = graphene.ID(description="For a correction: the TraceEvent it declares wrong.")

    @staticmethod
    def resolve_id(root: provenance.Step, info: graphene.ResolveInfo) -> str:
        return relay.Node.to_global_id("TraceEvent", root.event_id)

    @staticmethod
    def resolve_event_time(root: provenance.Step, info: graphene.ResolveInfo) -> datetime:
        return root.time

    @staticmethod
    def resolve_photo_url(root: provenance.Step, info: graphene.ResolveInfo) -> str | None:
        return root.photo.absolute_url if root.photo else None

    @staticmethod
    def resolve_corrects(root: provenance.Step, info: graphene.ResolveInfo) -> str | None:
        return relay.Node.to_global_id("TraceEvent", root.corrects) if root.corrects else None


class ProvenanceVerification(graphene.ObjectType):
    status = ProvenanceStatusEnum(required=True)
    reason = VerifyReasonEnum(description="Why it failed; null unless FAILED.")
    failing_event_id = graphene.ID(description="The first event that fails (a TraceEvent ID).")
    checkpoint_at = graphene.DateTime(description="When the checkpoint checked was signed.")
    witnesses = graphene.Int(
        required=True,
        description="How many of the log's independent witnesses cosigned a checkpoint "
        "covering the record (0 unless VERIFIED).",
    )

    @staticmethod
    def resolve_failing_event_id(root: provenance.Check, info: graphene.ResolveInfo) -> str | None:
        failing = root.failing_event_id
        return relay.Node.to_global_id("TraceEvent", failing) if failing else None


class ProvenancePlace(graphene.ObjectType):
    name = graphene.String(required=True)
    name_en = graphene.String(required=True)
    village = graphene.String(required=True)


class ProvenanceProducer(graphene.ObjectType):
    name = graphene.String(required=True)
    name_en = graphene.String(required=True)
    story = graphene.String(required=True)
    province = graphene.String(required=True)
    county = graphene.String(required=True)
    is_verified = graphene.Boolean(required=True)


class Provenance(graphene.ObjectType):
    """Where one batch (or unit) comes from, as its QR code's page shows it."""

    digital_link = graphene.String(required=True, description="What its QR code carries.")
    product_name = graphene.String(required=True)
    product_name_en = graphene.String(required=True)
    variant_name = graphene.String(required=True)
    lot = graphene.String(required=True)
    serial = graphene.String(description="The unit's serial, for a unit's code.")
    harvest_date = graphene.Date(required=True, description="Harvest or production date.")
    best_before = graphene.Date()
    photo_url = graphene.String(description="The product's main photo.")
    farm = graphene.Field(ProvenancePlace, required=True)
    seller = graphene.Field(ProvenanceProducer, required=True)
    steps = graphene.List(
        graphene.NonNull(ProvenanceStep),
        required=True,
        description="The batch's steps and those of the batches it was made from, in order.",
    )
    verification = graphene.Field(ProvenanceVerification, required=True)

    @staticmethod
    def resolve_digital_link(root: ProvenanceView, info: graphene.ResolveInfo) -> str:
        return root.uri

    @staticmethod
    def resolve_product_name(root: ProvenanceView, info: graphene.ResolveInfo) -> str:
        return root.product.name

    @staticmethod
    def resolve_product_name_en(root: ProvenanceView, info: graphene.ResolveInfo) -> str:
        return root.product.name_en

    @staticmethod
    def resolve_variant_name(root: ProvenanceView, info: graphene.ResolveInfo) -> str:
        return root.variant.name

    @staticmethod
    def resolve_lot(root: ProvenanceView, info: graphene.ResolveInfo) -> str:
        return root.batch.lot

    @staticmethod
    def resolve_serial(root: ProvenanceView, info: graphene.ResolveInfo) -> str | None:
        return root.serial.serial if root.serial else None

    @staticmethod
    def resolve_harvest_date(root: ProvenanceView, info: graphene.ResolveInfo) -> date:
        return root.batch.harvest_date

    @staticmethod
    def resolve_best_before(root: ProvenanceView, info: graphene.ResolveInfo) -> date | None:
        return root.batch.best_before

    @staticmethod
    def resolve_photo_url(root: ProvenanceView, info: graphene.ResolveInfo) -> str | None:
        return root.photo.absolute_url if root.photo else None

    @staticmethod
    def resolve_verification(root: ProvenanceView, info: graphene.ResolveInfo) -> provenance.Check:
        return root.check


class ProvenanceQueries(graphene.ObjectType):
    provenance = graphene.Field(
        Provenance,
        code=graphene.String(
            required=True,
            description="A short code (as on the label), a short link or a GS1 Digital Link URI.",
        ),
        description="Public: where a batch or unit comes from. Null for an unknown code.",
    )

    @staticmethod
    def resolve_provenance(
        root: Any, info: graphene.ResolveInfo, code: str
    ) -> ProvenanceView | None:
        try:
            record = guesses.look_up(
                lambda: provenance.find(code[:300]), client_network(info.context)
            )
        except DigitalLinkError as error:
            raise RequestError(Code.INVALID_ARGUMENT, error.message) from error
        except guesses.TooManyGuesses as error:
            raise RequestError(Code.TOO_MANY_REQUESTS, guesses.REFUSED) from error
        if record is None:
            public_cache.tag(info.context, cache.BATCH_LIST)
            return None
        view = provenance.provenance(record)
        public_cache.tag(info.context, *view.cache_tags)
        return view

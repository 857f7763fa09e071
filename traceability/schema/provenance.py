"""The public `provenance(code)` and `productByCode(code)` queries: what a QR
code's address answers, as data.

A thin adapter over the resolver: a code is read and found as its addresses
read and find it (`traceability.resolver.codes.find`: a short code, a short
link or a GS1 Digital Link, compressed, partly compressed or not), with the
same timeline and verification as the page (`traceability.resolver.provenance`).
A Digital Link without a lot names a product, not a batch: `provenance` is
null for it and `productByCode` answers it (and the product of any batch's
code). Anyone may ask; an unknown code is null, a malformed Digital Link an
INVALID_ARGUMENT error with the parser's reason, and past the page's limit on
unknown codes (`traceability.resolver.guesses`) every lookup from the address
is TOO_MANY_REQUESTS. A known code, the product's GTIN included, is no guess.
"""

from datetime import date, datetime
from typing import Any

import graphene
from graphene import relay

from catalog.models import Product as ProductModel
from catalog.schema.types import Product
from gs1.digital_link import DigitalLinkError
from shop.core.api import public_cache
from shop.core.errors import RequestError
from shop.core.errors import RequestErrorCode as Code
from shop.core.throttling import client_network
from traceability import cache
from traceability.resolver import codes, guesses, provenance
from traceability.resolver.provenance import Provenance as ProvenanceView
from traceability.resolver.provenance import Record
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


CODE_DESCRIPTION = (
    "A short code (as on the label), a short link or a GS1 Digital Link URI "
    "(compressed, partly compressed or not)."
)


def _look_up(info: graphene.ResolveInfo, code: str) -> codes.Found | None:
    """What `code` names, as the resolver finds it, under the same guess limit."""
    try:
        found: codes.Found | None = guesses.look_up(
            lambda: codes.find(code[:300]), client_network(info.context)
        )
    except DigitalLinkError as error:
        raise RequestError(Code.INVALID_ARGUMENT, error.message) from error
    except guesses.TooManyGuesses as error:
        raise RequestError(Code.TOO_MANY_REQUESTS, guesses.REFUSED) from error
    return found


class ProvenanceQueries(graphene.ObjectType):
    provenance = graphene.Field(
        Provenance,
        code=graphene.String(required=True, description=CODE_DESCRIPTION),
        description="Public: where a batch or unit comes from. Null for an unknown code "
        "and for a product's own code (a GTIN without a lot: see productByCode).",
    )
    product_by_code = graphene.Field(
        Product,
        code=graphene.String(required=True, description=CODE_DESCRIPTION),
        description="Public: the product a code names: a GTIN without a lot, or the product "
        "of a batch's or unit's code. Null for an unknown code or a product not on the "
        "public catalogue.",
    )

    @staticmethod
    def resolve_provenance(
        root: Any, info: graphene.ResolveInfo, code: str
    ) -> ProvenanceView | None:
        found = _look_up(info, code)
        if not isinstance(found, Record):
            public_cache.tag(info.context, cache.BATCH_LIST)
            return None
        view = provenance.provenance(found)
        public_cache.tag(info.context, *view.cache_tags)
        return view

    @staticmethod
    def resolve_product_by_code(
        root: Any, info: graphene.ResolveInfo, code: str
    ) -> ProductModel | None:
        found = _look_up(info, code)
        if found is None:  # a new batch or product may come to bear the code
            public_cache.tag(info.context, cache.BATCH_LIST, *Product.cache_tags(None))
            return None
        if isinstance(found, Record):
            product = found.batch.variant.product
            public = found.product_public
        else:
            product, public = found.variant.product, True
        public_cache.tag(info.context, *Product.cache_tags(product))
        return product if public else None

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import graphene
from django.conf import settings
from graphene import relay
from graphene.types.generic import GenericScalar

from catalog import models as catalog_models
from catalog.schema.types import Farm, ProductVariant, Seller
from gs1 import epcis
from gs1.vocabulary import Action, BizStep, Disposition
from shop.core.api.base import Decimal, VisibleNode
from shop.core.api.pagination import CountableConnection, KeysetConnectionField, keyset_page
from shop.core.loading import related_many, related_one
from traceability import cache, models, selectors
from traceability.errors import TraceabilityErrorCode

TraceabilityErrorCodeEnum = graphene.Enum.from_enum(
    TraceabilityErrorCode, name="TraceabilityErrorCode"
)
BatchUnitEnum = graphene.Enum.from_enum(models.Batch.Unit, name="BatchUnit")
BizStepEnum = graphene.Enum.from_enum(BizStep, name="BizStep")
DispositionEnum = graphene.Enum.from_enum(Disposition, name="Disposition")
ActionEnum = graphene.Enum.from_enum(Action, name="EventAction")


def _batch_tags(batch_id: int | None) -> Iterable[str]:
    """The tags of a found batch's page, or of a miss (None)."""
    return (cache.batch_tag(batch_id),) if batch_id is not None else (cache.BATCH_LIST,)


class Serial(VisibleNode):
    digital_link = graphene.String(
        required=True,
        description="What the unit's QR code carries: its GS1 Digital Link with lot and "
        "serial when the variant has a GTIN, else the short link /t/{code}.",
    )

    class Meta:
        model = models.Serial
        interfaces = (relay.Node,)
        fields = ("id", "serial", "code", "created_at")

    visible_to = staticmethod(selectors.visible_serials)

    @staticmethod
    def cache_tags(found: models.Serial | None) -> Iterable[str]:
        return _batch_tags(found.batch_id if found else None)

    @staticmethod
    def resolve_digital_link(root: models.Serial, info: graphene.ResolveInfo) -> str:
        related_one(related_one(root, "batch"), "variant")
        return root.digital_link()


class SerialConnection(CountableConnection):
    class Meta:
        node = Serial


class BatchPhoto(VisibleNode):
    url = graphene.String(required=True)

    class Meta:
        model = models.BatchPhoto
        interfaces = (relay.Node,)
        fields = ("id", "alt", "width", "height", "created_at")

    visible_to = staticmethod(selectors.visible_batch_photos)

    @staticmethod
    def cache_tags(found: models.BatchPhoto | None) -> Iterable[str]:
        return _batch_tags(found.batch_id if found else None)

    @staticmethod
    def resolve_url(root: models.BatchPhoto, info: graphene.ResolveInfo) -> str:
        url = root.image.url
        return url if "://" in url else f"{settings.PUBLIC_BASE_URL}{url}"


class TraceEvent(VisibleNode):
    """One EPCIS 2.0 event of a batch chain, append-only. `contentHash` is the
    SHA-256 over the document and the previous hash of each chain it is on."""

    event_type = graphene.String(required=True, description="The EPCIS event type.")
    action = ActionEnum()
    biz_step = BizStepEnum(required=True)
    disposition = DispositionEnum(required=True)
    epcis_event_id = graphene.String(required=True, description="The document's eventID.")
    document = GenericScalar(required=True, description="The event as EPCIS 2.0 JSON-LD.")
    previous = GenericScalar(required=True, description="{batch id: previous hash or null}.")
    sequence = graphene.Int(required=True, description="The global recording order.")
    corrects = graphene.Field(lambda: TraceEvent, description="The event this one declares wrong.")
    photo = graphene.Field(BatchPhoto)
    receipt = graphene.String(
        description="The trace log's signed promise to keep this event (a C2SP signed note), "
        "for the farmer to keep and check at /trace/receipt/. Only the seller's members and "
        "operators see it."
    )

    class Meta:
        model = models.TraceEvent
        interfaces = (relay.Node,)
        fields = (
            "id",
            "event_time",
            "event_time_zone_offset",
            "record_time",
            "content_hash",
        )

    visible_to = staticmethod(selectors.visible_trace_events)

    @staticmethod
    def cache_tags(found: models.TraceEvent | None) -> Iterable[str]:
        return (cache.BATCH_LIST,)

    @staticmethod
    def resolve_event_time(root: models.TraceEvent, info: graphene.ResolveInfo) -> datetime:
        """In the offset of the place where it happened, as the document says."""
        return epcis.parse_time(root.document["eventTime"])

    @staticmethod
    def resolve_action(root: models.TraceEvent, info: graphene.ResolveInfo) -> str | None:
        return root.action or None

    @staticmethod
    def resolve_epcis_event_id(root: models.TraceEvent, info: graphene.ResolveInfo) -> str:
        return root.event_id

    @staticmethod
    def resolve_sequence(root: models.TraceEvent, info: graphene.ResolveInfo) -> int:
        return root.sequence

    @staticmethod
    def resolve_corrects(
        root: models.TraceEvent, info: graphene.ResolveInfo
    ) -> models.TraceEvent | None:
        return related_one(root, "corrects")

    @staticmethod
    def resolve_photo(
        root: models.TraceEvent, info: graphene.ResolveInfo
    ) -> models.BatchPhoto | None:
        return related_one(root, "photo")

    @staticmethod
    def resolve_receipt(root: models.TraceEvent, info: graphene.ResolveInfo) -> str | None:
        """Only those who see the event (`visible_to`: the seller's members and
        operators) read it."""
        return root.receipt or None


class TraceEventConnection(CountableConnection):
    class Meta:
        node = TraceEvent


class Batch(VisibleNode):
    """One harvest or production run of a variant from one farm (a lot). Only the
    seller's members and operators read batches; the public sees provenance."""

    unit = BatchUnitEnum(required=True)
    quantity = Decimal(required=True, description="How much the run yielded, in `unit`.")
    quantity_packed = Decimal(required=True, description="How much of it has been packed.")
    digital_link = graphene.String(
        required=True,
        description="What the batch's QR code carries: {PUBLIC_BASE_URL}/01/{GTIN}/10/{lot} "
        "when the variant has a GTIN, else the short link {PUBLIC_BASE_URL}/t/{code}.",
    )
    photos = graphene.List(graphene.NonNull(BatchPhoto), required=True)
    serials = KeysetConnectionField(SerialConnection, description="The units, oldest first.")
    events = KeysetConnectionField(
        TraceEventConnection, description="The batch's events in recording order."
    )
    variant = graphene.Field(ProductVariant, required=True)
    farm = graphene.Field(Farm, required=True)
    seller = graphene.Field(Seller, required=True)

    class Meta:
        model = models.Batch
        interfaces = (relay.Node,)
        fields = ("id", "lot", "code", "harvest_date", "best_before", "notes", "created_at")

    visible_to = staticmethod(selectors.visible_batches)

    @staticmethod
    def cache_tags(found: models.Batch | None) -> Iterable[str]:
        return _batch_tags(found.pk if found else None)

    @staticmethod
    def resolve_digital_link(root: models.Batch, info: graphene.ResolveInfo) -> str:
        related_one(root, "variant")
        return root.digital_link()

    @staticmethod
    def resolve_photos(root: models.Batch, info: graphene.ResolveInfo) -> list[models.BatchPhoto]:
        return related_many(root, "photos")

    @staticmethod
    def resolve_serials(
        root: models.Batch,
        info: graphene.ResolveInfo,
        first: int | None = None,
        after: str | None = None,
        **_: Any,
    ) -> SerialConnection:
        return keyset_page(
            SerialConnection, root.serials.all(), keys=["id"], first=first, after=after
        )

    @staticmethod
    def resolve_events(
        root: models.Batch,
        info: graphene.ResolveInfo,
        first: int | None = None,
        after: str | None = None,
        **_: Any,
    ) -> TraceEventConnection:
        return keyset_page(
            TraceEventConnection, selectors.events_of(root), keys=["id"], first=first, after=after
        )

    @staticmethod
    def resolve_variant(
        root: models.Batch, info: graphene.ResolveInfo
    ) -> catalog_models.ProductVariant:
        return related_one(root, "variant")

    @staticmethod
    def resolve_farm(root: models.Batch, info: graphene.ResolveInfo) -> catalog_models.Farm:
        return related_one(root, "farm")

    @staticmethod
    def resolve_seller(root: models.Batch, info: graphene.ResolveInfo) -> catalog_models.Seller:
        return related_one(root, "seller")


class BatchConnection(CountableConnection):
    class Meta:
        node = Batch

import graphene
from django.conf import settings
from graphene import relay

from shop.core.api.base import Decimal, VisibleNode
from shop.core.api.pagination import CountableConnection, KeysetConnectionField, keyset_page
from shop.core.loading import related_many, related_one
from traceability import cache, models, selectors
from traceability.errors import TraceabilityErrorCode

TraceabilityErrorCodeEnum = graphene.Enum.from_enum(
    TraceabilityErrorCode, name="TraceabilityErrorCode"
)
BatchUnitEnum = graphene.Enum.from_enum(models.Batch.Unit, name="BatchUnit")


def _batch_tags(found, batch_id):
    return (cache.batch_tag(batch_id),) if found else (cache.BATCH_LIST,)


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
    def cache_tags(found):
        return _batch_tags(found, found and found.batch_id)

    @staticmethod
    def resolve_digital_link(root, info):
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
    def cache_tags(found):
        return _batch_tags(found, found and found.batch_id)

    @staticmethod
    def resolve_url(root, info):
        url = root.image.url
        return url if "://" in url else f"{settings.PUBLIC_BASE_URL}{url}"


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

    class Meta:
        model = models.Batch
        interfaces = (relay.Node,)
        fields = ("id", "lot", "code", "harvest_date", "best_before", "notes", "created_at")

    visible_to = staticmethod(selectors.visible_batches)

    @staticmethod
    def cache_tags(found):
        return _batch_tags(found, found and found.pk)

    @staticmethod
    def resolve_digital_link(root, info):
        related_one(root, "variant")
        return root.digital_link()

    @staticmethod
    def resolve_photos(root, info):
        return related_many(root, "photos")

    @staticmethod
    def resolve_serials(root, info, first=None, after=None, **_):
        return keyset_page(
            SerialConnection, root.serials.all(), keys=["id"], first=first, after=after
        )


class BatchConnection(CountableConnection):
    class Meta:
        node = Batch


def batch_catalog_fields(variant_type, farm_type, seller_type):
    """The batch's variant, farm and seller, typed with catalog's GraphQL types,
    which this app may not import: the root schema passes them in and adds the
    fields to Batch (`shop.core.api.base.extend_type`)."""

    class BatchCatalogFields:
        variant = graphene.Field(variant_type, required=True)
        farm = graphene.Field(farm_type, required=True)
        seller = graphene.Field(seller_type, required=True)

        @staticmethod
        def resolve_variant(root, info):
            return related_one(root, "variant")

        @staticmethod
        def resolve_farm(root, info):
            return related_one(root, "farm")

        @staticmethod
        def resolve_seller(root, info):
            return related_one(root, "seller")

    return BatchCatalogFields

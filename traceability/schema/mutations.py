"""Batch mutations: find the objects named, call traceability.services.batches as the
signed-in user (the services enforce the policies), return the payload."""

from typing import Any, Self

import graphene
from django.core.files.uploadedfile import UploadedFile

from catalog import models as catalog_models
from catalog.errors import CatalogErrorCode
from shop.core.api.base import (
    Decimal,
    DomainMutation,
    Upload,
    error_type,
    errors_field,
)
from shop.core.api.ids import mutation_target, referenced
from traceability import models
from traceability.errors import TraceabilityErrorCode
from traceability.schema.types import Batch, BatchPhoto, BatchUnitEnum, TraceabilityErrorCodeEnum
from traceability.services import batches as services


class BatchCreateInput(graphene.InputObjectType):
    variant = graphene.ID(required=True)
    farm = graphene.ID(required=True, description="One of the variant's seller's farms.")
    lot = graphene.String(
        required=True, description="1-20 characters of the GS1 set, unique for the seller."
    )
    harvest_date = graphene.Date(required=True, description="Harvest or production date.")
    best_before = graphene.Date()
    quantity = Decimal(required=True, description="Positive, at most three decimals.")
    unit = BatchUnitEnum(required=True)
    notes = graphene.String()


class BatchCreate(DomainMutation):
    """Record a batch (lot) of a variant you sell, harvested on one of your farms."""

    class Arguments:
        input = BatchCreateInput(required=True)

    batch = graphene.Field(Batch)
    errors = errors_field(error_type("BatchCreateError", TraceabilityErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, input: BatchCreateInput) -> Self:
        data = dict(input)
        variant = mutation_target(
            info, data.pop("variant"), "ProductVariant", catalog_models.ProductVariant
        )
        data["farm"] = referenced(
            data["farm"],
            "Farm",
            catalog_models.Farm,
            field="farm",
            not_found=TraceabilityErrorCode.NOT_FOUND,
        )
        data["unit"] = getattr(data["unit"], "value", data["unit"])
        batch = services.create_batch(actor=info.context.user, variant=variant, **data)
        return cls(batch=batch, errors=[])


class BatchSerialsGenerate(DomainMutation):
    """Add 1 to 10,000 random unit serials to a batch (at most 100,000 in all)."""

    class Arguments:
        batch = graphene.ID(required=True)
        count = graphene.Int(required=True)

    batch = graphene.Field(Batch)
    count = graphene.Int(description="How many serials were added.")
    errors = errors_field(error_type("BatchSerialsGenerateError", TraceabilityErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, batch: str, count: int) -> Self:
        target = mutation_target(info, batch, "Batch", models.Batch)
        added = services.generate_serials(actor=info.context.user, batch=target, count=count)
        return cls(batch=target, count=added, errors=[])


class BatchPhotoCreate(DomainMutation):
    """Upload a photo of a batch (multipart request), checked as product pictures are."""

    class Arguments:
        batch = graphene.ID(required=True)
        image = Upload(required=True)
        alt = graphene.String()

    photo = graphene.Field(BatchPhoto)
    errors = errors_field(
        error_type("BatchPhotoCreateError", TraceabilityErrorCode, CatalogErrorCode)
    )

    @classmethod
    def perform(
        cls,
        root: Any,
        info: graphene.ResolveInfo,
        batch: str,
        image: UploadedFile,
        alt: str | None = "",
    ) -> Self:
        target = mutation_target(info, batch, "Batch", models.Batch)
        photo = services.add_batch_photo(
            actor=info.context.user, batch=target, upload=image, alt=alt
        )
        return cls(photo=photo, errors=[])


class BatchMutations(graphene.ObjectType):
    batch_create = BatchCreate.Field()
    batch_serials_generate = BatchSerialsGenerate.Field()
    batch_photo_create = BatchPhotoCreate.Field()

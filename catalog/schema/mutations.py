"""Catalogue mutations: find the objects named, call catalog.services as the
signed-in user (the services enforce the policies), return the payload."""

from typing import Any, Self

import graphene
from django.core.files.uploadedfile import UploadedFile

from catalog import models, services
from catalog.errors import CatalogErrorCode
from catalog.schema.types import (
    CatalogErrorCodeEnum,
    Farm,
    Product,
    ProductImage,
    ProductVariant,
    Seller,
    SellerKindEnum,
)
from shop.core.api.base import (
    Decimal,
    DomainMutation,
    Upload,
    error_type,
    errors_field,
)
from shop.core.api.ids import mutation_target, referenced

NOT_FOUND = CatalogErrorCode.NOT_FOUND


class SellerCreateInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    name_en = graphene.String()
    kind = SellerKindEnum(required=True)
    is_poverty_household = graphene.Boolean()
    linked_poverty_households = graphene.Int()
    province = graphene.String(required=True)
    city = graphene.String(required=True)
    county = graphene.String(required=True)
    township = graphene.String()
    village = graphene.String()
    division_code = graphene.String(required=True)
    story = graphene.String()


class SellerCreate(DomainMutation):
    """Register a seller you are a member of; it must be verified before it can publish."""

    class Arguments:
        input = SellerCreateInput(required=True)

    seller = graphene.Field(Seller)
    errors = errors_field(error_type("SellerCreateError", CatalogErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, input: SellerCreateInput) -> Self:
        data = dict(input)
        data["kind"] = getattr(data["kind"], "value", data["kind"])
        return cls(seller=services.create_seller(actor=info.context.user, **data), errors=[])


class SellerVerify(DomainMutation):
    """Operators only: confirm a seller's identity and registration."""

    class Arguments:
        id = graphene.ID(required=True)

    seller = graphene.Field(Seller)
    errors = errors_field(error_type("SellerVerifyError", CatalogErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, id: str) -> Self:
        seller = mutation_target(info, id, "Seller", models.Seller)
        return cls(seller=services.verify_seller(actor=info.context.user, seller=seller), errors=[])


class SellerReject(DomainMutation):
    """Operators only: turn a registration back with a reason its members see."""

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    seller = graphene.Field(Seller)
    errors = errors_field(error_type("SellerRejectError", CatalogErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, id: str, reason: str) -> Self:
        seller = mutation_target(info, id, "Seller", models.Seller)
        seller = services.reject_seller(actor=info.context.user, seller=seller, reason=reason)
        return cls(seller=seller, errors=[])


class FarmFields:
    name_en = graphene.String()
    latitude = graphene.Float(description="Degrees north (WGS 84), rounded to 6 places.")
    longitude = graphene.Float(description="Degrees east (WGS 84), rounded to 6 places.")
    area_mu = graphene.Float(description="In mu (1 mu = 666.7 m²), rounded to 2 places.")


class FarmCreateInput(FarmFields, graphene.InputObjectType):
    seller = graphene.ID(required=True)
    name = graphene.String(required=True)
    village = graphene.String(required=True)
    produce = graphene.String(required=True, description="What it grows or raises.")


class FarmUpdateInput(FarmFields, graphene.InputObjectType):
    name = graphene.String()
    village = graphene.String()
    produce = graphene.String()


class FarmCreate(DomainMutation):
    """Add a farm to a seller you manage."""

    class Arguments:
        input = FarmCreateInput(required=True)

    farm = graphene.Field(Farm)
    errors = errors_field(error_type("FarmCreateError", CatalogErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, input: FarmCreateInput) -> Self:
        data = dict(input)
        seller = mutation_target(info, data.pop("seller"), "Seller", models.Seller)
        farm = services.create_farm(actor=info.context.user, seller=seller, **data)
        return cls(farm=farm, errors=[])


class FarmUpdate(DomainMutation):
    """Correct a farm's details; fields left out stay as they are."""

    class Arguments:
        id = graphene.ID(required=True)
        input = FarmUpdateInput(required=True)

    farm = graphene.Field(Farm)
    errors = errors_field(error_type("FarmUpdateError", CatalogErrorCodeEnum))

    @classmethod
    def perform(
        cls, root: Any, info: graphene.ResolveInfo, id: str, input: FarmUpdateInput
    ) -> Self:
        farm = mutation_target(info, id, "Farm", models.Farm)
        farm = services.update_farm(actor=info.context.user, farm=farm, **dict(input))
        return cls(farm=farm, errors=[])


class ProductFields:
    name_en = graphene.String()
    description = graphene.String()
    origin = graphene.String()
    storage = graphene.String()
    shelf_life_days = graphene.Int()
    is_published = graphene.Boolean()
    farm = graphene.ID()


class ProductCreateInput(ProductFields, graphene.InputObjectType):
    seller = graphene.ID(required=True)
    category = graphene.ID(required=True)
    name = graphene.String(required=True)


class ProductUpdateInput(ProductFields, graphene.InputObjectType):
    category = graphene.ID()
    name = graphene.String()


def _product_data(data: dict[str, Any]) -> dict[str, Any]:
    if "category" in data:
        data["category"] = referenced(
            data["category"], "Category", models.Category, field="category", not_found=NOT_FOUND
        )
    if "farm" in data:
        data["farm"] = referenced(
            data["farm"], "Farm", models.Farm, field="farm", not_found=NOT_FOUND
        )
    return data


class ProductCreate(DomainMutation):
    class Arguments:
        input = ProductCreateInput(required=True)

    product = graphene.Field(Product)
    errors = errors_field(error_type("ProductCreateError", CatalogErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, input: ProductCreateInput) -> Self:
        data = dict(input)
        seller = mutation_target(info, data.pop("seller"), "Seller", models.Seller)
        product = services.create_product(
            actor=info.context.user, seller=seller, **_product_data(data)
        )
        return cls(product=product, errors=[])


class ProductUpdate(DomainMutation):
    class Arguments:
        id = graphene.ID(required=True)
        input = ProductUpdateInput(required=True)

    product = graphene.Field(Product)
    errors = errors_field(error_type("ProductUpdateError", CatalogErrorCodeEnum))

    @classmethod
    def perform(
        cls, root: Any, info: graphene.ResolveInfo, id: str, input: ProductUpdateInput
    ) -> Self:
        product = mutation_target(info, id, "Product", models.Product)
        product = services.update_product(
            actor=info.context.user, product=product, **_product_data(dict(input))
        )
        return cls(product=product, errors=[])


class ProductDelete(DomainMutation):
    class Arguments:
        id = graphene.ID(required=True)

    deleted_id = graphene.ID()
    errors = errors_field(error_type("ProductDeleteError", CatalogErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, id: str) -> Self:
        product = mutation_target(info, id, "Product", models.Product)
        services.delete_product(actor=info.context.user, product=product)
        return cls(deleted_id=id, errors=[])


class VariantFields:
    gtin = graphene.String(description="GTIN-8, -12, -13 or -14; stored as 14 digits.")
    stock_quantity = graphene.Int()
    cold_chain = graphene.Boolean()
    sort_order = graphene.Int()


class ProductVariantCreateInput(VariantFields, graphene.InputObjectType):
    product = graphene.ID(required=True)
    sku = graphene.String(required=True)
    name = graphene.String(required=True, description='The unit sold, e.g. "5 kg bag".')
    net_weight_grams = graphene.Int(required=True)
    price = Decimal(required=True, description="In CNY.")


class ProductVariantUpdateInput(graphene.InputObjectType):
    sku = graphene.String()
    name = graphene.String()
    net_weight_grams = graphene.Int()
    price = Decimal()
    gtin = graphene.String()
    cold_chain = graphene.Boolean()
    sort_order = graphene.Int()


class ProductVariantCreate(DomainMutation):
    class Arguments:
        input = ProductVariantCreateInput(required=True)

    variant = graphene.Field(ProductVariant)
    errors = errors_field(error_type("ProductVariantCreateError", CatalogErrorCodeEnum))

    @classmethod
    def perform(
        cls, root: Any, info: graphene.ResolveInfo, input: ProductVariantCreateInput
    ) -> Self:
        data = dict(input)
        product = mutation_target(info, data.pop("product"), "Product", models.Product)
        variant = services.create_variant(actor=info.context.user, product=product, **data)
        return cls(variant=variant, errors=[])


class ProductVariantUpdate(DomainMutation):
    class Arguments:
        id = graphene.ID(required=True)
        input = ProductVariantUpdateInput(required=True)

    variant = graphene.Field(ProductVariant)
    errors = errors_field(error_type("ProductVariantUpdateError", CatalogErrorCodeEnum))

    @classmethod
    def perform(
        cls, root: Any, info: graphene.ResolveInfo, id: str, input: ProductVariantUpdateInput
    ) -> Self:
        variant = mutation_target(info, id, "ProductVariant", models.ProductVariant)
        variant = services.update_variant(actor=info.context.user, variant=variant, **dict(input))
        return cls(variant=variant, errors=[])


class ProductVariantDelete(DomainMutation):
    class Arguments:
        id = graphene.ID(required=True)

    deleted_id = graphene.ID()
    errors = errors_field(error_type("ProductVariantDeleteError", CatalogErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, id: str) -> Self:
        variant = mutation_target(info, id, "ProductVariant", models.ProductVariant)
        services.delete_variant(actor=info.context.user, variant=variant)
        return cls(deleted_id=id, errors=[])


class StockUpdate(DomainMutation):
    """Set a variant's stock, or change it by a delta; it never goes below zero."""

    class Arguments:
        variant = graphene.ID(required=True)
        quantity = graphene.Int()
        delta = graphene.Int()

    variant = graphene.Field(ProductVariant)
    errors = errors_field(error_type("StockUpdateError", CatalogErrorCodeEnum))

    @classmethod
    def perform(
        cls,
        root: Any,
        info: graphene.ResolveInfo,
        variant: str,
        quantity: int | None = None,
        delta: int | None = None,
    ) -> Self:
        target = mutation_target(info, variant, "ProductVariant", models.ProductVariant)
        target = services.update_stock(
            actor=info.context.user, variant=target, quantity=quantity, delta=delta
        )
        return cls(variant=target, errors=[])


class ProductImageCreate(DomainMutation):
    """Upload a picture (multipart request); thumbnails are made in the background."""

    class Arguments:
        product = graphene.ID(required=True)
        image = Upload(required=True)
        alt = graphene.String()

    image = graphene.Field(ProductImage)
    errors = errors_field(error_type("ProductImageCreateError", CatalogErrorCodeEnum))

    @classmethod
    def perform(
        cls,
        root: Any,
        info: graphene.ResolveInfo,
        product: str,
        image: UploadedFile,
        alt: str | None = "",
    ) -> Self:
        target = mutation_target(info, product, "Product", models.Product)
        added = services.add_product_image(
            actor=info.context.user, product=target, upload=image, alt=alt
        )
        return cls(image=added, errors=[])


class CatalogMutations(graphene.ObjectType):
    seller_create = SellerCreate.Field()
    seller_verify = SellerVerify.Field()
    seller_reject = SellerReject.Field()
    farm_create = FarmCreate.Field()
    farm_update = FarmUpdate.Field()
    product_create = ProductCreate.Field()
    product_update = ProductUpdate.Field()
    product_delete = ProductDelete.Field()
    product_variant_create = ProductVariantCreate.Field()
    product_variant_update = ProductVariantUpdate.Field()
    product_variant_delete = ProductVariantDelete.Field()
    product_image_create = ProductImageCreate.Field()
    stock_update = StockUpdate.Field()

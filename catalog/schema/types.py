from collections.abc import Iterable
from typing import Any

import graphene
from django.conf import settings
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from graphene import relay

from catalog import cache, models, selectors
from catalog.errors import CatalogErrorCode
from catalog.images import THUMBNAIL_SIZES
from catalog.selectors import best_thumbnail, images_of, variants_of
from shop.accounts import models as accounts_models
from shop.accounts.schema import User
from shop.core.api.base import Money, MoneyRange, VisibleNode, extend_type, money
from shop.core.api.pagination import CountableConnection
from shop.core.loading import related_many, related_one
from shop.core.roles import is_operator, is_signed_in

CatalogErrorCodeEnum = graphene.Enum.from_enum(CatalogErrorCode, name="CatalogErrorCode")
SellerKindEnum = graphene.Enum.from_enum(models.Seller.Kind, name="SellerKind")
ThumbnailFormatEnum = graphene.Enum.from_enum(
    models.ProductImageThumbnail.Format, name="ThumbnailFormat"
)


def absolute_media_url(file: FieldFile) -> str:
    """The storage's (percent-encoded) URL, made absolute unless it already is."""
    url = file.url
    return url if "://" in url else f"{settings.PUBLIC_BASE_URL}{url}"


class Region(graphene.ObjectType):
    """Where a seller is, down to the village, with the 12-digit division code."""

    province = graphene.String(required=True)
    city = graphene.String(required=True)
    county = graphene.String(required=True)
    township = graphene.String(required=True)
    village = graphene.String(required=True)
    division_code = graphene.String(required=True)


class Seller(VisibleNode):
    kind = SellerKindEnum(required=True)
    region = graphene.Field(Region, required=True)
    farms = graphene.List(graphene.NonNull(lambda: Farm), required=True)
    rejected_at = graphene.DateTime(
        description="When an operator turned the registration back; null once corrected "
        "or verified. Only the seller's members and operators see it."
    )
    rejection_reason = graphene.String(
        description="The last reason an operator gave for turning the registration back. "
        "Only the seller's members and operators see it."
    )

    class Meta:
        model = models.Seller
        interfaces = (relay.Node,)
        fields = (
            "id",
            "name",
            "name_en",
            "slug",
            "is_verified",
            "verified_at",
            "is_poverty_household",
            "linked_poverty_households",
            "story",
        )

    visible_to = staticmethod(selectors.visible_sellers)

    @staticmethod
    def cache_tags(found: models.Seller | None) -> Iterable[str]:
        return (cache.seller_tag(found.pk),) if found else (cache.SELLER_LIST,)

    @staticmethod
    def resolve_region(root: models.Seller, info: graphene.ResolveInfo) -> models.Seller:
        return root

    @staticmethod
    def resolve_farms(root: models.Seller, info: graphene.ResolveInfo) -> list[models.Farm]:
        return related_many(root, "farms")

    @staticmethod
    def resolve_rejected_at(root: models.Seller, info: graphene.ResolveInfo) -> Any:
        return _managers_only(root, info, root.rejected_at)

    @staticmethod
    def resolve_rejection_reason(root: models.Seller, info: graphene.ResolveInfo) -> Any:
        return _managers_only(root, info, root.rejection_reason)


def _managers_only(seller: models.Seller, info: graphene.ResolveInfo, value: Any) -> Any:
    """`value` for the seller's members and operators, null for anyone else; the
    sellers the viewer belongs to are read once per request."""
    actor = info.context.user
    if not is_signed_in(actor):
        return None
    if is_operator(actor):
        return value
    mine = getattr(info.context, "member_of_sellers", None)
    if mine is None:
        mine = set(actor.sellers.values_list("pk", flat=True))
        info.context.member_of_sellers = mine
    return value if seller.pk in mine else None


class SellerConnection(CountableConnection):
    class Meta:
        node = Seller


class Farm(VisibleNode):
    latitude = graphene.Float(required=True)
    longitude = graphene.Float(required=True)
    area_mu = graphene.Float(required=True)
    seller = graphene.Field(Seller, required=True)

    class Meta:
        model = models.Farm
        interfaces = (relay.Node,)
        fields = ("id", "name", "name_en", "village", "produce")

    visible_to = staticmethod(selectors.visible_farms)

    @staticmethod
    def cache_tags(found: models.Farm | None) -> Iterable[str]:
        return (cache.seller_tag(found.seller_id),) if found else (cache.SELLER_LIST,)

    @staticmethod
    def resolve_seller(root: models.Farm, info: graphene.ResolveInfo) -> models.Seller:
        return related_one(root, "seller")


class Category(VisibleNode):
    parent = graphene.Field(lambda: Category)
    children = graphene.List(graphene.NonNull(lambda: Category), required=True)

    class Meta:
        model = models.Category
        interfaces = (relay.Node,)
        fields = ("id", "name", "name_en", "slug")

    visible_to = staticmethod(selectors.visible_categories)

    @staticmethod
    def cache_tags(found: models.Category | None) -> Iterable[str]:
        return (cache.CATEGORIES,)

    @staticmethod
    def resolve_parent(root: models.Category, info: graphene.ResolveInfo) -> models.Category | None:
        return related_one(root, "parent")

    @staticmethod
    def resolve_children(
        root: models.Category, info: graphene.ResolveInfo
    ) -> list[models.Category]:
        return related_many(root, "children")


class CategoryConnection(CountableConnection):
    class Meta:
        node = Category


class ProductVariant(VisibleNode):
    price = graphene.Field(Money, required=True)
    name = graphene.String(required=True, description='The unit sold, e.g. "5 kg bag".')
    stock_quantity = graphene.Int(required=True)
    product = graphene.Field(lambda: Product, required=True)

    class Meta:
        model = models.ProductVariant
        interfaces = (relay.Node,)
        fields = ("id", "sku", "gtin", "name", "net_weight_grams", "cold_chain")

    visible_to = staticmethod(selectors.visible_variants)

    @staticmethod
    def cache_tags(found: models.ProductVariant | None) -> Iterable[str]:
        if found is None:
            return (cache.PRODUCT_LIST,)
        return cache.shown_with_product(found.product_id, found.seller_id)

    @staticmethod
    def resolve_price(root: models.ProductVariant, info: graphene.ResolveInfo) -> Money:
        return money(root.price)

    @staticmethod
    def resolve_product(root: models.ProductVariant, info: graphene.ResolveInfo) -> models.Product:
        return related_one(root, "product")


class Image(graphene.ObjectType):
    url = graphene.String(required=True)
    alt = graphene.String(required=True)
    width = graphene.Int()
    height = graphene.Int()


class ProductImage(VisibleNode):
    url = graphene.String(required=True)
    thumbnail = graphene.Field(
        Image,
        size=graphene.Int(required=True, default_value=THUMBNAIL_SIZES[0]),
        format=ThumbnailFormatEnum(
            required=True, default_value=models.ProductImageThumbnail.Format.WEBP
        ),
        description="A resized copy; the original until the thumbnail task has run.",
    )

    class Meta:
        model = models.ProductImage
        interfaces = (relay.Node,)
        fields = ("id", "alt", "width", "height", "sort_order")

    visible_to = staticmethod(selectors.visible_images)

    @staticmethod
    def cache_tags(found: models.ProductImage | None) -> Iterable[str]:
        return (cache.product_tag(found.product_id),) if found else (cache.PRODUCT_LIST,)

    @staticmethod
    def resolve_url(root: models.ProductImage, info: graphene.ResolveInfo) -> str:
        return absolute_media_url(root.image)

    @staticmethod
    def resolve_thumbnail(
        root: models.ProductImage, info: graphene.ResolveInfo, size: int, format: Any
    ) -> Image:
        return thumbnail_of(root, size, format)


def thumbnail_of(image: models.ProductImage, size: int, fmt: Any) -> Image:
    thumbnail = best_thumbnail(image, size, getattr(fmt, "value", fmt))
    if thumbnail is not None:
        return Image(url=absolute_media_url(thumbnail.file), alt=image.alt)
    return Image(
        url=absolute_media_url(image.image), alt=image.alt, width=image.width, height=image.height
    )


class Product(VisibleNode):
    variants = graphene.List(graphene.NonNull(ProductVariant), required=True)
    images = graphene.List(graphene.NonNull(ProductImage), required=True)
    thumbnail = graphene.Field(
        Image,
        size=graphene.Int(required=True, default_value=THUMBNAIL_SIZES[0]),
        format=ThumbnailFormatEnum(
            required=True, default_value=models.ProductImageThumbnail.Format.WEBP
        ),
        description="The first picture's thumbnail, or null when there is no picture.",
    )
    price_range = graphene.Field(MoneyRange, description="Cheapest and dearest variant.")
    seller = graphene.Field(Seller, required=True)
    category = graphene.Field(Category, required=True)
    farm = graphene.Field(Farm)

    class Meta:
        model = models.Product
        interfaces = (relay.Node,)
        fields = (
            "id",
            "name",
            "name_en",
            "slug",
            "description",
            "origin",
            "storage",
            "shelf_life_days",
            "is_published",
            "created_at",
            "updated_at",
        )

    visible_to = staticmethod(selectors.visible_products)

    @staticmethod
    def cache_tags(found: models.Product | None) -> Iterable[str]:
        if found is None:
            return (cache.PRODUCT_LIST,)
        return cache.shown_with_product(found.pk, found.seller_id)

    @staticmethod
    def resolve_seller(root: models.Product, info: graphene.ResolveInfo) -> models.Seller:
        return related_one(root, "seller")

    @staticmethod
    def resolve_category(root: models.Product, info: graphene.ResolveInfo) -> models.Category:
        return related_one(root, "category")

    @staticmethod
    def resolve_farm(root: models.Product, info: graphene.ResolveInfo) -> models.Farm | None:
        return related_one(root, "farm")

    @staticmethod
    def resolve_variants(
        root: models.Product, info: graphene.ResolveInfo
    ) -> list[models.ProductVariant]:
        return variants_of(root)

    @staticmethod
    def resolve_images(
        root: models.Product, info: graphene.ResolveInfo
    ) -> list[models.ProductImage]:
        return images_of(root)

    @staticmethod
    def resolve_thumbnail(
        root: models.Product, info: graphene.ResolveInfo, size: int, format: Any
    ) -> Image | None:
        images = images_of(root)
        return thumbnail_of(images[0], size, format) if images else None

    @staticmethod
    def resolve_price_range(root: models.Product, info: graphene.ResolveInfo) -> MoneyRange | None:
        prices = [v.price for v in variants_of(root)]
        if not prices:
            return None
        return MoneyRange(start=money(min(prices)), stop=money(max(prices)))


class UserSellers:
    """The sellers a user is a member of, on accounts' User type: accounts, below
    catalog, knows nothing of sellers, so catalog adds the field (`extend_type`)."""

    sellers = graphene.List(graphene.NonNull(Seller), required=True)

    @staticmethod
    def resolve_sellers(
        root: accounts_models.User, info: graphene.ResolveInfo
    ) -> QuerySet[models.Seller]:
        return root.sellers.all()


extend_type(User, UserSellers)


class ProductConnection(CountableConnection):
    class Meta:
        node = Product

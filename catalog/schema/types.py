import graphene
from django.conf import settings
from graphene import relay
from graphene_django import DjangoObjectType

from catalog import models
from catalog.errors import CatalogErrorCode
from catalog.images import THUMBNAIL_SIZES
from catalog.selectors import (
    best_thumbnail,
    images_of,
    variants_of,
    visible_products,
    visible_sellers,
)
from shop.api.core import Money, MoneyRange, money
from shop.api.pagination import CountableConnection

CatalogErrorCodeEnum = graphene.Enum.from_enum(CatalogErrorCode, name="CatalogErrorCode")
SellerKindEnum = graphene.Enum.from_enum(models.Seller.Kind, name="SellerKind")
ThumbnailFormatEnum = graphene.Enum.from_enum(
    models.ProductImageThumbnail.Format, name="ThumbnailFormat"
)


def absolute_media_url(file):
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


class Seller(DjangoObjectType):
    kind = SellerKindEnum(required=True)
    region = graphene.Field(Region, required=True)
    farms = graphene.List(graphene.NonNull(lambda: Farm), required=True)

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

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.all() & visible_sellers(info.context.user)

    @staticmethod
    def resolve_region(root, info):
        return root

    @staticmethod
    def resolve_farms(root, info):
        return root.farms.all()


class SellerConnection(CountableConnection):
    class Meta:
        node = Seller


class Farm(DjangoObjectType):
    latitude = graphene.Float(required=True)
    longitude = graphene.Float(required=True)
    area_mu = graphene.Float(required=True)
    seller = graphene.Field(Seller, required=True)

    class Meta:
        model = models.Farm
        interfaces = (relay.Node,)
        fields = ("id", "name", "name_en", "village", "produce")

    @classmethod
    def get_node(cls, info, id):
        """node(id): only farms of sellers the user may see."""
        user = info.context.user
        return models.Farm.objects.filter(pk=id, seller__in=visible_sellers(user)).first()


class Category(DjangoObjectType):
    parent = graphene.Field(lambda: Category)
    children = graphene.List(graphene.NonNull(lambda: Category), required=True)

    class Meta:
        model = models.Category
        interfaces = (relay.Node,)
        fields = ("id", "name", "name_en", "slug")

    @staticmethod
    def resolve_children(root, info):
        return root.children.all()


class CategoryConnection(CountableConnection):
    class Meta:
        node = Category


class ProductVariant(DjangoObjectType):
    price = graphene.Field(Money, required=True)
    name = graphene.String(required=True, description='The unit sold, e.g. "5 kg bag".')
    stock_quantity = graphene.Int(required=True)
    product = graphene.Field(lambda: Product, required=True)

    class Meta:
        model = models.ProductVariant
        interfaces = (relay.Node,)
        fields = ("id", "sku", "gtin", "name", "net_weight_grams", "cold_chain")

    @classmethod
    def get_node(cls, info, id):
        """node(id): only variants of products the user may see."""
        visible = visible_products(info.context.user)
        return models.ProductVariant.objects.filter(pk=id, product__in=visible).first()

    @staticmethod
    def resolve_price(root, info):
        return money(root.price)


class Image(graphene.ObjectType):
    url = graphene.String(required=True)
    alt = graphene.String(required=True)
    width = graphene.Int()
    height = graphene.Int()


class ProductImage(DjangoObjectType):
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

    @classmethod
    def get_node(cls, info, id):
        """node(id): only pictures of products the user may see."""
        visible = visible_products(info.context.user)
        return models.ProductImage.objects.filter(pk=id, product__in=visible).first()

    @staticmethod
    def resolve_url(root, info):
        return absolute_media_url(root.image)

    @staticmethod
    def resolve_thumbnail(root, info, size, format):
        return thumbnail_of(root, size, format)


def thumbnail_of(image, size, fmt):
    thumbnail = best_thumbnail(image, size, getattr(fmt, "value", fmt))
    if thumbnail is not None:
        return Image(url=absolute_media_url(thumbnail.file), alt=image.alt)
    return Image(
        url=absolute_media_url(image.image), alt=image.alt, width=image.width, height=image.height
    )


class Product(DjangoObjectType):
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

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.all() & visible_products(info.context.user)

    @staticmethod
    def resolve_variants(root, info):
        return variants_of(root)

    @staticmethod
    def resolve_images(root, info):
        return images_of(root)

    @staticmethod
    def resolve_thumbnail(root, info, size, format):
        images = images_of(root)
        return thumbnail_of(images[0], size, format) if images else None

    @staticmethod
    def resolve_price_range(root, info):
        prices = [v.price for v in variants_of(root)]
        if not prices:
            return None
        return MoneyRange(start=money(min(prices)), stop=money(max(prices)))


class ProductConnection(CountableConnection):
    class Meta:
        node = Product

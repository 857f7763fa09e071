from typing import Any

import graphene
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from catalog import cache, models
from catalog.schema.types import (
    CategoryConnection,
    Product,
    ProductConnection,
    Seller,
    SellerConnection,
)
from catalog.selectors import (
    category_with_descendants,
    division_prefix,
    filter_products,
    visible_categories,
    visible_products,
    visible_sellers,
    with_min_price,
)
from shop.core.api import public_cache
from shop.core.api.base import Decimal, VisibleNode, node_from_global_id, pk_from_global_id
from shop.core.api.pagination import KeysetConnectionField, keyset_page
from shop.core.errors import RequestError
from shop.core.errors import RequestErrorCode as Code


class PriceRangeInput(graphene.InputObjectType):
    gte = Decimal()
    lte = Decimal()


class ProductFilterInput(graphene.InputObjectType):
    search = graphene.String(description="Words that must all appear in the name or origin.")
    category = graphene.ID(description="A category; products of its subcategories match too.")
    seller = graphene.ID()
    region = graphene.String(
        description="A 12-digit administrative division code (or its prefix): "
        "products of sellers inside that province, city, county, township or village."
    )
    price = graphene.Field(PriceRangeInput, description="Some variant's price is in this range.")
    cold_chain = graphene.Boolean()


class ProductSortField(graphene.Enum):
    NAME = "name"
    PRICE = "min_price"
    CREATED_AT = "created_at"


class SortDirection(graphene.Enum):
    ASC = "asc"
    DESC = "desc"


class ProductSortInput(graphene.InputObjectType):
    field = ProductSortField(required=True)
    direction = SortDirection(required=True, default_value="asc")


class SellerSortField(graphene.Enum):
    NAME = "name"
    CREATED_AT = "created_at"


class SellerSortInput(graphene.InputObjectType):
    field = SellerSortField(required=True)
    direction = SortDirection(required=True, default_value="asc")


def _sort_order(sort_by: Any) -> tuple[str, bool]:
    """(model field, descending) of a sortBy input; by name when it is absent."""
    if not sort_by:
        return "name", False
    field = getattr(sort_by.field, "value", sort_by.field)
    return field, getattr(sort_by.direction, "value", sort_by.direction) == "desc"


class SellerFilterInput(graphene.InputObjectType):
    region = graphene.String()
    is_verified = graphene.Boolean()


def _region(code: str | None) -> str | None:
    """A valid division code (or prefix), or a coded error for anything else."""
    if not code:
        return None
    try:
        division_prefix(code.strip())
        return code.strip()
    except ValueError as exc:
        raise RequestError(
            Code.INVALID_ARGUMENT,
            _("`region` is an administrative division code of 2 to 12 digits."),
        ) from exc


def _product_filters(filter_input: ProductFilterInput | None) -> dict[str, Any]:
    if not filter_input:
        return {}
    arguments: dict[str, Any] = {
        "search": (filter_input.get("search") or "").strip() or None,
        "region": _region(filter_input.get("region")),
        "cold_chain": filter_input.get("cold_chain"),
    }
    if filter_input.get("category"):
        category = node_from_global_id(filter_input["category"], "Category", models.Category)
        arguments["categories"] = category_with_descendants(category)
    if filter_input.get("seller"):
        arguments["seller"] = node_from_global_id(filter_input["seller"], "Seller", models.Seller)
    price = filter_input.get("price") or {}
    arguments["price_gte"] = price.get("gte")
    arguments["price_lte"] = price.get("lte")
    return arguments


class CatalogQueries(graphene.ObjectType):
    products = KeysetConnectionField(
        ProductConnection,
        filter=ProductFilterInput(),
        sort_by=ProductSortInput(),
        description="Published products of verified sellers (and your own when signed in).",
    )
    product = graphene.Field(Product, id=graphene.ID(), slug=graphene.String())
    categories = KeysetConnectionField(
        CategoryConnection,
        top_level=graphene.Boolean(description="Only categories without a parent."),
    )
    sellers = KeysetConnectionField(
        SellerConnection, filter=SellerFilterInput(), sort_by=SellerSortInput()
    )
    seller = graphene.Field(Seller, id=graphene.ID(), slug=graphene.String())

    @staticmethod
    def resolve_products(
        root: Any,
        info: graphene.ResolveInfo,
        first: int | None = None,
        after: str | None = None,
        filter: ProductFilterInput | None = None,
        sort_by: ProductSortInput | None = None,
        **_: Any,
    ) -> ProductConnection:
        queryset = filter_products(visible_products(info.context.user), **_product_filters(filter))
        field, descending = _sort_order(sort_by)
        if field == "min_price":
            queryset = with_min_price(queryset)
        public_cache.tag(info.context, cache.PRODUCT_LIST)
        return keyset_page(
            ProductConnection,
            queryset,
            keys=[field, "id"],
            first=first,
            after=after,
            descending=descending,
        )

    @staticmethod
    def resolve_product(
        root: Any, info: graphene.ResolveInfo, id: str | None = None, slug: str | None = None
    ) -> models.Product | None:
        if bool(id) == bool(slug):
            raise RequestError(Code.INVALID_ARGUMENT, _("Give either an id or a slug."))
        queryset = visible_products(info.context.user)
        if id:
            product = queryset.filter(pk=pk_from_global_id(id, "Product")).first()
        else:
            product = queryset.filter(slug=slug).first()
        _tag_shown(info, Product, product)
        return product

    @staticmethod
    def resolve_categories(
        root: Any,
        info: graphene.ResolveInfo,
        first: int | None = None,
        after: str | None = None,
        top_level: bool | None = False,
        **_: Any,
    ) -> CategoryConnection:
        public_cache.tag(info.context, cache.CATEGORIES)
        queryset = visible_categories(info.context.user)
        if top_level:
            queryset = queryset.filter(parent__isnull=True)
        return keyset_page(
            CategoryConnection, queryset, keys=["name", "id"], first=first, after=after
        )

    @staticmethod
    def resolve_sellers(
        root: Any,
        info: graphene.ResolveInfo,
        first: int | None = None,
        after: str | None = None,
        filter: SellerFilterInput | None = None,
        sort_by: SellerSortInput | None = None,
        **_: Any,
    ) -> SellerConnection:
        public_cache.tag(info.context, cache.SELLER_LIST)
        queryset = visible_sellers(info.context.user)
        filters: dict[str, Any] = filter or {}
        region = _region(filters.get("region"))
        if region:
            queryset = queryset.filter(division_code__startswith=division_prefix(region))
        if filters.get("is_verified") is not None:
            queryset = queryset.filter(is_verified=filters["is_verified"])
        field, descending = _sort_order(sort_by)
        return keyset_page(
            SellerConnection,
            queryset,
            keys=[field, "id"],
            first=first,
            after=after,
            descending=descending,
        )

    @staticmethod
    def resolve_seller(
        root: Any, info: graphene.ResolveInfo, id: str | None = None, slug: str | None = None
    ) -> models.Seller | None:
        if bool(id) == bool(slug):
            raise RequestError(Code.INVALID_ARGUMENT, _("Give either an id or a slug."))
        queryset = visible_sellers(info.context.user)
        if id:
            seller = queryset.filter(pk=pk_from_global_id(id, "Seller")).first()
        else:
            seller = queryset.filter(slug=slug).first()
        _tag_shown(info, Seller, seller)
        return seller


def _tag_shown(
    info: graphene.ResolveInfo, node_type: type[VisibleNode], found: Model | None
) -> None:
    """Tag the public response with what `found` (or a miss, None) shows."""
    public_cache.tag(info.context, *node_type.cache_tags(found))

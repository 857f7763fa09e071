import graphene
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
from shop.core.api.base import Decimal, node_from_global_id, pk_from_global_id
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
    direction = SortDirection(required=True, default_value=SortDirection.ASC.value)


class SellerSortField(graphene.Enum):
    NAME = "name"
    CREATED_AT = "created_at"


class SellerSortInput(graphene.InputObjectType):
    field = SellerSortField(required=True)
    direction = SortDirection(required=True, default_value=SortDirection.ASC.value)


def _sort_order(sort_by):
    """(model field, descending) of a sortBy input; by name when it is absent."""
    if not sort_by:
        return "name", False
    field = getattr(sort_by.field, "value", sort_by.field)
    return field, getattr(sort_by.direction, "value", sort_by.direction) == "desc"


class SellerFilterInput(graphene.InputObjectType):
    region = graphene.String()
    is_verified = graphene.Boolean()


def _region(code):
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


def _product_filters(filter_input):
    if not filter_input:
        return {}
    arguments = {
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
    def resolve_products(root, info, first=None, after=None, filter=None, sort_by=None, **_):
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
    def resolve_product(root, info, id=None, slug=None):
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
    def resolve_categories(root, info, first=None, after=None, top_level=False, **_):
        public_cache.tag(info.context, cache.CATEGORIES)
        queryset = visible_categories(info.context.user)
        if top_level:
            queryset = queryset.filter(parent__isnull=True)
        return keyset_page(
            CategoryConnection, queryset, keys=["name", "id"], first=first, after=after
        )

    @staticmethod
    def resolve_sellers(root, info, first=None, after=None, filter=None, sort_by=None, **_):
        public_cache.tag(info.context, cache.SELLER_LIST)
        queryset = visible_sellers(info.context.user)
        filter = filter or {}
        if filter.get("region"):
            prefix = division_prefix(_region(filter["region"]))
            queryset = queryset.filter(division_code__startswith=prefix)
        if filter.get("is_verified") is not None:
            queryset = queryset.filter(is_verified=filter["is_verified"])
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
    def resolve_seller(root, info, id=None, slug=None):
        if bool(id) == bool(slug):
            raise RequestError(Code.INVALID_ARGUMENT, _("Give either an id or a slug."))
        queryset = visible_sellers(info.context.user)
        if id:
            seller = queryset.filter(pk=pk_from_global_id(id, "Seller")).first()
        else:
            seller = queryset.filter(slug=slug).first()
        _tag_shown(info, Seller, seller)
        return seller


def _tag_shown(info, node_type, found):
    """Tag the public response with what `found` (or a miss, None) shows."""
    public_cache.tag(info.context, *node_type.cache_tags(found))

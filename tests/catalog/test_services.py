"""Catalogue services and selectors, the database's own guards, and concurrent stock changes."""

from functools import partial

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from graphql_relay import to_global_id

from catalog import services
from catalog.errors import CatalogErrorCode as Code
from catalog.models import Category, Farm, Product, ProductImage, ProductVariant, Seller
from catalog.selectors import category_with_descendants, division_prefix
from catalog.validators import normalize_gtin
from shop.core.errors import DomainError
from tests.helpers.api import GraphQLClient
from tests.helpers.catalog import SELLER_DATA
from tests.helpers.pictures import picture
from tests.helpers.services import racing, require_postgresql, run_at_once


@pytest.fixture
def variant(product):
    return product.variants.get()


def refused(code, field, call, *args, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert (caught.value.code, caught.value.field) == (code, field)
    return caught.value


# --- pure helpers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4006381333931", "04006381333931"),
        ("04006381333931", "04006381333931"),
        ("96385074", "00000096385074"),
        ("036000291452", "00036000291452"),
        (" 4006381333931\n", "04006381333931"),
        ("4006381333932", None),
        ("400638133393", None),
        ("4006381333", None),
        ("", None),
        (None, None),
        ("4006-38133393", None),
    ],
)
def test_normalize_gtin(value, expected):
    assert normalize_gtin(value) == expected


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("360000000000", "36"),
        ("360300000000", "3603"),
        ("360323000000", "360323"),
        ("360323203000", "360323203"),
        ("360323203201", "360323203201"),
        ("110101001001", "110101001001"),
        ("510824000000", "510824"),
    ],
)
def test_division_prefix_stops_at_the_level_of_the_code(code, prefix):
    assert division_prefix(code) == prefix


def test_category_with_descendants_walks_the_tree_in_one_query(operator, django_assert_num_queries):
    def create(name, name_en, parent=None):
        return services.create_category(actor=operator, name=name, name_en=name_en, parent=parent)

    grain = create("粮油", "Grain")
    rice = create("大米", "Rice", parent=grain)
    purple = create("紫米", "Purple rice", parent=rice)
    oil = create("茶油", "Camellia oil", parent=grain)
    tea = create("茶叶", "Tea")
    with django_assert_num_queries(1):
        found = category_with_descendants(grain)
    assert sorted(found) == sorted([grain.pk, rice.pk, purple.pk, oil.pk])
    assert category_with_descendants(rice) == [rice.pk, purple.pk]
    assert category_with_descendants(tea) == [tea.pk]


# --- services -----------------------------------------------------------------


def test_create_variant_stores_the_products_seller(product, seller, seller_user):
    created = services.create_variant(
        actor=seller_user,
        product=product,
        sku="ZM-1KG",
        name="1 kg",
        net_weight_grams=1000,
        price="19.90",
    )
    assert created.seller_id == seller.pk == product.seller_id


@pytest.mark.parametrize(
    ("field", "first", "second"),
    [
        ("sku", {"sku": "ZM-1KG"}, {"sku": "ZM-1KG"}),
        (
            "gtin",
            {"sku": "ZM-1KG", "gtin": "4006381333931"},
            {"sku": "ZM-2KG", "gtin": "4006381333931"},
        ),
    ],
)
def test_a_lost_race_on_sku_or_gtin_becomes_a_coded_error(
    transactional_db, product, seller_user, field, first, second
):
    """The check before saving passes while another request saves the same key."""
    require_postgresql()
    data = {
        "actor": seller_user,
        "product": product,
        "name": "1 kg",
        "net_weight_grams": 1000,
        "price": "19.90",
    }
    with racing(lambda: services.create_variant(**data, **first)):
        lost = refused(Code.UNIQUE, field, services.create_variant, **data, **second)
    assert isinstance(lost.__cause__, IntegrityError)  # the database's guard, not the check
    assert ProductVariant.objects.count() == 2


def test_update_stock_sets_or_changes_and_never_goes_below_zero(variant, seller_user):
    def update(**change):
        return services.update_stock(actor=seller_user, variant=variant, **change)

    assert update(quantity=3).stock_quantity == 3
    assert update(delta=4).stock_quantity == 7
    assert update(delta=-7).stock_quantity == 0
    refused(Code.INSUFFICIENT_STOCK, "delta", update, delta=-1)
    refused(Code.INVALID_STOCK, "quantity", update, quantity=-1)
    refused(Code.INVALID, "quantity", update)
    refused(Code.INVALID, "quantity", update, quantity=1, delta=1)
    variant.refresh_from_db()
    assert variant.stock_quantity == 0


def test_update_stock_refreshes_a_stale_object(variant, seller_user):
    stale = ProductVariant.objects.get(pk=variant.pk)
    services.update_stock(actor=seller_user, variant=variant, delta=-4)
    assert services.update_stock(actor=seller_user, variant=stale, delta=-1).stock_quantity == 5


def test_create_seller_writes_nothing_when_a_later_field_is_bad(customer):
    data = {
        "name": "新茶农",
        "kind": "farmer_household",
        "province": "江西省",
        "city": "萍乡市",
        "county": " ",
        "division_code": "360323203201",
    }
    refused(Code.REQUIRED, "county", services.create_seller, actor=customer, **data)
    assert not Seller.objects.exists()
    assert not customer.sellers.exists()


def test_verify_seller_records_who_and_when(operator, customer):
    data = {
        "name": "新茶农",
        "kind": "farmer_household",
        "province": "江西省",
        "city": "萍乡市",
        "county": "芦溪县",
        "division_code": "360323203201",
    }
    created = services.create_seller(actor=customer, **data)
    assert (created.is_verified, created.verified_at) == (False, None)
    verified = services.verify_seller(actor=operator, seller=created)
    assert verified.is_verified and verified.verified_at and verified.verified_by == operator
    refused(Code.ALREADY_VERIFIED, None, services.verify_seller, actor=operator, seller=created)


def test_correcting_a_seller_loaded_before_its_verification_keeps_it_verified(operator, customer):
    stale = services.create_seller(actor=customer, **SELLER_DATA)
    services.verify_seller(actor=operator, seller=Seller.objects.get(pk=stale.pk))
    services.update_seller(actor=customer, seller=stale, story="新故事")
    fresh = Seller.objects.get(pk=stale.pk)
    assert fresh.is_verified and fresh.verified_by == operator
    assert fresh.story == "新故事"


def test_update_product_keeps_what_is_not_given(product, category, seller_user):
    services.update_product(actor=seller_user, product=product, origin="江西萍乡")
    product.refresh_from_db()
    assert (product.name, product.origin, product.is_published) == ("武功山紫米", "江西萍乡", True)
    services.update_product(actor=seller_user, product=product, origin=None, is_published=False)
    product.refresh_from_db()
    assert (product.origin, product.is_published) == ("", False)


# --- typed keyword arguments ------------------------------------------------

FARM = {"village": "王龙潭村", "latitude": "27.5", "longitude": "114.1", "area_mu": "3"}


@pytest.fixture
def writes(product, variant, seller_user, operator, category):
    """Each service that takes field values, as the actor who may call it."""
    farm = services.create_farm(
        actor=seller_user, seller=product.seller, name="田", produce="紫米", **FARM
    )
    upload = SimpleUploadedFile("a.png", picture("PNG"))
    image = services.add_product_image(actor=seller_user, product=product, upload=upload)
    return {
        "update_seller": partial(services.update_seller, actor=seller_user, seller=product.seller),
        "create_farm": partial(
            services.create_farm,
            actor=seller_user,
            seller=product.seller,
            name="新田",
            produce="茶",
            **FARM,
        ),
        "update_farm": partial(services.update_farm, actor=seller_user, farm=farm),
        "update_category": partial(services.update_category, actor=operator, category=category),
        "create_product": partial(
            services.create_product,
            actor=seller_user,
            seller=product.seller,
            category=category,
            name="红米",
        ),
        "update_product": partial(services.update_product, actor=seller_user, product=product),
        "create_variant": partial(
            services.create_variant,
            actor=seller_user,
            product=product,
            sku="ZM-1KG",
            name="1 kg",
            price="19.90",
            net_weight_grams=1000,
        ),
        "update_variant": partial(services.update_variant, actor=seller_user, variant=variant),
        "update_product_image": partial(
            services.update_product_image, actor=seller_user, image=image
        ),
    }


def _rows():
    return [
        list(model.objects.order_by("pk").values())
        for model in (Seller, Farm, Category, Product, ProductVariant, ProductImage)
    ]


@pytest.mark.parametrize(
    ("write", "unknown"),
    [
        ("update_seller", {"is_verified": True}),
        ("create_farm", {"seller_id": 1}),
        ("update_farm", {"colour": "green"}),
        ("update_category", {"slug": "rice"}),
        ("create_product", {"slug": "free"}),
        ("update_product", {"seller": None}),
        ("create_variant", {"seller_id": 1}),
        ("update_variant", {"stock_quantity": 99}),  # stock changes through update_stock
        ("update_product_image", {"width": 1}),
    ],
)
def test_an_unknown_field_is_refused_at_the_call_and_nothing_is_written(writes, write, unknown):
    before = _rows()
    with pytest.raises(TypeError, match=next(iter(unknown))):
        writes[write](**unknown)
    assert _rows() == before


def test_an_update_changes_only_what_is_given_and_none_clears_what_may_be_empty(
    writes, product, variant
):
    writes["update_variant"](gtin="4006381333931", cold_chain=True)
    writes["update_variant"](gtin=None, cold_chain=None, sort_order=None, name="5 公斤")
    variant.refresh_from_db()
    assert (variant.gtin, variant.cold_chain, variant.sort_order) == (None, True, 0)
    farm = Farm.objects.get()
    writes["update_product"](farm=farm, shelf_life_days=30)
    writes["update_product"](shelf_life_days=None)
    product.refresh_from_db()
    assert (product.farm, product.shelf_life_days, product.name) == (farm, None, "武功山紫米")
    writes["update_product"](farm=None)
    product.refresh_from_db()
    assert product.farm is None


# --- the database refuses what the code must never write ----------------------


@pytest.mark.parametrize(
    ("model", "changes"),
    [
        (ProductVariant, {"stock_quantity": -1}),
        (ProductVariant, {"price": 0}),
        (ProductVariant, {"price": -5}),
        (ProductVariant, {"gtin": "4006381333931"}),
        (ProductVariant, {"gtin": "0400638133393x"}),
        (Seller, {"division_code": "36032320320"}),
        (Seller, {"is_verified": True, "verified_at": None}),
    ],
)
def test_the_database_refuses_invalid_rows(product, variant, model, changes):
    target = variant if model is ProductVariant else product.seller
    if model is Seller:
        model.objects.filter(pk=target.pk).update(is_verified=False, verified_at=None)
    row = model.objects.filter(pk=target.pk)
    before = list(row.values())
    with pytest.raises(IntegrityError), transaction.atomic():
        row.update(**changes)
    assert list(row.values()) == before


def test_the_database_refuses_a_duplicate_sku_of_one_seller(product, variant):
    duplicate = ProductVariant(
        product=product,
        seller=variant.seller,
        sku=variant.sku,
        name="again",
        net_weight_grams=1,
        price=1,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


# --- concurrency (PostgreSQL) -------------------------------------------------

STOCK_DELTA = """mutation($variant: ID!) {
  stockUpdate(variant: $variant, delta: -1) { variant { stockQuantity } errors { code } } }"""


def test_concurrent_stock_deltas_cannot_oversell(transactional_db, seller_user, product):
    require_postgresql()
    variant = product.variants.get()
    services.update_stock(actor=seller_user, variant=variant, quantity=5)
    variables = {"variant": to_global_id("ProductVariant", variant.pk)}
    client = GraphQLClient(seller_user)
    results = run_at_once(lambda: client.execute(STOCK_DELTA, variables)["stockUpdate"], 10)
    sold = [r for r in results if r["errors"] == []]
    short = [r for r in results if r["errors"] == [{"code": "INSUFFICIENT_STOCK"}]]
    assert (len(sold), len(short)) == (5, 5)
    assert all(0 <= r["variant"]["stockQuantity"] < 5 for r in sold)
    variant.refresh_from_db()
    assert variant.stock_quantity == 0


def test_products_named_alike_at_the_same_moment_all_get_their_own_slug(
    transactional_db, seller, seller_user, category
):
    require_postgresql()

    def create():
        product = services.create_product(
            actor=seller_user, seller=seller, category=category, name="紫米", name_en="Purple rice"
        )
        return product.slug

    slugs = run_at_once(create, 8)
    assert len(set(slugs)) == 8
    assert "purple-rice" in slugs
    assert all(slug.startswith("purple-rice") for slug in slugs)


def test_a_taken_slug_gets_a_random_suffix(seller, seller_user, category):
    def create(**names):
        return services.create_product(actor=seller_user, seller=seller, category=category, **names)

    first = create(name="紫米", name_en="Purple rice")
    second = create(name="紫米", name_en="Purple rice")
    chinese = create(name="高山 云雾茶")
    assert first.slug == "purple-rice"
    assert second.slug.startswith("purple-rice-") and len(second.slug) == len("purple-rice-") + 6
    assert chinese.slug == "高山-云雾茶"

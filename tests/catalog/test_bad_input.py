"""Bad input to catalogue mutations: a coded error in the payload, and nothing written."""

from decimal import Decimal

import pytest
from graphql_relay import to_global_id

from catalog import services
from catalog.models import Product, ProductVariant, Seller
from catalog.validators import gs1_check_digit
from shop.core.errors import DomainError
from tests.helpers.api import GraphQLClient
from tests.helpers.catalog import SELLER_DATA
from tests.helpers.ids import gid
from tests.helpers.users import make_user

SELLER_CREATE = """mutation($input: SellerCreateInput!) {
  sellerCreate(input: $input) { seller { name } errors { field code message } } }"""
SELLER_VERIFY = """mutation($id: ID!) {
  sellerVerify(id: $id) { seller { isVerified } errors { field code message } } }"""
PRODUCT_CREATE = """mutation($input: ProductCreateInput!) {
  productCreate(input: $input) { product { name isPublished } errors { field code message } } }"""
PRODUCT_UPDATE = """mutation($id: ID!, $input: ProductUpdateInput!) {
  productUpdate(id: $id, input: $input) { product { name isPublished } errors { field code message } } }"""
VARIANT_CREATE = """mutation($input: ProductVariantCreateInput!) {
  productVariantCreate(input: $input) {
    variant { sku gtin stockQuantity price { amount } } errors { field code message } } }"""
VARIANT_UPDATE = """mutation($id: ID!, $input: ProductVariantUpdateInput!) {
  productVariantUpdate(id: $id, input: $input) {
    variant { sku gtin price { amount } } errors { field code message } } }"""
STOCK_UPDATE = """mutation($variant: ID!, $quantity: Int, $delta: Int) {
  stockUpdate(variant: $variant, quantity: $quantity, delta: $delta) {
    variant { stockQuantity } errors { field code message } } }"""

GTIN13 = "4006381333931"


def payload(client, document, variables):
    """The mutation's payload; a top-level error fails the test."""
    data = client.execute(document, variables)
    [value] = data.values()
    return value


def codes(result):
    assert all(error["message"] for error in result["errors"])
    return [(error["field"], error["code"]) for error in result["errors"]]


def counts():
    return (
        Seller.objects.count(),
        Seller.members.through.objects.count(),
        Product.objects.count(),
        ProductVariant.objects.count(),
    )


def variant_input(product, **extra):
    return {
        "input": {
            "product": gid(product),
            "sku": "ZM-1KG",
            "name": "1 kg bag",
            "netWeightGrams": 1000,
            "price": "19.90",
            **extra,
        }
    }


@pytest.fixture
def seller_client(client_as):
    return client_as("seller")


@pytest.fixture
def variant(product):
    return product.variants.get()


# --- variants: SKU, GTIN, price, stock ---------------------------------------


def test_a_duplicate_sku_within_a_seller_is_refused(seller_client, product):
    before = counts()
    result = payload(seller_client, VARIANT_CREATE, variant_input(product, sku="ZM-5KG"))
    assert result["variant"] is None
    assert codes(result) == [("sku", "UNIQUE")]
    assert counts() == before


def test_the_same_sku_at_another_seller_is_fine(
    client_as, product, other_seller, other_seller_user, category
):
    other = services.create_product(
        actor=other_seller_user, seller=other_seller, category=category, name="苍溪猕猴桃"
    )
    result = payload(client_as("other_seller"), VARIANT_CREATE, variant_input(other, sku="ZM-5KG"))
    assert result["errors"] == []
    assert ProductVariant.objects.filter(sku="ZM-5KG").count() == 2


def test_renaming_a_sku_to_a_taken_one_is_refused(seller_client, seller_user, product, variant):
    second = services.create_variant(
        actor=seller_user,
        product=product,
        sku="ZM-1KG",
        name="1 kg",
        net_weight_grams=1000,
        price="19.90",
    )
    result = payload(seller_client, VARIANT_UPDATE, {"id": gid(second), "input": {"sku": "ZM-5KG"}})
    assert codes(result) == [("sku", "UNIQUE")]
    second.refresh_from_db()
    assert second.sku == "ZM-1KG"


@pytest.mark.parametrize(
    "gtin",
    [
        GTIN13[:-1] + str((int(GTIN13[-1]) + 1) % 10),  # wrong check digit
        "0" + GTIN13[:-1] + "2",
        "12345",
        "40063813339311",
        "4006381333931x",
        "400638133393",  # 12 digits, wrong check digit
        "４００６３８１３３３９３１",  # full-width digits
    ],
)
def test_a_bad_gtin_is_invalid_gtin(seller_client, product, gtin):
    before = counts()
    result = payload(seller_client, VARIANT_CREATE, variant_input(product, gtin=gtin))
    assert result["variant"] is None
    assert codes(result) == [("gtin", "INVALID_GTIN")]
    assert counts() == before


@pytest.mark.parametrize(
    ("gtin", "stored"),
    [
        (GTIN13, "0" + GTIN13),
        (" 4006381333931 ", "0" + GTIN13),
        ("0" + GTIN13, "0" + GTIN13),
        ("96385074", "00000096385074"),  # GTIN-8
        ("036000291452", "00036000291452"),  # GTIN-12 (UPC-A)
    ],
)
def test_a_valid_gtin_is_stored_padded_to_14_digits(seller_client, product, gtin, stored):
    assert gs1_check_digit(stored[:-1]) == int(stored[-1])
    result = payload(seller_client, VARIANT_CREATE, variant_input(product, gtin=gtin))
    assert result["errors"] == []
    assert result["variant"]["gtin"] == stored
    assert ProductVariant.objects.get(sku="ZM-1KG").gtin == stored


@pytest.mark.parametrize("second_form", [GTIN13, "0" + GTIN13])
def test_a_duplicate_gtin_is_refused_even_at_another_seller(
    client_as, product, variant, seller_user, other_seller, other_seller_user, category, second_form
):
    services.update_variant(actor=seller_user, variant=variant, gtin=GTIN13)
    other = services.create_product(
        actor=other_seller_user, seller=other_seller, category=category, name="苍溪猕猴桃"
    )
    before = counts()
    result = payload(
        client_as("other_seller"), VARIANT_CREATE, variant_input(other, gtin=second_form)
    )
    assert codes(result) == [("gtin", "UNIQUE")]
    assert counts() == before


def test_setting_a_taken_gtin_on_update_is_refused(seller_client, seller_user, product, variant):
    services.update_variant(actor=seller_user, variant=variant, gtin=GTIN13)
    second = services.create_variant(
        actor=seller_user,
        product=product,
        sku="ZM-1KG",
        name="1 kg",
        net_weight_grams=1000,
        price="19.90",
    )
    result = payload(seller_client, VARIANT_UPDATE, {"id": gid(second), "input": {"gtin": GTIN13}})
    assert codes(result) == [("gtin", "UNIQUE")]
    second.refresh_from_db()
    assert second.gtin is None


@pytest.mark.parametrize("price", ["-1.00", "0", "0.00", "1.005", "19.999", "100000000", "-0.01"])
def test_a_bad_price_is_invalid_price_on_create_and_update(seller_client, product, variant, price):
    before = counts()
    created = payload(seller_client, VARIANT_CREATE, variant_input(product, price=price))
    assert created["variant"] is None
    assert codes(created) == [("price", "INVALID_PRICE")]
    assert counts() == before
    updated = payload(
        seller_client, VARIANT_UPDATE, {"id": gid(variant), "input": {"price": price}}
    )
    assert codes(updated) == [("price", "INVALID_PRICE")]
    variant.refresh_from_db()
    assert str(variant.price) == "88.00"


@pytest.mark.parametrize("price", ["0.01", "19.9", "99999999.99", "12"])
def test_a_good_price_is_stored_exactly(seller_client, product, price):
    result = payload(seller_client, VARIANT_CREATE, variant_input(product, price=price))
    assert result["errors"] == []
    stored = ProductVariant.objects.get(sku="ZM-1KG").price
    assert stored == Decimal(price)


def test_negative_stock_on_create_is_invalid_stock(seller_client, product):
    before = counts()
    result = payload(seller_client, VARIANT_CREATE, variant_input(product, stockQuantity=-1))
    assert codes(result) == [("stockQuantity", "INVALID_STOCK")]
    assert counts() == before


def test_setting_a_negative_stock_is_invalid_stock(seller_client, variant):
    result = payload(seller_client, STOCK_UPDATE, {"variant": gid(variant), "quantity": -1})
    assert result["variant"] is None
    assert codes(result) == [("quantity", "INVALID_STOCK")]
    variant.refresh_from_db()
    assert variant.stock_quantity == 10


def test_a_delta_below_zero_is_insufficient_stock_and_leaves_stock_alone(seller_client, variant):
    refused = payload(seller_client, STOCK_UPDATE, {"variant": gid(variant), "delta": -11})
    assert refused["variant"] is None
    assert codes(refused) == [("delta", "INSUFFICIENT_STOCK")]
    variant.refresh_from_db()
    assert variant.stock_quantity == 10
    emptied = payload(seller_client, STOCK_UPDATE, {"variant": gid(variant), "delta": -10})
    assert emptied == {"variant": {"stockQuantity": 0}, "errors": []}
    again = payload(seller_client, STOCK_UPDATE, {"variant": gid(variant), "delta": -1})
    assert codes(again) == [("delta", "INSUFFICIENT_STOCK")]
    variant.refresh_from_db()
    assert variant.stock_quantity == 0


@pytest.mark.parametrize("arguments", [{}, {"quantity": 5, "delta": 1}])
def test_stock_update_needs_exactly_one_of_quantity_and_delta(seller_client, variant, arguments):
    result = payload(seller_client, STOCK_UPDATE, {"variant": gid(variant), **arguments})
    assert codes(result) == [("quantity", "INVALID")]
    variant.refresh_from_db()
    assert variant.stock_quantity == 10


@pytest.mark.parametrize(
    ("extra", "field", "code"),
    [
        ({"netWeightGrams": 0}, "netWeightGrams", "INVALID"),
        ({"sku": "   "}, "sku", "REQUIRED"),
        ({"name": ""}, "name", "REQUIRED"),
        ({"sku": "S" * 65}, "sku", "INVALID"),
        ({"name": "袋" * 81}, "name", "INVALID"),
        ({"sortOrder": -1}, "sortOrder", "INVALID"),
    ],
)
def test_other_bad_variant_fields(seller_client, product, extra, field, code):
    before = counts()
    result = payload(seller_client, VARIANT_CREATE, variant_input(product, **extra))
    assert codes(result) == [(field, code)]
    assert counts() == before


@pytest.mark.parametrize(
    ("update", "field", "code"),
    [
        ({"sortOrder": -1}, "sortOrder", "INVALID"),
        ({"sku": "S" * 65}, "sku", "INVALID"),
        ({"netWeightGrams": -5}, "netWeightGrams", "INVALID"),
        ({"name": " "}, "name", "REQUIRED"),
    ],
)
def test_other_bad_variant_updates(seller_client, variant, update, field, code):
    result = payload(seller_client, VARIANT_UPDATE, {"id": gid(variant), "input": update})
    assert codes(result) == [(field, code)]
    variant.refresh_from_db()
    assert (variant.sku, variant.name, variant.sort_order, variant.net_weight_grams) == (
        "ZM-5KG",
        "5 kg bag",
        0,
        5000,
    )


# --- products -----------------------------------------------------------------


def product_input(seller, category, **extra):
    return {
        "input": {"seller": gid(seller), "category": gid(category), "name": "武功山红茶", **extra}
    }


@pytest.mark.parametrize(
    "category_id", [to_global_id("Category", 999999), to_global_id("Seller", 1), "garbage"]
)
def test_an_unknown_category_is_not_found(seller_client, seller, category, category_id):
    before = counts()
    variables = product_input(seller, category)
    variables["input"]["category"] = category_id
    result = payload(seller_client, PRODUCT_CREATE, variables)
    assert result["product"] is None
    assert codes(result) == [("category", "NOT_FOUND")]
    assert counts() == before


def test_moving_a_product_to_an_unknown_category_is_not_found(seller_client, product):
    result = payload(
        seller_client,
        PRODUCT_UPDATE,
        {"id": gid(product), "input": {"category": to_global_id("Category", 999999)}},
    )
    assert codes(result) == [("category", "NOT_FOUND")]
    product.refresh_from_db()
    assert product.category.name == "大米"


@pytest.fixture
def unverified(operator):
    """A seller nobody has verified yet, its member's client and one draft product."""
    user = make_user(phone="13800138005", name="新农户")
    seller = services.create_seller(actor=user, **{**SELLER_DATA, "name": "新农户"})
    category = services.create_category(actor=operator, name="茶叶", name_en="Tea")
    draft = services.create_product(actor=user, seller=seller, category=category, name="野生红茶")
    return seller, GraphQLClient(user), category, draft


def test_an_unverified_seller_cannot_publish(unverified):
    seller, client, category, draft = unverified
    before = counts()
    created = payload(client, PRODUCT_CREATE, product_input(seller, category, isPublished=True))
    assert codes(created) == [("isPublished", "SELLER_NOT_VERIFIED")]
    assert counts() == before
    published = payload(client, PRODUCT_UPDATE, {"id": gid(draft), "input": {"isPublished": True}})
    assert codes(published) == [("isPublished", "SELLER_NOT_VERIFIED")]
    draft.refresh_from_db()
    assert draft.is_published is False
    unpublished = payload(client, PRODUCT_CREATE, product_input(seller, category))
    assert unpublished["errors"] == []
    assert unpublished["product"] == {"name": "武功山红茶", "isPublished": False}


def test_an_operator_cannot_publish_for_an_unverified_seller_either(unverified, client_as):
    _seller, _client, _category, draft = unverified
    result = payload(
        client_as("operator"), PRODUCT_UPDATE, {"id": gid(draft), "input": {"isPublished": True}}
    )
    assert codes(result) == [("isPublished", "SELLER_NOT_VERIFIED")]
    draft.refresh_from_db()
    assert draft.is_published is False


@pytest.mark.parametrize(
    ("document", "make_variables"),
    [
        (PRODUCT_UPDATE, lambda p, v: {"id": gid(p), "input": {"name": "冒名"}}),
        (
            "mutation($id: ID!) { productDelete(id: $id) { errors { code } } }",
            lambda p, v: {"id": gid(p)},
        ),
        (VARIANT_CREATE, lambda p, v: variant_input(p)),
        (VARIANT_UPDATE, lambda p, v: {"id": gid(v), "input": {"price": "1.00"}}),
        (STOCK_UPDATE, lambda p, v: {"variant": gid(v), "quantity": 0}),
    ],
)
def test_a_seller_editing_another_sellers_product_is_permission_denied(
    client_as, product, variant, document, make_variables
):
    before = counts()
    code = client_as("other_seller").error_code(document, make_variables(product, variant))
    assert code == "PERMISSION_DENIED"
    assert counts() == before
    product.refresh_from_db()
    variant.refresh_from_db()
    assert (product.name, str(variant.price), variant.stock_quantity) == ("武功山紫米", "88.00", 10)


def test_a_farm_of_another_seller_is_refused(
    seller_client, seller, other_seller, other_seller_user, category
):
    farm = services.create_farm(
        actor=other_seller_user,
        seller=other_seller,
        name="苍溪果园",
        village="元坝村",
        latitude=31.7,
        longitude=105.9,
        area_mu=50,
        produce="kiwifruit",
    )
    before = counts()
    result = payload(seller_client, PRODUCT_CREATE, product_input(seller, category, farm=gid(farm)))
    assert codes(result) == [("farm", "INVALID")]
    assert counts() == before


@pytest.mark.parametrize(
    ("extra", "field", "code"),
    [
        ({"name": "  "}, "name", "REQUIRED"),
        ({"name": "茶" * 121}, "name", "INVALID"),
        ({"origin": "山" * 201}, "origin", "INVALID"),
        ({"shelfLifeDays": 0}, "shelfLifeDays", "INVALID"),
        ({"farm": to_global_id("Farm", 999999)}, "farm", "NOT_FOUND"),
    ],
)
def test_other_bad_product_fields(seller_client, seller, category, extra, field, code):
    before = counts()
    result = payload(seller_client, PRODUCT_CREATE, product_input(seller, category, **extra))
    assert codes(result) == [(field, code)]
    assert counts() == before


@pytest.mark.parametrize(
    ("update", "field", "code"),
    [
        ({"name": ""}, "name", "REQUIRED"),
        ({"nameEn": "x" * 121}, "nameEn", "INVALID"),
        ({"storage": "冷" * 201}, "storage", "INVALID"),
        ({"shelfLifeDays": -3}, "shelfLifeDays", "INVALID"),
    ],
)
def test_other_bad_product_updates(seller_client, product, update, field, code):
    result = payload(seller_client, PRODUCT_UPDATE, {"id": gid(product), "input": update})
    assert codes(result) == [(field, code)]
    product.refresh_from_db()
    assert (product.name, product.name_en, product.storage, product.shelf_life_days) == (
        "武功山紫米",
        "Wugong purple rice",
        "",
        None,
    )


# --- sellers ------------------------------------------------------------------


def seller_input(**extra):
    return {
        "input": {
            "name": "新茶农",
            "kind": "FARMER_HOUSEHOLD",
            "province": "江西省",
            "city": "萍乡市",
            "county": "芦溪县",
            "divisionCode": "360323203201",
            **extra,
        }
    }


@pytest.mark.parametrize(
    "code", ["36032320320", "3603232032011", "36032320320a", "", "３６０３２３２０３２０１"]
)
def test_an_invalid_division_code_is_refused(client_as, code):
    before = counts()
    result = payload(client_as("customer"), SELLER_CREATE, seller_input(divisionCode=code))
    assert result["seller"] is None
    assert codes(result) == [("divisionCode", "INVALID_DIVISION_CODE")]
    assert counts() == before


@pytest.mark.parametrize(
    ("extra", "field", "code"),
    [
        ({"name": " "}, "name", "REQUIRED"),
        ({"province": " "}, "province", "REQUIRED"),
        ({"county": ""}, "county", "REQUIRED"),
        ({"linkedPovertyHouseholds": -1}, "linkedPovertyHouseholds", "INVALID"),
        ({"name": "社" * 121}, "name", "INVALID"),
        ({"village": "村" * 41}, "village", "INVALID"),
    ],
)
def test_other_bad_seller_fields_write_nothing(client_as, extra, field, code):
    before = counts()
    result = payload(client_as("customer"), SELLER_CREATE, seller_input(**extra))
    assert codes(result) == [(field, code)]
    assert counts() == before


def test_a_good_seller_is_created_unverified(client_as, customer):
    result = payload(client_as("customer"), SELLER_CREATE, seller_input(nameEn="  New Tea  "))
    assert result == {"seller": {"name": "新茶农"}, "errors": []}
    created = Seller.objects.get(name="新茶农")
    assert (created.name_en, created.is_verified) == ("New Tea", False)
    assert list(created.members.all()) == [customer]


def test_verifying_a_verified_seller_is_already_verified(client_as, seller):
    verified_at = seller.verified_at
    result = payload(client_as("operator"), SELLER_VERIFY, {"id": gid(seller)})
    assert result["seller"] is None
    assert codes(result) == [(None, "ALREADY_VERIFIED")]
    seller.refresh_from_db()
    assert seller.verified_at == verified_at


@pytest.mark.parametrize(
    ("seller_id", "code"), [(to_global_id("Seller", 999999), "NOT_FOUND"), ("x", "INVALID_ID")]
)
def test_verifying_an_unknown_seller_is_a_top_level_error(client_as, seller_id, code):
    assert client_as("operator").error_code(SELLER_VERIFY, {"id": seller_id}) == code


def test_stock_beyond_the_limit_is_refused_and_never_overflows(seller_client, variant):
    from catalog.rules import MAX_STOCK

    too_much = payload(
        seller_client, STOCK_UPDATE, {"variant": gid(variant), "quantity": MAX_STOCK + 1}
    )
    assert codes(too_much) == [("quantity", "INVALID_STOCK")]
    full = payload(seller_client, STOCK_UPDATE, {"variant": gid(variant), "quantity": MAX_STOCK})
    assert full["variant"] == {"stockQuantity": MAX_STOCK}
    overflow = payload(seller_client, STOCK_UPDATE, {"variant": gid(variant), "delta": 1})
    assert codes(overflow) == [("delta", "INSUFFICIENT_STOCK")]
    variant.refresh_from_db()
    assert variant.stock_quantity == MAX_STOCK


def test_a_null_is_published_leaves_the_product_published(seller_client, product):
    result = payload(
        seller_client, PRODUCT_UPDATE, {"id": gid(product), "input": {"isPublished": None}}
    )
    assert result["product"]["isPublished"] is True
    product.refresh_from_db()
    assert product.is_published


@pytest.mark.parametrize("region", ["36x", "3", "3603230000001", "３６"])
@pytest.mark.parametrize("listing", ["products", "sellers"])
def test_a_malformed_region_filter_is_invalid_argument(product, listing, region):
    query = "query($r: String) { " + listing + "(first: 5, filter: {region: $r}) { totalCount } }"
    assert GraphQLClient().error_code(query, {"r": region}) == "INVALID_ARGUMENT"


def test_a_farm_off_the_earth_or_without_a_name_is_refused_and_not_written(seller, seller_user):
    from catalog.models import Farm

    with pytest.raises(DomainError) as refused:
        services.create_farm(
            actor=seller_user,
            seller=seller,
            name="",
            village="王龙潭村",
            latitude="91",
            longitude="114.1",
            area_mu="-1",
            produce="紫米",
        )
    assert sorted((e.field, e.code.name) for e in refused.value.errors) == [
        ("area_mu", "INVALID"),
        ("latitude", "INVALID"),
        ("name", "REQUIRED"),
    ]
    assert all(str(e.message) for e in refused.value.errors)
    assert not Farm.objects.exists()

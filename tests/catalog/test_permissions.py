"""Every catalogue mutation as anonymous, customer, another seller, the right seller and operator."""

from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from catalog import services
from catalog.models import Product, ProductVariant, Seller
from tests.helpers.catalog import SELLER_DATA
from tests.helpers.ids import gid
from tests.helpers.users import ROLES


@pytest.fixture
def world(seller, seller_user, product):
    """The right seller's product and variant, and a second seller of theirs awaiting checks."""
    waiting = services.create_seller(
        actor=seller_user, **{**SELLER_DATA, "name": "万龙山茶场", "name_en": "Wanlong Tea Farm"}
    )
    return SimpleNamespace(
        seller=seller,
        product=product,
        variant=product.variants.get(),
        waiting=waiting,
        category=product.category,
    )


def state():
    """Everything a refused mutation must leave as it was."""
    return {
        "sellers": list(
            Seller.objects.order_by("pk").values_list(
                "pk", "name", "is_verified", "rejected_at", "rejection_reason"
            )
        ),
        "members": list(Seller.members.through.objects.order_by("pk").values_list("pk")),
        "products": list(
            Product.objects.order_by("pk").values_list("pk", "name", "is_published", "category")
        ),
        "variants": list(
            ProductVariant.objects.order_by("pk").values_list(
                "pk", "sku", "gtin", "price", "stock_quantity"
            )
        ),
    }


@dataclass
class Case:
    name: str
    document: str
    variables: Any  # world -> dict
    check: Any  # (world, payload, user) -> None; asserts what the success wrote
    allowed: tuple = ("seller", "operator")

    def __str__(self):
        return self.name


def _seller_created(w, payload, user):
    created = Seller.objects.get(name="新茶农")
    assert payload["seller"]["name"] == "新茶农"
    assert created.is_verified is False
    assert list(created.members.all()) == [user]


def _seller_verified(w, payload, user):
    w.waiting.refresh_from_db()
    assert payload["seller"]["isVerified"] is True
    assert w.waiting.is_verified and w.waiting.verified_by == user


def _seller_rejected(w, payload, user):
    w.waiting.refresh_from_db()
    assert payload["seller"]["rejectionReason"] == "缺少营业执照"
    assert w.waiting.rejection_reason == "缺少营业执照" and w.waiting.rejected_at


def _product_created(w, payload, user):
    created = Product.objects.get(name="武功山红茶")
    assert created.seller == w.seller and created.category == w.category
    assert payload["product"]["name"] == "武功山红茶"


def _product_updated(w, payload, user):
    w.product.refresh_from_db()
    assert w.product.name == "武功山紫米（新）"
    assert payload["product"]["name"] == "武功山紫米（新）"


def _product_deleted(w, payload, user):
    assert payload["deletedId"] == gid(w.product)
    assert not Product.objects.filter(pk=w.product.pk).exists()
    assert not ProductVariant.objects.filter(pk=w.variant.pk).exists()


def _variant_created(w, payload, user):
    created = ProductVariant.objects.get(sku="ZM-1KG")
    assert created.product == w.product and created.seller == w.seller
    assert payload["variant"]["sku"] == "ZM-1KG"


def _variant_updated(w, payload, user):
    w.variant.refresh_from_db()
    assert w.variant.price == Decimal("79.90")
    assert payload["variant"]["price"]["amount"] == "79.90"


def _variant_deleted(w, payload, user):
    assert payload["deletedId"] == gid(w.variant)
    assert not ProductVariant.objects.filter(pk=w.variant.pk).exists()
    assert Product.objects.filter(pk=w.product.pk).exists()


def _stock_updated(w, payload, user):
    w.variant.refresh_from_db()
    assert w.variant.stock_quantity == 7
    assert payload["variant"]["stockQuantity"] == 7


CASES = [
    Case(
        "sellerCreate",
        """mutation($input: SellerCreateInput!) {
          sellerCreate(input: $input) { seller { name } errors { field code } } }""",
        lambda w: {
            "input": {
                "name": "新茶农",
                "kind": "FARMER_HOUSEHOLD",
                "province": "江西省",
                "city": "萍乡市",
                "county": "芦溪县",
                "divisionCode": "360323203201",
            }
        },
        _seller_created,
        allowed=("customer", "station_staff", "other_seller", "seller", "operator"),
    ),
    Case(
        "sellerVerify",
        """mutation($id: ID!) {
          sellerVerify(id: $id) { seller { isVerified } errors { field code } } }""",
        lambda w: {"id": gid(w.waiting)},
        _seller_verified,
        allowed=("operator",),
    ),
    Case(
        "productCreate",
        """mutation($input: ProductCreateInput!) {
          productCreate(input: $input) { product { name } errors { field code } } }""",
        lambda w: {
            "input": {"seller": gid(w.seller), "category": gid(w.category), "name": "武功山红茶"}
        },
        _product_created,
    ),
    Case(
        "productUpdate",
        """mutation($id: ID!, $input: ProductUpdateInput!) {
          productUpdate(id: $id, input: $input) { product { name } errors { field code } } }""",
        lambda w: {"id": gid(w.product), "input": {"name": "武功山紫米（新）"}},
        _product_updated,
    ),
    Case(
        "productDelete",
        """mutation($id: ID!) { productDelete(id: $id) { deletedId errors { field code } } }""",
        lambda w: {"id": gid(w.product)},
        _product_deleted,
    ),
    Case(
        "productVariantCreate",
        """mutation($input: ProductVariantCreateInput!) {
          productVariantCreate(input: $input) { variant { sku } errors { field code } } }""",
        lambda w: {
            "input": {
                "product": gid(w.product),
                "sku": "ZM-1KG",
                "name": "1 kg bag",
                "netWeightGrams": 1000,
                "price": "19.90",
            }
        },
        _variant_created,
    ),
    Case(
        "productVariantUpdate",
        """mutation($id: ID!, $input: ProductVariantUpdateInput!) {
          productVariantUpdate(id: $id, input: $input) {
            variant { price { amount } } errors { field code } } }""",
        lambda w: {"id": gid(w.variant), "input": {"price": "79.90"}},
        _variant_updated,
    ),
    Case(
        "productVariantDelete",
        """mutation($id: ID!) {
          productVariantDelete(id: $id) { deletedId errors { field code } } }""",
        lambda w: {"id": gid(w.variant)},
        _variant_deleted,
    ),
    Case(
        "stockUpdate",
        """mutation($variant: ID!) {
          stockUpdate(variant: $variant, delta: -3) { variant { stockQuantity } errors { field code } } }""",
        lambda w: {"variant": gid(w.variant)},
        _stock_updated,
    ),
    Case(
        "sellerReject",
        """mutation($id: ID!, $reason: String!) {
          sellerReject(id: $id, reason: $reason) {
            seller { rejectionReason } errors { field code } } }""",
        lambda w: {"id": gid(w.waiting), "reason": "缺少营业执照"},
        _seller_rejected,
        allowed=("operator",),
    ),
]


def test_every_catalogue_mutation_is_in_the_matrix():
    from shop.schema import schema

    mutations = set(schema.graphql_schema.mutation_type.fields)
    catalogue = {name for name in mutations if name.startswith(("seller", "product", "stock"))}
    # productImageCreate is covered with the image tests (multipart uploads).
    assert catalogue - {"productImageCreate"} == {case.name for case in CASES}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_mutation_permissions(world, client_as, users_by_role, case, role):
    client = client_as(role)
    user = users_by_role[role]
    before = state()
    status, body = client.post(case.document, case.variables(world))
    if role in case.allowed:
        assert status == 200 and "errors" not in body, body
        payload = body["data"][case.name]
        assert payload["errors"] == []
        case.check(world, payload, user)
        assert state() != before
    else:
        expected = "UNAUTHENTICATED" if role == "anonymous" else "PERMISSION_DENIED"
        assert [e["extensions"]["code"] for e in body["errors"]] == [expected]
        assert body["errors"][0]["path"] == [case.name]
        assert body["data"] == {case.name: None}
        assert state() == before


def test_a_seller_member_may_not_verify_their_own_seller(world, client_as):
    code = client_as("seller").error_code(
        "mutation($id: ID!) { sellerVerify(id: $id) { errors { code } } }",
        {"id": gid(world.waiting)},
    )
    assert code == "PERMISSION_DENIED"
    world.waiting.refresh_from_db()
    assert world.waiting.is_verified is False


def test_a_seller_cannot_create_a_product_for_another_seller(world, client_as, other_seller):
    before = state()
    code = client_as("other_seller").error_code(
        CASES[2].document,
        {"input": {"seller": gid(world.seller), "category": gid(world.category), "name": "x"}},
    )
    assert code == "PERMISSION_DENIED"
    assert state() == before
    allowed = client_as("other_seller").execute(
        CASES[2].document,
        {"input": {"seller": gid(other_seller), "category": gid(world.category), "name": "x"}},
    )
    assert allowed["productCreate"]["errors"] == []
    assert Product.objects.get(name="x").seller == other_seller

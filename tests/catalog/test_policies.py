"""The services enforce the catalogue's policies themselves, whoever calls them
(API, pages, admin, tasks): each write is tried as every role and as the
system actor, straight through the service, and refused with the right code
and nothing written."""

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog import services
from catalog.models import Category, Farm, Product, ProductImage, ProductVariant, Seller
from catalog.policies import can_change_stock, can_manage_seller, can_record_thumbnails
from shop.core.errors import NotAllowed, RequestErrorCode
from shop.core.roles import SYSTEM, is_operator, roles_of
from tests.helpers.pictures import picture

SELLER_FIELDS: dict[str, Any] = {
    "name": "新合作社",
    "kind": "cooperative",
    "province": "江西省",
    "city": "萍乡市",
    "county": "芦溪县",
    "division_code": "360323000000",
}
FARM_FIELDS = {
    "name": "新田",
    "village": "王龙潭村",
    "latitude": "27.5",
    "longitude": "114.1",
    "area_mu": "3",
    "produce": "紫米",
}
MANAGERS = {"seller", "operator"}
OPERATORS = {"operator"}
NOBODY: set[str] = set()  # no user: only the system, where SYSTEM_MAY names it
SIGNED_IN = {"customer", "station_staff", "other_seller", "seller", "operator"}


def _variant(product):
    return product.variants.get()


WRITES = {
    "create_seller": (SIGNED_IN, lambda a, p: services.create_seller(actor=a, **SELLER_FIELDS)),
    "verify_seller": (OPERATORS, lambda a, p: services.verify_seller(actor=a, seller=_pending())),
    "reject_seller": (
        OPERATORS,
        lambda a, p: services.reject_seller(actor=a, seller=_pending(), reason="资料不全"),
    ),
    "update_seller": (
        MANAGERS,
        lambda a, p: services.update_seller(actor=a, seller=p.seller, story="新故事"),
    ),
    "create_farm": (
        MANAGERS,
        lambda a, p: services.create_farm(actor=a, seller=p.seller, **FARM_FIELDS),
    ),
    "update_farm": (
        MANAGERS,
        lambda a, p: services.update_farm(actor=a, farm=p.seller.farms.get(), area_mu="5"),
    ),
    "create_category": (
        OPERATORS,
        lambda a, p: services.create_category(actor=a, name="茶叶", name_en="Tea"),
    ),
    "update_category": (
        OPERATORS,
        lambda a, p: services.update_category(actor=a, category=p.category, name="稻米"),
    ),
    "create_product": (
        MANAGERS,
        lambda a, p: services.create_product(
            actor=a, seller=p.seller, category=p.category, name="红米"
        ),
    ),
    "update_product": (
        MANAGERS,
        lambda a, p: services.update_product(actor=a, product=p, name="改名"),
    ),
    "delete_product": (MANAGERS, lambda a, p: services.delete_product(actor=a, product=p)),
    "create_variant": (
        MANAGERS,
        lambda a, p: services.create_variant(
            actor=a, product=p, sku="ZM-1KG", name="1 kg", price="20.00", net_weight_grams=1000
        ),
    ),
    "update_variant": (
        MANAGERS,
        lambda a, p: services.update_variant(actor=a, variant=_variant(p), name="5 公斤"),
    ),
    "delete_variant": (
        MANAGERS,
        lambda a, p: services.delete_variant(actor=a, variant=_variant(p)),
    ),
    "update_stock": (
        MANAGERS,
        lambda a, p: services.update_stock(actor=a, variant=_variant(p), delta=-1),
    ),
    # Orders take and give back stock through checkout and cancellation only.
    "move_stock": (
        NOBODY,
        lambda a, p: services.move_stock(actor=a, deltas={_variant(p).pk: -1}),
    ),
    "add_product_image": (
        MANAGERS,
        lambda a, p: services.add_product_image(
            actor=a, product=p, upload=SimpleUploadedFile("a.png", picture("PNG")), alt="紫米"
        ),
    ),
    "update_product_image": (
        MANAGERS,
        lambda a, p: services.update_product_image(actor=a, image=p.images.get(), alt="新"),
    ),
    "delete_product_image": (
        MANAGERS,
        lambda a, p: services.delete_product_image(actor=a, image=p.images.get()),
    ),
    "thumbnails_made": (
        NOBODY,
        lambda a, p: services.thumbnails_made(actor=a, image=p.images.get()),
    ),
}
# What the system actor (work on the platform's behalf) may do: checkout
# reserves and allocates stock, the thumbnail task records its sizes.
SYSTEM_MAY = {"update_stock", "move_stock", "thumbnails_made"}


def _pending():
    return Seller.objects.get(name="待审核")


def _snapshot():
    """Every catalogue row as stored: a refused write must leave it all as it was."""
    return [
        list(model.objects.order_by("pk").values())
        for model in (Seller, Farm, Category, Product, ProductVariant, ProductImage)
    ]


def _prepare(write, product, seller_user):
    """The rows `write` acts on besides the product: a pending seller, a picture, a farm."""
    services.create_seller(actor=seller_user, **{**SELLER_FIELDS, "name": "待审核"})
    if "image" in write or "thumbnails" in write:
        upload = SimpleUploadedFile("a.png", picture("PNG"))
        services.add_product_image(actor=seller_user, product=product, upload=upload)
    if write == "update_farm":
        services.create_farm(actor=seller_user, seller=product.seller, **FARM_FIELDS)


@pytest.mark.parametrize("role", ["anonymous", *sorted(SIGNED_IN)])
@pytest.mark.parametrize("write", sorted(WRITES))
def test_each_write_enforces_its_policy_in_the_service(
    write, role, users_by_role, product, seller_user
):
    _prepare(write, product, seller_user)
    allowed, call = WRITES[write]
    actor = users_by_role[role] or AnonymousUser()
    before = _snapshot()
    if role in allowed:
        call(actor, product)
        return
    with pytest.raises(NotAllowed) as refused:
        call(actor, product)
    expected = (
        RequestErrorCode.UNAUTHENTICATED
        if role == "anonymous"
        else RequestErrorCode.PERMISSION_DENIED
    )
    assert refused.value.code == expected
    assert str(refused.value.message)
    assert _snapshot() == before


def test_every_service_that_writes_is_in_the_table():
    """A new write service must say who may call it."""
    writes = {
        name
        for name, value in vars(services).items()
        if callable(value)
        and getattr(value, "__module__", "").startswith("catalog.services.")
        and not name.startswith("_")
        and "actor" in value.__code__.co_varnames[: value.__code__.co_kwonlyargcount]
    }
    assert writes == set(WRITES)
    assert set(WRITES) >= SYSTEM_MAY


@pytest.mark.parametrize("write", sorted(WRITES))
def test_the_system_may_do_only_what_a_policy_names(write, product, seller_user):
    """The system is no user: no role lets it through, only a policy naming it."""
    _prepare(write, product, seller_user)
    _allowed, call = WRITES[write]
    before = _snapshot()
    if write in SYSTEM_MAY:
        call(SYSTEM, product)
        return
    with pytest.raises(NotAllowed) as refused:
        call(SYSTEM, product)
    assert refused.value.code == RequestErrorCode.PERMISSION_DENIED
    assert _snapshot() == before


def test_the_system_changes_stock_and_records_thumbnails_but_manages_no_seller(
    product, seller, customer, operator
):
    assert (is_operator(SYSTEM), roles_of(SYSTEM)) == (False, [])
    assert can_change_stock(SYSTEM, seller)
    assert can_record_thumbnails(SYSTEM)
    assert not can_manage_seller(SYSTEM, seller)
    for person in (AnonymousUser(), customer, operator):
        assert not can_record_thumbnails(person)
    assert not can_change_stock(AnonymousUser(), seller)
    assert not can_change_stock(customer, seller)
    variant = product.variants.get()
    before = variant.stock_quantity
    services.update_stock(actor=SYSTEM, variant=variant, delta=-1)
    variant.refresh_from_db()
    assert variant.stock_quantity == before - 1


def test_an_inactive_user_is_treated_as_signed_out(product, seller_user):
    seller_user.is_active = False
    with pytest.raises(NotAllowed) as refused:
        services.update_product(actor=seller_user, product=product, name="改名")
    assert refused.value.code == RequestErrorCode.UNAUTHENTICATED

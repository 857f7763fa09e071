"""Products, their variants and the variants' stock."""

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, ProtectedError, Value, When
from django.utils.translation import gettext_lazy as _

from catalog import cache
from catalog.errors import CatalogErrorCode as Code
from catalog.models import Category, Farm, Product, ProductVariant, Seller
from catalog.policies import can_change_stock, can_move_stock_for_orders
from catalog.rules import (
    MAX_STOCK,
    at_least,
    check_publishable,
    clean_gtin,
    clean_price,
    clean_stock,
    clean_text,
)
from catalog.services.common import require_manager, save_changes, save_with_unique_slug
from shop.core.cache_tags import invalidate
from shop.core.db import lock_rows, violated_constraint
from shop.core.errors import Checks, DomainError
from shop.core.roles import PLATFORM_ONLY, Actor, require
from shop.core.unset import UNSET, Unset, given

OPTIONAL_PRODUCT_TEXTS = ("name_en", "description", "origin", "storage")
# In CNY: a Decimal, or its text ("19.90"); `catalog.rules.clean_price` judges it.
Price = Decimal | int | str


def _check_product_fields(checks: Checks, seller: Seller, fields: dict[str, Any]) -> None:
    """Check the product fields given, cleaning them in place."""
    for field in ("name", *OPTIONAL_PRODUCT_TEXTS):
        if field in fields:
            fields[field] = checks.run(
                clean_text, Product, field, fields[field], required=field == "name"
            )
    if "category" in fields and fields["category"] is None:
        checks.add(Code.REQUIRED, _("This field is required."), "category")
    checks.run(
        at_least,
        fields.get("shelf_life_days"),
        1,
        "shelf_life_days",
        _("Shelf life must be at least one day."),
    )
    farm = fields.get("farm")
    if farm is not None and farm.seller_id != seller.pk:
        checks.add(Code.INVALID, _("The farm belongs to another seller."), "farm")
    checks.run(check_publishable, seller, fields.get("is_published"))


def create_product(
    *,
    actor: Actor,
    seller: Seller,
    category: Category,
    name: str,
    farm: Farm | None = None,
    name_en: str | None = None,
    description: str | None = None,
    origin: str | None = None,
    storage: str | None = None,
    shelf_life_days: int | None = None,
    is_published: bool | None = None,
) -> Product:
    """A new product of `seller`; an optional value of None takes the default."""
    require_manager(actor, seller)
    optional: dict[str, Any] = {
        "name_en": name_en,
        "description": description,
        "origin": origin,
        "storage": storage,
        "shelf_life_days": shelf_life_days,
        "is_published": is_published,
    }
    fields = {k: v for k, v in optional.items() if v is not None}
    fields.update(name=name, category=category, farm=farm)
    checks = Checks()
    _check_product_fields(checks, seller, fields)
    checks.done()
    with transaction.atomic():
        product = save_with_unique_slug(
            Product(seller=seller, **fields), fields.get("name_en", ""), fields["name"]
        )
        invalidate(cache.PRODUCT_LIST)
    return product


def update_product(
    *,
    actor: Actor,
    product: Product,
    name: str | Unset = UNSET,
    category: Category | Unset = UNSET,
    farm: Farm | None | Unset = UNSET,
    name_en: str | None | Unset = UNSET,
    description: str | None | Unset = UNSET,
    origin: str | None | Unset = UNSET,
    storage: str | None | Unset = UNSET,
    shelf_life_days: int | None | Unset = UNSET,
    is_published: bool | None | Unset = UNSET,
) -> Product:
    """Apply the changes given; None clears the optional ones (the farm, the texts,
    the shelf life) and leaves `is_published` as it is."""
    require_manager(actor, product.seller)
    changes = given(
        name=name,
        category=category,
        farm=farm,
        name_en=name_en,
        description=description,
        origin=origin,
        storage=storage,
        shelf_life_days=shelf_life_days,
        is_published=is_published,
    )
    if changes.get("is_published", False) is None:
        del changes["is_published"]
    for field in OPTIONAL_PRODUCT_TEXTS:
        if field in changes and changes[field] is None:
            changes[field] = ""
    checks = Checks()
    _check_product_fields(checks, product.seller, changes)
    checks.done()
    return save_changes(product, changes, cache.product_changed(product.pk))


def _delete(instance: Any, tags: tuple[str, ...]) -> None:
    """Delete `instance`, or refuse with a coded error when records that must
    outlive it (a batch's trace of goods already sold) still point at it."""
    try:
        with transaction.atomic():
            invalidate(*tags)
            instance.delete()
    except ProtectedError as exc:
        raise DomainError(
            Code.IN_USE, _("Other records, such as batches, use this: it cannot be deleted.")
        ) from exc


def delete_product(*, actor: Actor, product: Product) -> None:
    require_manager(actor, product.seller)
    _delete(product, cache.product_changed(product.pk))


VARIANT_UNIQUE_FIELDS = {"variant_sku_unique_per_seller": "sku", "variant_gtin_unique": "gtin"}


def _check_variant_fields(checks: Checks, fields: dict[str, Any]) -> None:
    """Check the variant fields given, cleaning them in place."""
    for field in ("sku", "name"):
        if field in fields:
            fields[field] = checks.run(
                clean_text, ProductVariant, field, fields[field], required=True
            )
    cleaners: dict[str, Callable[[Any], Any]] = {
        "price": clean_price,
        "gtin": clean_gtin,
        "stock_quantity": clean_stock,
    }
    for field, clean in cleaners.items():
        if field in fields:
            fields[field] = checks.run(clean, fields[field])
    if "net_weight_grams" in fields:
        weight = fields["net_weight_grams"]
        if weight is None or weight <= 0:
            checks.add(Code.INVALID, _("Net weight must be positive."), "net_weight_grams")
    checks.run(
        at_least,
        fields.get("sort_order"),
        0,
        "sort_order",
        _("The sort order cannot be negative."),
    )


def _check_unique_variant(checks: Checks, variant: ProductVariant) -> None:
    """Uniqueness needs other rows: SKU per seller, GTIN everywhere."""
    siblings = ProductVariant.objects.exclude(pk=variant.pk)
    if siblings.filter(seller_id=variant.seller_id, sku=variant.sku).exists():
        checks.add(Code.UNIQUE, _("This seller already has a variant with this SKU."), "sku")
    if variant.gtin and siblings.filter(gtin=variant.gtin).exists():
        checks.add(Code.UNIQUE, _("Another variant already has this GTIN."), "gtin")


def _save_variant(variant: ProductVariant) -> ProductVariant:
    """Save, turning a lost race on SKU or GTIN uniqueness into a coded error."""
    try:
        with transaction.atomic():
            variant.save()
            invalidate(*cache.product_changed(variant.product_id))
    except IntegrityError as exc:
        field = VARIANT_UNIQUE_FIELDS.get(violated_constraint(exc, ProductVariant) or "")
        if field is None:
            raise
        raise DomainError(Code.UNIQUE, _("This value is already used."), field) from exc
    return variant


def create_variant(
    *,
    actor: Actor,
    product: Product,
    sku: str,
    name: str,
    price: Price,
    net_weight_grams: int | None,
    gtin: str | None = None,
    stock_quantity: int = 0,
    cold_chain: bool | None = False,
    sort_order: int | None = 0,
) -> ProductVariant:
    """A new variant of `product` (None for cold_chain or sort_order: the default)."""
    require_manager(actor, product.seller)
    fields = {
        "sku": sku,
        "name": name,
        "price": price,
        "net_weight_grams": net_weight_grams,
        "gtin": gtin,
        "stock_quantity": stock_quantity,
        "cold_chain": bool(cold_chain),
        "sort_order": sort_order or 0,
    }
    checks = Checks()
    _check_variant_fields(checks, fields)
    checks.done()
    variant = ProductVariant(product=product, seller_id=product.seller_id, **fields)
    _check_unique_variant(checks, variant)
    checks.done()
    return _save_variant(variant)


def update_variant(
    *,
    actor: Actor,
    variant: ProductVariant,
    sku: str | Unset = UNSET,
    name: str | Unset = UNSET,
    price: Price | Unset = UNSET,
    net_weight_grams: int | Unset = UNSET,
    gtin: str | None | Unset = UNSET,
    cold_chain: bool | None | Unset = UNSET,
    sort_order: int | None | Unset = UNSET,
) -> ProductVariant:
    """Apply the changes given (None clears the GTIN and leaves cold_chain and
    sort_order as they are). Stock changes go through update_stock."""
    require_manager(actor, variant.seller)
    changes = given(
        sku=sku,
        name=name,
        price=price,
        net_weight_grams=net_weight_grams,
        gtin=gtin,
        cold_chain=cold_chain,
        sort_order=sort_order,
    )
    changes = {
        k: v for k, v in changes.items() if v is not None or k not in ("cold_chain", "sort_order")
    }
    checks = Checks()
    _check_variant_fields(checks, changes)
    checks.done()
    for field, value in changes.items():
        setattr(variant, field, value)
    _check_unique_variant(checks, variant)
    checks.done()
    return _save_variant(variant)


def delete_variant(*, actor: Actor, variant: ProductVariant) -> None:
    require_manager(actor, variant.seller)
    _delete(variant, cache.product_changed(variant.product_id))


def update_stock(
    *,
    actor: Actor,
    variant: ProductVariant,
    quantity: int | None = None,
    delta: int | None = None,
) -> ProductVariant:
    """Set stock to `quantity`, or add `delta`, under a row lock: stock never goes
    below zero, whatever runs at the same time. Allowed to the seller's managers
    and to the system (checkout reserves and allocates stock).

    Cached public responses are made stale only when the variant sells out or
    comes back: other changes show within PUBLIC_CACHE_SECONDS, and whoever
    buys goes through this function, which sees the true stock.
    """
    require(actor, can_change_stock(actor, variant.seller), _("You do not manage this seller."))
    if (quantity is None) == (delta is None):
        raise DomainError(Code.INVALID, _("Give either a quantity or a delta."), "quantity")
    if quantity is not None:
        clean_stock(quantity, "quantity")
    with transaction.atomic():
        locked = lock_rows(ProductVariant, [variant.pk])[variant.pk]
        before = locked.stock_quantity
        after = quantity if quantity is not None else before + delta  # type: ignore[operator]
        if not 0 <= after <= MAX_STOCK:
            raise DomainError(
                Code.INSUFFICIENT_STOCK,
                _("Not enough stock for this change, or the result is too large."),
                "delta",
            )
        locked.stock_quantity = after
        locked.save(update_fields=["stock_quantity"])
        if (before > 0) != (after > 0):
            invalidate(*cache.product_changed(locked.product_id))
    variant.stock_quantity = after
    return variant


def move_stock(
    *, actor: Actor, deltas: Mapping[int, int], locked: Mapping[int, ProductVariant] | None = None
) -> None:
    """Add `deltas` (variant pk → units, negative to take) to many variants at
    once, for orders: every variant's stock stays in 0..MAX_STOCK, or nothing
    changes. One lock, one UPDATE whatever the number of variants.

    The caller holds a transaction (stock is locked after checkouts and orders,
    see `shop.core.db.lock_rows`); sold-out and back-in-stock products are made
    stale after it commits, as in `update_stock`. A caller that already locked
    the variants passes them as `locked`, sparing a second read.
    """
    require(actor, can_move_stock_for_orders(actor), PLATFORM_ONLY)
    deltas = {pk: delta for pk, delta in deltas.items() if delta}
    if not deltas:
        return
    if locked is None or not deltas.keys() <= locked.keys():
        only = ProductVariant.objects.only("pk", "product_id", "stock_quantity")
        locked = lock_rows(only, deltas)
    after = {pk: locked[pk].stock_quantity + delta for pk, delta in deltas.items()}
    short = [pk for pk, quantity in after.items() if not 0 <= quantity <= MAX_STOCK]
    if short:
        raise DomainError(
            Code.INSUFFICIENT_STOCK, _("Not enough stock for this change."), "quantity"
        )
    ProductVariant.objects.filter(pk__in=after).update(
        stock_quantity=Case(*(When(pk=pk, then=Value(n)) for pk, n in after.items()))
    )
    turned = {
        locked[pk].product_id for pk in after if (locked[pk].stock_quantity > 0) != (after[pk] > 0)
    }
    for product_id in turned:
        invalidate(*cache.product_changed(product_id))

"""Every write to the catalogue.

Each function takes the acting user (`actor=`) and enforces the catalogue's
policies itself, so the API, the pages, the admin and tasks follow the same
rules. It checks all input first and reports every mistake at once (one
DomainError, snake_case field names, nothing written), writes inside one
transaction, and after commit makes stale exactly the cached public content
that can show what changed (`catalog.cache`).
"""

import secrets
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from catalog import cache
from catalog.errors import CatalogErrorCode as Code
from catalog.images import validate_upload
from catalog.models import Category, Farm, Product, ProductImage, ProductVariant, Seller
from catalog.policies import (
    can_manage_categories,
    can_manage_seller,
    can_register_seller,
    can_verify_sellers,
)
from catalog.rules import (
    MAX_STOCK,
    at_least,
    check_publishable,
    clean_division_code,
    clean_gtin,
    clean_price,
    clean_stock,
    clean_text,
    decimal_from_float,
)
from shop.core.cache_tags import invalidate
from shop.core.db import violated_constraint
from shop.core.errors import Checks, DomainError, from_validation_error
from shop.core.roles import Actor, require

OPTIONAL_PRODUCT_TEXTS = ("name_en", "description", "origin", "storage")


def _require_manager(actor: Actor, seller: Seller) -> None:
    require(actor, can_manage_seller(actor, seller), _("You do not manage this seller."))


def save_with_unique_slug(instance: Any, *names: str) -> Any:
    """Save a new row with a slug made from the first usable name.

    A slug already taken, even by a request that saved a moment ago, gets a
    random suffix instead of an error.
    """
    model = type(instance)
    base = next((slugify(n, allow_unicode=True) for n in names if slugify(n, True)), "item")
    instance.slug = base[:120]
    for _attempt in range(5):
        if not model.objects.filter(slug=instance.slug).exists():
            try:
                with transaction.atomic():
                    instance.save()
                return instance
            except IntegrityError:
                if not model.objects.filter(slug=instance.slug).exists():
                    raise
        instance.slug = f"{base[:120]}-{secrets.token_hex(3)}"
    raise IntegrityError(f"no free slug for {base!r}")


SELLER_TEXTS = {  # field: required
    "name": True,
    "name_en": False,
    "province": True,
    "city": True,
    "county": True,
    "township": False,
    "village": False,
}


def _check_seller_fields(checks: Checks, fields: dict[str, Any]) -> None:
    """Check the seller fields given, cleaning them in place."""
    for field, required in SELLER_TEXTS.items():
        if field in fields:
            fields[field] = checks.run(clean_text, Seller, field, fields[field], required=required)
    if "division_code" in fields:
        fields["division_code"] = checks.run(clean_division_code, fields["division_code"])
    if "kind" in fields and fields["kind"] not in Seller.Kind.values:
        checks.add(Code.INVALID, _("Unknown seller kind."), "kind")
    checks.run(
        at_least,
        fields.get("linked_poverty_households"),
        0,
        "linked_poverty_households",
        _("This number cannot be negative."),
    )


def _save_changes(instance: Any, changes: dict[str, Any], tags: tuple[str, ...]) -> Any:
    """Apply checked `changes`, save only those columns (a row loaded before a
    verification cannot write back its old state), and make `tags` stale after
    commit."""
    for field, value in changes.items():
        setattr(instance, field, value)
    touched = {f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)}
    with transaction.atomic():
        instance.save(update_fields=[*changes, *touched] if changes else [])
        invalidate(*tags)
    return instance


def create_seller(
    *,
    actor: Actor,
    name: str,
    kind: str,
    province: str,
    city: str,
    county: str,
    division_code: str,
    name_en: str | None = None,
    township: str | None = None,
    village: str | None = None,
    story: str | None = None,
    is_poverty_household: bool | None = False,
    linked_poverty_households: int | None = 0,
) -> Seller:
    """Register a seller with `actor` as its first member; an operator verifies it later."""
    require(actor, can_register_seller(actor), "")
    fields = {
        "name": name,
        "name_en": name_en,
        "province": province,
        "city": city,
        "county": county,
        "township": township,
        "village": village,
        "division_code": division_code,
        "kind": kind,
        "linked_poverty_households": linked_poverty_households or 0,
    }
    checks = Checks()
    _check_seller_fields(checks, fields)
    checks.done()
    seller = Seller(
        **fields,
        story=(story or "").strip(),
        is_poverty_household=bool(is_poverty_household),
    )
    with transaction.atomic():
        save_with_unique_slug(seller, seller.name_en, seller.name)
        seller.members.add(actor)  # type: ignore[arg-type]
    return seller


def verify_seller(*, actor: Actor, seller: Seller) -> Seller:
    """An operator confirms the seller's identity: its published products go public."""
    require(actor, can_verify_sellers(actor), _("Only platform operators may do this."))
    with transaction.atomic():
        seller = Seller.objects.select_for_update().get(pk=seller.pk)
        if seller.is_verified:
            raise DomainError(Code.ALREADY_VERIFIED, _("This seller is already verified."))
        seller.is_verified = True
        seller.verified_at = timezone.now()
        seller.verified_by = actor  # type: ignore[assignment]
        seller.rejected_at = None
        seller.rejection_reason = ""
        seller.save(
            update_fields=[
                "is_verified",
                "verified_at",
                "verified_by",
                "rejected_at",
                "rejection_reason",
            ]
        )
        invalidate(*cache.seller_changed(seller.pk))
    return seller


def reject_seller(*, actor: Actor, seller: Seller, reason: str) -> Seller:
    """An operator turns a registration back with a reason its members see; the
    seller leaves the verification queue until its details are corrected
    (update_seller puts it back, keeping the reason as the last one given)."""
    require(actor, can_verify_sellers(actor), _("Only platform operators may do this."))
    reason = clean_text(Seller, "rejection_reason", reason, required=True)
    with transaction.atomic():
        seller = Seller.objects.select_for_update().get(pk=seller.pk)
        if seller.is_verified:
            raise DomainError(Code.ALREADY_VERIFIED, _("This seller is already verified."))
        seller.rejected_at = timezone.now()
        seller.rejection_reason = reason
        seller.save(update_fields=["rejected_at", "rejection_reason"])
        invalidate(*cache.seller_changed(seller.pk))
    return seller


FARM_FIELDS = ("name", "name_en", "village", "latitude", "longitude", "area_mu", "produce")
FARM_DECIMALS = ("latitude", "longitude", "area_mu")


def _checked_farm(farm: Farm, fields: dict[str, Any]) -> Farm:
    """`farm` with `fields` applied, checked by the model's own rules (a point on
    Earth, an area not negative, lengths): text stripped, None for no English
    name, floats (GPS readings, JSON numbers) rounded to the column's places."""
    unknown = set(fields) - set(FARM_FIELDS)
    if unknown:
        raise TypeError(f"not farm fields: {sorted(unknown)}")
    for field, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        elif field in FARM_DECIMALS:
            places = Farm._meta.get_field(field).decimal_places  # type: ignore[union-attr]
            value = decimal_from_float(value, places)
        elif field == "name_en" and value is None:
            value = ""
        setattr(farm, field, value)
    try:
        farm.full_clean()
    except ValidationError as exc:
        raise from_validation_error(exc, Code) from exc
    return farm


def _save_farm(farm: Farm) -> Farm:
    with transaction.atomic():
        farm.save()
        invalidate(*cache.seller_changed(farm.seller_id))
    return farm


def create_farm(*, actor: Actor, seller: Seller, **fields: Any) -> Farm:
    """A farm of `seller` (name, name_en, village, latitude, longitude, area_mu, produce)."""
    _require_manager(actor, seller)
    return _save_farm(_checked_farm(Farm(seller=seller), fields))


def update_farm(*, actor: Actor, farm: Farm, **changes: Any) -> Farm:
    """Correct a farm's details, by the same rules as create_farm."""
    _require_manager(actor, farm.seller)
    return _save_farm(_checked_farm(farm, changes))


def create_category(
    *, actor: Actor, name: str, name_en: str = "", parent: Category | None = None
) -> Category:
    require(actor, can_manage_categories(actor), _("Only platform operators may do this."))
    checks = Checks()
    name = checks.run(clean_text, Category, "name", name, required=True)
    name_en = checks.run(clean_text, Category, "name_en", name_en)
    checks.done()
    with transaction.atomic():
        category = save_with_unique_slug(
            Category(name=name, name_en=name_en, parent=parent), name_en, name
        )
        invalidate(*cache.categories_changed())
    return category


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
    **optional: Any,
) -> Product:
    """A new product of `seller`; `optional` holds name_en, description, origin,
    storage, shelf_life_days and is_published (None: the default)."""
    _require_manager(actor, seller)
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


def update_product(*, actor: Actor, product: Product, **changes: Any) -> Product:
    """Apply `changes`; None clears the optional ones and leaves `is_published` as it is."""
    _require_manager(actor, product.seller)
    if changes.get("is_published", False) is None:
        del changes["is_published"]
    for field in OPTIONAL_PRODUCT_TEXTS:
        if field in changes and changes[field] is None:
            changes[field] = ""
    checks = Checks()
    _check_product_fields(checks, product.seller, changes)
    checks.done()
    return _save_changes(product, changes, cache.product_changed(product.pk))


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
    _require_manager(actor, product.seller)
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
    price: Any,
    net_weight_grams: int | None,
    **optional: Any,
) -> ProductVariant:
    """A new variant of `product`; `optional` holds gtin, stock_quantity,
    cold_chain and sort_order."""
    _require_manager(actor, product.seller)
    fields = {"stock_quantity": 0, **optional}
    fields.update(sku=sku, name=name, price=price, net_weight_grams=net_weight_grams)
    fields.update(
        cold_chain=bool(fields.get("cold_chain")), sort_order=fields.get("sort_order") or 0
    )
    checks = Checks()
    _check_variant_fields(checks, fields)
    checks.done()
    variant = ProductVariant(product=product, seller_id=product.seller_id, **fields)
    _check_unique_variant(checks, variant)
    checks.done()
    return _save_variant(variant)


def update_variant(*, actor: Actor, variant: ProductVariant, **changes: Any) -> ProductVariant:
    """Apply `changes` (None clears the GTIN and leaves cold_chain and sort_order as
    they are). Stock changes go through update_stock."""
    _require_manager(actor, variant.seller)
    changes = {
        k: v for k, v in changes.items() if v is not None or k not in ("cold_chain", "sort_order")
    }
    changes.pop("stock_quantity", None)
    checks = Checks()
    _check_variant_fields(checks, changes)
    checks.done()
    for field, value in changes.items():
        setattr(variant, field, value)
    _check_unique_variant(checks, variant)
    checks.done()
    return _save_variant(variant)


def delete_variant(*, actor: Actor, variant: ProductVariant) -> None:
    _require_manager(actor, variant.seller)
    _delete(variant, cache.product_changed(variant.product_id))


def update_stock(
    *,
    actor: Actor,
    variant: ProductVariant,
    quantity: int | None = None,
    delta: int | None = None,
) -> ProductVariant:
    """Set stock to `quantity`, or add `delta`, under a row lock: stock never goes
    below zero, whatever runs at the same time.

    Cached public responses are made stale only when the variant sells out or
    comes back: other changes show within PUBLIC_CACHE_SECONDS, and whoever
    buys goes through this function, which sees the true stock.
    """
    _require_manager(actor, variant.seller)
    if (quantity is None) == (delta is None):
        raise DomainError(Code.INVALID, _("Give either a quantity or a delta."), "quantity")
    if quantity is not None:
        clean_stock(quantity, "quantity")
    with transaction.atomic():
        locked = ProductVariant.objects.select_for_update().get(pk=variant.pk)
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


def add_product_image(
    *, actor: Actor, product: Product, upload: Any, alt: str | None = ""
) -> ProductImage:
    """Store a verified image; thumbnails follow from a Celery task after commit."""
    from catalog.tasks import make_thumbnails

    _require_manager(actor, product.seller)
    alt = clean_text(ProductImage, "alt", alt)
    width, height = validate_upload(upload)
    image = ProductImage(product=product, alt=alt, width=width, height=height)
    try:
        with transaction.atomic():
            last = product.images.order_by("-sort_order").values_list("sort_order", flat=True)
            image.sort_order = (last.first() or 0) + 1
            image.image.save(upload.name, upload, save=False)
            image.save()
            invalidate(*cache.product_changed(product.pk))
            transaction.on_commit(lambda: make_thumbnails.delay(image.pk))
    except Exception:
        if image.image:
            # The file reached storage but its row did not: leave nothing behind.
            image.image.delete(save=False)
        raise
    return image


def thumbnails_made(image: ProductImage) -> None:
    """The thumbnail task (acting for the platform) added sizes a response may show."""
    invalidate(*cache.product_changed(image.product_id))


def update_product_image(*, actor: Actor, image: ProductImage, **changes: Any) -> ProductImage:
    """Change a picture's alt text or position."""
    _require_manager(actor, image.product.seller)
    checks = Checks()
    if "alt" in changes:
        changes["alt"] = checks.run(clean_text, ProductImage, "alt", changes["alt"])
    checks.run(
        at_least,
        changes.get("sort_order"),
        0,
        "sort_order",
        _("The sort order cannot be negative."),
    )
    checks.done()
    return _save_changes(image, changes, cache.product_changed(image.product_id))


def delete_product_image(*, actor: Actor, image: ProductImage) -> None:
    _require_manager(actor, image.product.seller)
    with transaction.atomic():
        invalidate(*cache.product_changed(image.product_id))
        image.delete()


def update_seller(*, actor: Actor, seller: Seller, **changes: Any) -> Seller:
    """Correct a seller's details (names, region, story, households); verification
    goes through verify_seller. Correcting a rejected seller puts it back in the
    verification queue: its rejection is lifted, its reason kept for the operator."""
    _require_manager(actor, seller)
    checks = Checks()
    _check_seller_fields(checks, changes)
    checks.done()
    if changes and seller.rejected_at is not None:
        changes["rejected_at"] = None
    return _save_changes(seller, changes, cache.seller_changed(seller.pk))


def update_category(*, actor: Actor, category: Category, **changes: Any) -> Category:
    require(actor, can_manage_categories(actor), _("Only platform operators may do this."))
    checks = Checks()
    for field in ("name", "name_en"):
        if field in changes:
            changes[field] = checks.run(
                clean_text, Category, field, changes[field], required=field == "name"
            )
    checks.done()
    return _save_changes(category, changes, cache.categories_changed())

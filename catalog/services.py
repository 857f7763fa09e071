"""Every write to the catalogue. Each function validates all input first,
then writes inside one transaction, and raises DomainError (nothing written)
for a user's mistake."""

import secrets
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from catalog.errors import CatalogErrorCode as Code
from catalog.images import validate_upload
from catalog.models import (
    Category,
    Farm,
    Product,
    ProductImage,
    ProductVariant,
    Seller,
)
from catalog.validators import is_division_code, normalize_gtin
from shop.api.public_cache import invalidate_public_responses
from shop.db import violated_constraint
from shop.errors import DomainError
from shop.money import CENT

PRODUCT_FIELDS = ("name", "name_en", "description", "origin", "storage", "shelf_life_days")
SELLER_TEXT_FIELDS = ("name", "name_en", "province", "city", "county", "township", "village")
PRODUCT_TEXT_FIELDS = ("name", "name_en", "origin", "storage")
VARIANT_TEXT_FIELDS = ("sku", "name")


def save_with_unique_slug(instance, *names):
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


def _api_name(field):
    head, *rest = field.split("_")
    return head + "".join(part.title() for part in rest)


def _check_lengths(model, data, fields):
    """Strip the texts in `data`, then refuse any longer than its column: the length
    checked is the length stored (PostgreSQL would fail with a DataError)."""
    for field in fields:
        value = data.get(field)
        if not isinstance(value, str):
            continue
        data[field] = value = value.strip()
        limit = model._meta.get_field(field).max_length
        if len(value) > limit:
            raise DomainError(Code.INVALID, _("At most %d characters.") % limit, _api_name(field))


def _require_text(data, field, api_field=None):
    value = (data.get(field) or "").strip()
    if not value:
        raise DomainError(Code.REQUIRED, _("This field is required."), api_field or field)
    return value


def create_seller(user, data):
    """Register a seller with `user` as its first member; an operator verifies it later."""
    name = _require_text(data, "name")
    _check_lengths(Seller, data, SELLER_TEXT_FIELDS)
    division_code = (data.get("division_code") or "").strip()
    if not is_division_code(division_code):
        raise DomainError(
            Code.INVALID_DIVISION_CODE,
            _("The administrative division code has 12 digits."),
            "divisionCode",
        )
    kind = data.get("kind")
    if kind not in Seller.Kind.values:
        raise DomainError(Code.INVALID, _("Unknown seller kind."), "kind")
    linked = data.get("linked_poverty_households") or 0
    if linked < 0:
        raise DomainError(
            Code.INVALID, _("This number cannot be negative."), "linkedPovertyHouseholds"
        )
    with transaction.atomic():
        seller = Seller(
            name=name,
            name_en=(data.get("name_en") or "").strip(),
            kind=kind,
            is_poverty_household=bool(data.get("is_poverty_household")),
            linked_poverty_households=linked,
            province=_require_text(data, "province"),
            city=_require_text(data, "city"),
            county=_require_text(data, "county"),
            township=(data.get("township") or "").strip(),
            village=(data.get("village") or "").strip(),
            division_code=division_code,
            story=(data.get("story") or "").strip(),
        )
        save_with_unique_slug(seller, seller.name_en, name)
        seller.members.add(user)
    return seller


def verify_seller(operator, seller):
    with transaction.atomic():
        seller = Seller.objects.select_for_update().get(pk=seller.pk)
        if seller.is_verified:
            raise DomainError(Code.ALREADY_VERIFIED, _("This seller is already verified."))
        seller.is_verified = True
        seller.verified_at = timezone.now()
        seller.verified_by = operator
        seller.save(update_fields=["is_verified", "verified_at", "verified_by"])
    return seller


def check_publishable(seller, data):
    """Only a verified seller's products may be published (API, pages and admin alike)."""
    if data.get("is_published") and not seller.is_verified:
        raise DomainError(
            Code.SELLER_NOT_VERIFIED,
            _("An operator must verify the seller before its products can be published."),
            "isPublished",
        )


def _check_shelf_life(data):
    value = data.get("shelf_life_days")
    if value is not None and value <= 0:
        raise DomainError(Code.INVALID, _("Shelf life must be at least one day."), "shelfLifeDays")


def _check_farm(seller, farm):
    if farm is not None and farm.seller_id != seller.pk:
        raise DomainError(Code.INVALID, _("The farm belongs to another seller."), "farm")


def create_product(seller, *, category, farm=None, **data):
    name = _require_text(data, "name")
    _check_lengths(Product, data, PRODUCT_TEXT_FIELDS)
    _check_shelf_life(data)
    check_publishable(seller, data)
    _check_farm(seller, farm)
    fields = {f: data[f] for f in PRODUCT_FIELDS if data.get(f) is not None}
    fields["name"] = name
    product = Product(
        seller=seller,
        category=category,
        farm=farm,
        is_published=bool(data.get("is_published")),
        **fields,
    )
    return save_with_unique_slug(product, data.get("name_en") or "", name)


def update_product(product, **data):
    """Apply the fields given in `data`; None clears the optional ones."""
    if "name" in data:
        data["name"] = _require_text(data, "name")
    if "category" in data and data["category"] is None:
        raise DomainError(Code.REQUIRED, _("This field is required."), "category")
    if data.get("is_published") is None:
        data["is_published"] = product.is_published
    _check_lengths(Product, data, PRODUCT_TEXT_FIELDS)
    _check_shelf_life(data)
    check_publishable(product.seller, data)
    _check_farm(product.seller, data.get("farm"))
    for field in (*PRODUCT_FIELDS, "category", "farm", "is_published"):
        if field in data:
            value = data[field]
            if value is None and field in ("name_en", "description", "origin", "storage"):
                value = ""
            setattr(product, field, value)
    product.save()
    return product


def delete_product(product):
    product.delete()


def clean_price(value):
    """A positive price in CNY with at most two decimals, stored to the fen."""
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(Code.INVALID_PRICE, _("Enter a valid price."), "price") from exc
    if not price.is_finite() or price <= 0 or price.as_tuple().exponent < -2:
        raise DomainError(
            Code.INVALID_PRICE,
            _("The price must be positive with at most two decimal places."),
            "price",
        )
    if price >= Decimal("100000000"):
        raise DomainError(Code.INVALID_PRICE, _("The price is too high."), "price")
    return price.quantize(CENT)


def clean_gtin(value):
    """A GTIN-8/12/13/14 with a right check digit, padded to 14 digits; None for none."""
    if not value:
        return None
    gtin = normalize_gtin(value)
    if gtin is None:
        raise DomainError(
            Code.INVALID_GTIN,
            _("This is not a valid GTIN: check its length and its check digit."),
            "gtin",
        )
    return gtin


MAX_STOCK = 1_000_000_000


def _clean_stock(value, field="stockQuantity"):
    if value is None or value < 0:
        raise DomainError(Code.INVALID_STOCK, _("Stock cannot be negative."), field)
    if value > MAX_STOCK:
        raise DomainError(Code.INVALID_STOCK, _("Stock is too large."), field)
    return value


def _clean_sort_order(value):
    if value is not None and value < 0:
        raise DomainError(Code.INVALID, _("The sort order cannot be negative."), "sortOrder")
    return value or 0


def _clean_weight(value):
    if value is None or value <= 0:
        raise DomainError(Code.INVALID, _("Net weight must be positive."), "netWeightGrams")
    return value


VARIANT_UNIQUE_FIELDS = {"variant_sku_unique_per_seller": "sku", "variant_gtin_unique": "gtin"}


def _save_variant(variant):
    """Save, turning a lost race on SKU or GTIN uniqueness into a coded error."""
    try:
        with transaction.atomic():
            variant.save()
    except IntegrityError as exc:
        field = VARIANT_UNIQUE_FIELDS.get(violated_constraint(exc, ProductVariant))
        if field is None:
            raise
        raise DomainError(Code.UNIQUE, _("This value is already used."), field) from exc
    return variant


def _check_unique_variant(seller, sku, gtin, exclude_pk=None):
    siblings = ProductVariant.objects.exclude(pk=exclude_pk)
    if siblings.filter(seller=seller, sku=sku).exists():
        raise DomainError(Code.UNIQUE, _("This seller already has a variant with this SKU."), "sku")
    if gtin and siblings.filter(gtin=gtin).exists():
        raise DomainError(Code.UNIQUE, _("Another variant already has this GTIN."), "gtin")


def create_variant(product, **data):
    sku = _require_text(data, "sku")
    name = _require_text(data, "name")
    price = clean_price(data.get("price"))
    gtin = clean_gtin(data.get("gtin"))
    stock = _clean_stock(data.get("stock_quantity", 0))
    weight = _clean_weight(data.get("net_weight_grams"))
    sort_order = _clean_sort_order(data.get("sort_order"))
    _check_lengths(ProductVariant, data, VARIANT_TEXT_FIELDS)
    _check_unique_variant(product.seller, sku, gtin)
    return _save_variant(
        ProductVariant(
            product=product,
            seller_id=product.seller_id,
            sku=sku,
            name=name,
            price=price,
            gtin=gtin,
            stock_quantity=stock,
            net_weight_grams=weight,
            cold_chain=bool(data.get("cold_chain")),
            sort_order=sort_order,
        )
    )


def update_variant(variant, **data):
    _check_lengths(ProductVariant, data, VARIANT_TEXT_FIELDS)
    _clean_sort_order(data.get("sort_order"))
    if "sku" in data:
        variant.sku = _require_text(data, "sku")
    if "name" in data:
        variant.name = _require_text(data, "name")
    if "price" in data:
        variant.price = clean_price(data["price"])
    if "gtin" in data:
        variant.gtin = clean_gtin(data["gtin"])
    if "net_weight_grams" in data:
        variant.net_weight_grams = _clean_weight(data["net_weight_grams"])
    for field in ("cold_chain", "sort_order"):
        if data.get(field) is not None:
            setattr(variant, field, data[field])
    _check_unique_variant(variant.seller_id, variant.sku, variant.gtin, exclude_pk=variant.pk)
    return _save_variant(variant)


def delete_variant(variant):
    variant.delete()


def update_stock(variant, *, quantity=None, delta=None):
    """Set stock to `quantity`, or add `delta` atomically; stock never goes below zero."""
    if (quantity is None) == (delta is None):
        raise DomainError(Code.INVALID, _("Give either a quantity or a delta."), "quantity")
    if quantity is not None:
        _clean_stock(quantity, "quantity")
        ProductVariant.objects.filter(pk=variant.pk).update(stock_quantity=quantity)
    else:
        updated = ProductVariant.objects.filter(
            pk=variant.pk, stock_quantity__gte=-delta, stock_quantity__lte=MAX_STOCK - delta
        ).update(stock_quantity=F("stock_quantity") + delta)
        if not updated:
            raise DomainError(
                Code.INSUFFICIENT_STOCK,
                _("Not enough stock for this change, or the result is too large."),
                "delta",
            )
    invalidate_public_responses()
    variant.refresh_from_db(fields=["stock_quantity"])
    return variant


def add_product_image(product, upload, alt=""):
    """Store a verified image; thumbnails follow from a Celery task after commit."""
    from catalog.tasks import make_thumbnails

    texts = {"alt": alt or ""}
    _check_lengths(ProductImage, texts, ("alt",))
    width, height = validate_upload(upload)
    image = ProductImage(product=product, alt=texts["alt"], width=width, height=height)
    try:
        with transaction.atomic():
            last = product.images.order_by("-sort_order").values_list("sort_order", flat=True)
            image.sort_order = (last.first() or 0) + 1
            image.image.save(upload.name, upload, save=False)
            image.save()
            transaction.on_commit(lambda: make_thumbnails.delay(image.pk))
    except Exception:
        if image.image:
            # The file reached storage but its row did not: leave nothing behind.
            image.image.delete(save=False)
        raise
    return image


def create_category(name, name_en="", parent=None):
    category = Category(name=name, name_en=name_en, parent=parent)
    return save_with_unique_slug(category, name_en, name)


def create_farm(seller, **data):
    return Farm.objects.create(seller=seller, **data)

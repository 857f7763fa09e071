"""IntegrityErrors are told apart by the name of the constraint, on either database."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from catalog import services
from catalog.errors import CatalogErrorCode
from catalog.models import ProductVariant
from shop.core.db import violated_constraint
from shop.core.errors import DomainError

GTIN = "06901234567892"


def saved_twice(product, **changes):
    """Save a copy of the product's variant with `changes`; return the IntegrityError."""
    original = product.variants.get()
    copy = ProductVariant(
        product=product,
        seller_id=product.seller_id,
        sku=original.sku,
        name="copy",
        net_weight_grams=1,
        price=Decimal("1.00"),
        gtin=original.gtin,
    )
    for field, value in changes.items():
        setattr(copy, field, value)
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        copy.save()
    return raised.value


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"gtin": None}, "variant_sku_unique_per_seller"),
        ({"sku": "OTHER", "gtin": GTIN}, "variant_gtin_unique"),
        ({"sku": "OTHER", "price": Decimal("0")}, "variant_price_positive"),
        ({"sku": "OTHER", "stock_quantity": -1}, "variant_stock_not_negative"),
    ],
)
def test_the_violated_constraint_is_named(product, changes, constraint):
    ProductVariant.objects.filter(product=product).update(gtin=GTIN)
    assert violated_constraint(saved_twice(product, **changes), ProductVariant) == constraint


def test_a_lost_race_on_a_unique_value_is_reported_on_its_field(product):
    """The service's own check ran before another request saved the same GTIN."""
    ProductVariant.objects.filter(product=product).update(gtin=GTIN)
    racer = ProductVariant(
        product=product,
        seller_id=product.seller_id,
        sku="ZM-1KG",
        name="1 kg",
        net_weight_grams=1000,
        price=Decimal("19.90"),
        gtin=GTIN,
    )
    with pytest.raises(DomainError) as refused:
        services._save_variant(racer)
    assert (refused.value.code, refused.value.field) == (CatalogErrorCode.UNIQUE, "gtin")
    racer.gtin, racer.sku = None, "ZM-5KG"
    with pytest.raises(DomainError) as refused:
        services._save_variant(racer)
    assert refused.value.field == "sku"


def test_any_other_integrity_error_is_not_passed_off_as_a_duplicate(product):
    broken = product.variants.get()
    broken.pk, broken.sku, broken.price = None, "NEW", Decimal("-1")
    with pytest.raises(IntegrityError):
        services._save_variant(broken)

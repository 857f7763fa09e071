"""Fixtures of the traceability tests: a seller's farm and variant, and a batch."""

import pytest

from catalog import services as catalog_services
from tests.helpers.batches import FARM, batch_fields
from traceability.services import batches as services


@pytest.fixture
def farm(seller, seller_user):
    return catalog_services.create_farm(actor=seller_user, seller=seller, name="龙潭田", **FARM)


@pytest.fixture
def other_farm(other_seller, other_seller_user):
    return catalog_services.create_farm(
        actor=other_seller_user, seller=other_seller, name="猕猴桃园", **FARM
    )


@pytest.fixture
def variant(product):
    """The seller's 5 kg bag of purple rice, without a GTIN."""
    return product.variants.get()


@pytest.fixture
def other_variant(other_seller, other_seller_user, category):
    product = catalog_services.create_product(
        actor=other_seller_user, seller=other_seller, category=category, name="红心猕猴桃"
    )
    return catalog_services.create_variant(
        actor=other_seller_user,
        product=product,
        sku="MHT-3KG",
        name="3 kg box",
        net_weight_grams=3000,
        price="59.00",
    )


@pytest.fixture
def batch(seller_user, variant, farm):
    return services.create_batch(actor=seller_user, variant=variant, farm=farm, **batch_fields())

"""Fixtures of the verifier's tests against a live market: a farm, a variant with a
GTIN (so its QR code is a GS1 Digital Link), a checkpointed chain of events."""

from decimal import Decimal

import pytest

from catalog import services as catalog_services
from shop.core.roles import SYSTEM
from tests.helpers.batches import FARM, batch_fields
from tests.helpers.events import at, harvest, observe
from traceability.services import batches as services
from traceability.services import signing
from traceability.services.events import Reading

GTIN = "06901234567892"


@pytest.fixture
def farm(seller, seller_user):
    return catalog_services.create_farm(actor=seller_user, seller=seller, name="龙潭田", **FARM)


@pytest.fixture
def variant(product, seller_user):
    variant = product.variants.get()
    return catalog_services.update_variant(actor=seller_user, variant=variant, gtin=GTIN[1:])


@pytest.fixture
def batch(seller_user, variant, farm):
    return services.create_batch(actor=seller_user, variant=variant, farm=farm, **batch_fields())


@pytest.fixture
def chain(seller_user, batch):
    """A harvest with a reading, an inspection, storage and shipping, checkpointed."""
    events = [
        harvest(seller_user, batch, sensors=[Reading("temperature", Decimal("21.5"))]),
        observe(seller_user, batch),
        observe(seller_user, batch, "storing", "sellable_not_accessible", event_time=at(2)),
        observe(seller_user, batch, "shipping", "in_transit", event_time=at(3)),
    ]
    signing.sign_checkpoint(actor=SYSTEM)
    return events


@pytest.fixture
def paddy(batch, chain):
    """The checkpointed batch that `milled` is made from."""
    return batch

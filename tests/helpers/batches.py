"""A farm and a batch as the traceability tests register them, and the rows they leave."""

import datetime
from decimal import Decimal

from catalog import services as catalog_services
from traceability.models import Batch, BatchPhoto, Serial
from traceability.services import batches as batch_services

FARM = {
    "village": "王龙潭村",
    "latitude": "27.45",
    "longitude": "114.18",
    "area_mu": "30",
    "produce": "紫米",
}
HARVEST = datetime.date(2026, 10, 8)


def batch_fields(**changes):
    return {
        "lot": "ZM2026-10A",
        "harvest_date": HARVEST,
        "best_before": HARVEST + datetime.timedelta(days=365),
        "quantity": Decimal("1250.5"),
        "unit": "kg",
        "notes": "晒干后入库",
        **changes,
    }


def snapshot():
    """Every traceability row as stored: a refused write leaves it as it was."""
    return [list(model.objects.order_by("pk").values()) for model in (Batch, Serial, BatchPhoto)]


def sold_batch(user, variant, lot, best_before, quantity):
    """A batch of `variant` from its seller's first farm (made if missing), weighed in kg."""
    farm = variant.seller.farms.first() or catalog_services.create_farm(
        actor=user, seller=variant.seller, name="田", **FARM
    )
    return batch_services.create_batch(
        actor=user,
        variant=variant,
        farm=farm,
        lot=lot,
        harvest_date=datetime.date(2026, 10, 1),
        best_before=best_before,
        quantity=Decimal(quantity),
        unit="kg",
    )

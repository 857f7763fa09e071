"""A farm and a batch as the traceability tests register them, and the rows they leave."""

import datetime
from decimal import Decimal

from traceability.models import Batch, BatchPhoto, Serial

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

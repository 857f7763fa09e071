"""Which batches a line's units come from: oldest best-before first.

A batch counts its quantity in its own unit (kg, jin, g, or pieces and
packs); a variant is sold in units of `net_weight_grams`. A unit sold from
a batch weighed in kg packs `net_weight_grams / 1000` of it; from a batch
counted in pieces, boxes, bags, cases or litres, one.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.db.models import F, QuerySet

from traceability.models import Batch

GRAMS_PER_UNIT: dict[str, int] = {Batch.Unit.KG: 1000, Batch.Unit.JIN: 500, Batch.Unit.GRAM: 1}
PACKED_PLACES = Decimal("0.001")


def packed_amount(batch_unit: str, net_weight_grams: int, units: int) -> Decimal:
    """How much of a batch `units` sold units take, in the batch's unit."""
    grams = GRAMS_PER_UNIT.get(batch_unit)
    if grams is None:
        return Decimal(units)
    return (Decimal(units * net_weight_grams) / grams).quantize(PACKED_PLACES, ROUND_CEILING)


def units_left(batch: Batch, net_weight_grams: int) -> int:
    """Whole sold units the batch still holds."""
    left = batch.quantity - batch.quantity_packed
    grams = GRAMS_PER_UNIT.get(batch.unit)
    if grams is None:
        return int(left)
    if not net_weight_grams:
        return 0
    return int(left * grams // net_weight_grams)


def candidate_batches(variant_ids: Iterable[int]) -> QuerySet[Batch]:
    """Batches of these variants that can still be packed from, oldest best-before
    first (none last), then by harvest; never a recalled batch. One query."""
    return (
        Batch.objects.filter(variant_id__in=set(variant_ids), recall__isnull=True)
        .filter(quantity_packed__lt=F("quantity"))
        .only("pk", "variant_id", "quantity", "quantity_packed", "unit")
        .order_by(F("best_before").asc(nulls_last=True), "harvest_date", "pk")
    )


@dataclass(frozen=True)
class Want:
    key: int
    variant_id: int
    net_weight_grams: int
    units: int


def allocate(wants: Iterable[Want], batches: Iterable[Batch]) -> list[tuple[int, Batch, int]]:
    """(want key, batch, units) taken greedily from `batches` in their order. A
    want the batches cannot cover is covered as far as they go: the seller
    allocates the rest before packing."""
    by_variant: dict[int, list[Batch]] = {}
    for batch in batches:
        by_variant.setdefault(batch.variant_id, []).append(batch)
    taken: dict[int, int] = {}
    plan = []
    for want in wants:
        missing = want.units
        for batch in by_variant.get(want.variant_id, []):
            if not missing:
                break
            free = units_left(batch, want.net_weight_grams) - taken.get(batch.pk, 0)
            units = min(free, missing)
            if units > 0:
                plan.append((want.key, batch, units))
                taken[batch.pk] = taken.get(batch.pk, 0) + units
                missing -= units
    return plan

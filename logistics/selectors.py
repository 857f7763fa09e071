"""Which pickup points are shown, and how far they are.

Distances are equirectangular: degrees of longitude are scaled by the cosine
of the searcher's latitude, computed here, so the database needs only
arithmetic (SQLite has no trigonometry unless compiled with it). Over the tens
of kilometres between a village and its county hub the error is well under
one percent; the order is exact for the approximated distance, and
`distance_km` gives the same distance the order uses.
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import BigIntegerField, ExpressionWrapper, F, FloatField, QuerySet, Value
from django.db.models.functions import Cast

from catalog.selectors import division_prefix
from logistics.models import PickupPoint
from shop.core.roles import Actor

KM_PER_DEGREE = 6371.0088 * math.pi / 180  # the mean Earth radius's
# The sort key is the squared distance in units of 1e-10 square degrees: an
# integer (exact in a cursor), fine enough to part points about 10 m apart and
# small enough for a 64-bit column anywhere on Earth.
KEY_SCALE = 10**10


@dataclass(frozen=True)
class Near:
    """A place to measure from, in degrees (WGS 84)."""

    latitude: float
    longitude: float

    @property
    def longitude_scale(self) -> float:
        return math.cos(math.radians(self.latitude))


def usable_points() -> QuerySet[PickupPoint]:
    """The points open for parcels: active ones."""
    return PickupPoint.objects.filter(is_active=True)


def visible_points(actor: Actor) -> QuerySet[PickupPoint]:
    """Everyone, signed in or not, sees the active points; operators manage the
    others in the admin."""
    return usable_points()


def in_region(queryset: QuerySet[PickupPoint], code: str) -> QuerySet[PickupPoint]:
    """Points inside the division `code` (2 to 12 digits; ValueError otherwise)."""
    return queryset.filter(division_code__startswith=division_prefix(code))


def nearest_first(queryset: QuerySet[PickupPoint], near: Near) -> QuerySet[PickupPoint]:
    """`queryset` with `distance_key`, which grows with the distance from `near`."""
    north = ExpressionWrapper(F("latitude") - Value(near.latitude), output_field=FloatField())
    east = ExpressionWrapper(
        (F("longitude") - Value(near.longitude)) * Value(near.longitude_scale),
        output_field=FloatField(),
    )
    squared = ExpressionWrapper(
        (north * north + east * east) * Value(KEY_SCALE), output_field=FloatField()
    )
    return queryset.annotate(distance_key=Cast(squared, BigIntegerField()))


def distance_km(point: Any, near: Near) -> float:
    """How far `point` (with `latitude` and `longitude`) is from `near`, in km,
    by the same approximation as `nearest_first`."""
    north = float(Decimal(point.latitude)) - near.latitude
    east = (float(Decimal(point.longitude)) - near.longitude) * near.longitude_scale
    return math.hypot(north, east) * KM_PER_DEGREE

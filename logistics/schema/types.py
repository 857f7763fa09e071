from collections.abc import Iterable
from typing import Any

import graphene
from graphene import relay

from logistics import cache, models, selectors
from logistics.errors import LogisticsErrorCode
from shop.core.api.base import VisibleNode
from shop.core.api.pagination import CountableConnection

LogisticsErrorCodeEnum = graphene.Enum.from_enum(LogisticsErrorCode, name="LogisticsErrorCode")
PickupPointKindEnum = graphene.Enum.from_enum(models.PointKind, name="PickupPointKind")


class OpeningHours(graphene.ObjectType):
    """One opening interval of a weekday, local time (Asia/Shanghai)."""

    weekday = graphene.Int(required=True, description="0 is Monday, 6 is Sunday.")
    opens = graphene.String(required=True, description='"HH:MM", e.g. "08:00".')
    closes = graphene.String(required=True, description='"HH:MM"; "24:00" is midnight.')


class PickupPoint(VisibleNode):
    """A village or township service station, or a county hub, where buyers
    collect parcels. Only active points are shown."""

    kind = PickupPointKindEnum(required=True)
    latitude = graphene.Float(required=True, description="Degrees north (WGS 84).")
    longitude = graphene.Float(required=True, description="Degrees east (WGS 84).")
    opening_hours = graphene.List(
        graphene.NonNull(OpeningHours),
        required=True,
        description="Every opening interval, Monday first; a weekday not listed is closed.",
    )
    phone = graphene.String(description="E.164, e.g. +867997123456; null when none is given.")
    distance_km = graphene.Float(
        description="Kilometres from `near` in the `pickupPoints` list that gave it "
        "(equirectangular, as the list is sorted); null elsewhere."
    )

    class Meta:
        model = models.PickupPoint
        interfaces = (relay.Node,)
        fields = (
            "id",
            "name",
            "address",
            "division_code",
            "parcel_capacity",
            "cold_storage",
            "instructions",
            "is_active",
        )

    visible_to = staticmethod(selectors.visible_points)

    @staticmethod
    def cache_tags(found: models.PickupPoint | None) -> Iterable[str]:
        return (cache.POINTS,)

    @staticmethod
    def resolve_opening_hours(root: models.PickupPoint, info: Any) -> list[OpeningHours]:
        return [
            OpeningHours(weekday=int(day), opens=opens, closes=closes)
            for day, intervals in sorted(root.opening_hours.items())
            for opens, closes in intervals
        ]

    @staticmethod
    def resolve_phone(root: models.PickupPoint, info: Any) -> str | None:
        return str(root.phone) if root.phone else None

    @staticmethod
    def resolve_distance_km(root: models.PickupPoint, info: Any) -> float | None:
        return getattr(root, "distance_km", None)


class PickupPointConnection(CountableConnection):
    class Meta:
        node = PickupPoint

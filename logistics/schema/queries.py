import math
from typing import Any

import graphene
from django.utils.translation import gettext_lazy as _

from logistics import cache, selectors
from logistics.schema.types import PickupPointConnection
from shop.core.api import public_cache
from shop.core.api.pagination import KeysetConnectionField, keyset_page
from shop.core.errors import RequestError
from shop.core.errors import RequestErrorCode as Code


class LatLngInput(graphene.InputObjectType):
    lat = graphene.Float(required=True, description="Degrees north (WGS 84), -90 to 90.")
    lng = graphene.Float(required=True, description="Degrees east (WGS 84), -180 to 180.")


def _near(near: Any) -> selectors.Near | None:
    """The place to measure from, or a coded error for one off the Earth."""
    if near is None:
        return None
    lat, lng = near["lat"], near["lng"]
    if not (math.isfinite(lat) and math.isfinite(lng) and abs(lat) <= 90 and abs(lng) <= 180):
        raise RequestError(
            Code.INVALID_ARGUMENT,
            _("`near` needs a latitude from -90 to 90 and a longitude from -180 to 180."),
        )
    return selectors.Near(latitude=lat, longitude=lng)


class LogisticsQueries(graphene.ObjectType):
    pickup_points = KeysetConnectionField(
        PickupPointConnection,
        near=LatLngInput(description="Sort by the distance from here, nearest first."),
        region=graphene.String(
            description="A 12-digit administrative division code (or its prefix): points "
            "inside that province, city, county, township or village."
        ),
        description="Active pickup points, anyone may list them: nearest first when "
        "`near` is given, else by name.",
    )

    @staticmethod
    def resolve_pickup_points(
        root: Any,
        info: graphene.ResolveInfo,
        first: int | None = None,
        after: str | None = None,
        near: LatLngInput | None = None,
        region: str | None = None,
        **other: Any,
    ) -> PickupPointConnection:
        queryset = selectors.visible_points(info.context.user)
        if region and region.strip():
            try:
                queryset = selectors.in_region(queryset, region.strip())
            except ValueError as exc:
                raise RequestError(
                    Code.INVALID_ARGUMENT,
                    _("`region` is an administrative division code of 2 to 12 digits."),
                ) from exc
        origin = _near(near)
        keys = ["name", "id"]
        if origin is not None:
            queryset, keys = selectors.nearest_first(queryset, origin), ["distance_key", "id"]
        public_cache.tag(info.context, cache.POINTS)
        connection = keyset_page(
            PickupPointConnection, queryset, keys=keys, first=first, after=after
        )
        if origin is not None:
            for edge in connection.edges:
                edge.node.distance_km = round(selectors.distance_km(edge.node, origin), 3)
        return connection

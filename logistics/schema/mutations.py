"""Operators open and correct pickup points through the API: find the point
named, call logistics.services as the signed-in user (the services enforce the
policy), return the payload. Staff are assigned in the admin."""

from typing import Any, Self

import graphene

from logistics import models, services
from logistics.schema.types import LogisticsErrorCodeEnum, PickupPoint, PickupPointKindEnum
from shop.core.api.base import DomainMutation, error_type, errors_field
from shop.core.api.ids import mutation_target


class OpeningHoursInput(graphene.InputObjectType):
    weekday = graphene.Int(required=True, description="0 is Monday, 6 is Sunday.")
    opens = graphene.String(required=True, description='"HH:MM", e.g. "08:00".')
    closes = graphene.String(required=True, description='"HH:MM"; "24:00" is midnight.')


class PickupPointFields:
    address = graphene.String()
    division_code = graphene.String(description="12 digits.")
    latitude = graphene.Float(description="Degrees north (WGS 84), rounded to 6 places.")
    longitude = graphene.Float(description="Degrees east (WGS 84), rounded to 6 places.")
    opening_hours = graphene.List(
        graphene.NonNull(OpeningHoursInput),
        description="Every opening interval; a weekday not listed is closed. "
        "Null or empty: closed every day.",
    )
    phone = graphene.String(description="A mainland China number; null or empty for none.")
    parcel_capacity = graphene.Int()
    cold_storage = graphene.Boolean()
    instructions = graphene.String()
    is_active = graphene.Boolean(description="False closes the point to new parcels.")


class PickupPointCreateInput(PickupPointFields, graphene.InputObjectType):
    name = graphene.String(required=True)
    kind = PickupPointKindEnum(required=True)
    address = graphene.String(required=True)
    division_code = graphene.String(required=True, description="12 digits.")
    latitude = graphene.Float(required=True)
    longitude = graphene.Float(required=True)
    parcel_capacity = graphene.Int(required=True)


class PickupPointUpdateInput(PickupPointFields, graphene.InputObjectType):
    name = graphene.String()
    kind = PickupPointKindEnum()


def _point_data(data: dict[str, Any]) -> dict[str, Any]:
    """The input as the services take it: the kind's value, opening hours by weekday."""
    if "kind" in data:
        data["kind"] = getattr(data["kind"], "value", data["kind"])
    if data.get("opening_hours") is not None:
        by_day: dict[str, list[list[str]]] = {}
        for interval in data["opening_hours"]:
            day = by_day.setdefault(str(interval["weekday"]), [])
            day.append([interval["opens"], interval["closes"]])
        data["opening_hours"] = by_day
    return data


class PickupPointCreate(DomainMutation):
    """Open a pickup point (operators)."""

    class Arguments:
        input = PickupPointCreateInput(required=True)

    pickup_point = graphene.Field(PickupPoint)
    errors = errors_field(error_type("PickupPointCreateError", LogisticsErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, input: PickupPointCreateInput) -> Self:
        point = services.create_point(actor=info.context.user, **_point_data(dict(input)))
        return cls(pickup_point=point, errors=[])


class PickupPointUpdate(DomainMutation):
    """Correct a pickup point, or close it (operators); fields left out stay as they are."""

    class Arguments:
        id = graphene.ID(required=True)
        input = PickupPointUpdateInput(required=True)

    pickup_point = graphene.Field(PickupPoint)
    errors = errors_field(error_type("PickupPointUpdateError", LogisticsErrorCodeEnum))

    @classmethod
    def perform(
        cls, root: Any, info: graphene.ResolveInfo, id: str, input: PickupPointUpdateInput
    ) -> Self:
        point = mutation_target(info, id, "PickupPoint", models.PickupPoint)
        point = services.update_point(
            actor=info.context.user, point=point, **_point_data(dict(input))
        )
        return cls(pickup_point=point, errors=[])


class LogisticsMutations(graphene.ObjectType):
    pickup_point_create = PickupPointCreate.Field()
    pickup_point_update = PickupPointUpdate.Field()

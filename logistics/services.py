"""Every write to the network of pickup points, as an operator (`actor=`), with
typed keyword arguments: an update changes only the fields given (`UNSET` is
"leave it"). All input is checked first and every mistake reported at once
(one DomainError, nothing written); after commit the public responses that
show points go stale (`logistics.cache`)."""

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from logistics import cache, rules
from logistics.models import PickupPoint
from logistics.policies import can_manage_points
from shop.accounts.models import User
from shop.core.cache_tags import invalidate
from shop.core.errors import Checks
from shop.core.roles import Actor, require
from shop.core.unset import UNSET, Unset, given

# A Decimal, a float (a GPS reading, a JSON number) or text.
Number = Decimal | float | int | str
OpeningHours = dict[Any, list[list[str]]]

RULES: dict[str, Callable[[Any], Any]] = {
    "name": lambda value: rules.clean_text("name", value, required=True),
    "kind": rules.clean_kind,
    "address": lambda value: rules.clean_text("address", value, required=True),
    "division_code": rules.clean_division_code,
    "latitude": lambda value: rules.clean_coordinate("latitude", value),
    "longitude": lambda value: rules.clean_coordinate("longitude", value),
    "opening_hours": rules.clean_opening_hours,
    "phone": rules.clean_phone,
    "parcel_capacity": rules.clean_capacity,
    "cold_storage": lambda value: rules.clean_flag("cold_storage", value),
    "instructions": lambda value: rules.clean_text("instructions", value),
    "is_active": lambda value: rules.clean_flag("is_active", value),
}


def _require_manager(actor: Actor) -> None:
    require(actor, can_manage_points(actor), _("Only platform operators manage pickup points."))


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    checks = Checks()
    cleaned = {name: checks.run(RULES[name], value) for name, value in fields.items()}
    checks.done()
    return cleaned


def _save(point: PickupPoint, fields: dict[str, Any], staff: Iterable[User] | Unset) -> PickupPoint:
    for name, value in fields.items():
        setattr(point, name, value)
    with transaction.atomic():
        point.save()
        if staff is not UNSET:
            point.staff.set(list(staff))
        invalidate(*cache.points_changed())
    return point


def create_point(
    *,
    actor: Actor,
    name: str,
    kind: str,
    address: str,
    division_code: str,
    latitude: Number,
    longitude: Number,
    parcel_capacity: int,
    opening_hours: OpeningHours | None = None,
    phone: str = "",
    cold_storage: bool = False,
    instructions: str = "",
    is_active: bool = True,
    staff: Iterable[User] = (),
) -> PickupPoint:
    """Open a pickup point with its staff."""
    _require_manager(actor)
    fields = _checked(
        {
            "name": name,
            "kind": kind,
            "address": address,
            "division_code": division_code,
            "latitude": latitude,
            "longitude": longitude,
            "opening_hours": opening_hours,
            "phone": phone,
            "parcel_capacity": parcel_capacity,
            "cold_storage": cold_storage,
            "instructions": instructions,
            "is_active": is_active,
        }
    )
    return _save(PickupPoint(), fields, staff)


def update_point(
    *,
    actor: Actor,
    point: PickupPoint,
    name: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    address: str | Unset = UNSET,
    division_code: str | Unset = UNSET,
    latitude: Number | Unset = UNSET,
    longitude: Number | Unset = UNSET,
    parcel_capacity: int | Unset = UNSET,
    opening_hours: OpeningHours | None | Unset = UNSET,
    phone: str | None | Unset = UNSET,
    cold_storage: bool | Unset = UNSET,
    instructions: str | None | Unset = UNSET,
    is_active: bool | Unset = UNSET,
    staff: Iterable[User] | Unset = UNSET,
) -> PickupPoint:
    """Correct the details given, by the same rules as create_point; None clears
    the opening hours, the phone and the instructions; `is_active=False` closes
    the point to new parcels."""
    _require_manager(actor)
    changes = given(
        name=name,
        kind=kind,
        address=address,
        division_code=division_code,
        latitude=latitude,
        longitude=longitude,
        parcel_capacity=parcel_capacity,
        opening_hours=opening_hours,
        phone=phone,
        cold_storage=cold_storage,
        instructions=instructions,
        is_active=is_active,
    )
    return _save(point, _checked(changes), staff)

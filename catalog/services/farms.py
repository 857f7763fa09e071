"""A seller's farms: where its goods grow, shown on product pages and trace steps."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog import cache
from catalog.errors import CatalogErrorCode as Code
from catalog.models import Farm, Seller
from catalog.rules import decimal_from_float
from catalog.services.common import require_manager
from shop.core.cache_tags import invalidate
from shop.core.errors import from_validation_error
from shop.core.roles import Actor
from shop.core.unset import UNSET, Unset, given

# A Decimal, a float (a GPS reading, a JSON number, rounded to the column) or
# text; None or anything unreadable is refused by the model's own rules.
Number = Decimal | float | int | str
FARM_DECIMALS = ("latitude", "longitude", "area_mu")


def _checked_farm(farm: Farm, fields: dict[str, Any]) -> Farm:
    """`farm` with `fields` applied, checked by the model's own rules (a point on
    Earth, an area not negative, lengths): text stripped, None for no English
    name, floats (GPS readings, JSON numbers) rounded to the column's places."""
    for field, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        elif field in FARM_DECIMALS:
            places = Farm._meta.get_field(field).decimal_places  # type: ignore[union-attr]
            value = decimal_from_float(value, places)
        elif field == "name_en" and value is None:
            value = ""
        setattr(farm, field, value)
    try:
        farm.full_clean()
    except ValidationError as exc:
        raise from_validation_error(exc, Code) from exc
    return farm


def _save_farm(farm: Farm) -> Farm:
    with transaction.atomic():
        farm.save()
        invalidate(*cache.seller_changed(farm.seller_id))
    return farm


def create_farm(
    *,
    actor: Actor,
    seller: Seller,
    name: str,
    village: str,
    produce: str,
    latitude: Number | None = None,
    longitude: Number | None = None,
    area_mu: Number | None = None,
    name_en: str | None = None,
) -> Farm:
    """A farm of `seller`; a point and an area left out are refused as required."""
    require_manager(actor, seller)
    fields = {
        "name": name,
        "name_en": name_en,
        "village": village,
        "latitude": latitude,
        "longitude": longitude,
        "area_mu": area_mu,
        "produce": produce,
    }
    return _save_farm(_checked_farm(Farm(seller=seller), fields))


def update_farm(
    *,
    actor: Actor,
    farm: Farm,
    name: str | Unset = UNSET,
    name_en: str | None | Unset = UNSET,
    village: str | Unset = UNSET,
    latitude: Number | Unset = UNSET,
    longitude: Number | Unset = UNSET,
    area_mu: Number | Unset = UNSET,
    produce: str | Unset = UNSET,
) -> Farm:
    """Correct the farm's details given, by the same rules as create_farm."""
    require_manager(actor, farm.seller)
    changes = given(
        name=name,
        name_en=name_en,
        village=village,
        latitude=latitude,
        longitude=longitude,
        area_mu=area_mu,
        produce=produce,
    )
    return _save_farm(_checked_farm(farm, changes))

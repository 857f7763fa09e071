"""The rules of single pickup-point fields, in one place: the services apply
them and the admin's form shows their errors next to the field."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.utils.translation import gettext_lazy as _

from catalog.validators import is_division_code
from logistics.errors import LogisticsErrorCode as Code
from logistics.models import PickupPoint, PointKind
from shop.core.errors import Checks, DomainError

MAX_CAPACITY = 100_000
MAX_INTERVALS_PER_DAY = 4
WEEKDAYS = range(7)  # 0 is Monday, as Python's date.weekday()
TIME_RE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00")
COORDINATE_PLACES = Decimal("0.000001")
LIMITS = {"latitude": 90, "longitude": 180}


def clean_text(field: str, value: Any, *, required: bool = False) -> str:
    """`value` stripped; refused when required and empty, or longer than its column."""
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        raise DomainError(Code.INVALID, _("Enter text."), field)
    if required and not text:
        raise DomainError(Code.REQUIRED, _("This field is required."), field)
    limit = getattr(PickupPoint._meta.get_field(field), "max_length", None)
    if limit is not None and len(text) > limit:
        raise DomainError(Code.INVALID, _("At most %d characters.") % limit, field)
    if "\x00" in text:
        raise DomainError(Code.INVALID, _("Enter text."), field)
    return text


def clean_kind(value: Any) -> str:
    if value not in PointKind.values:
        raise DomainError(Code.INVALID, _("Choose a kind of pickup point."), "kind")
    return str(value)


def clean_flag(field: str, value: Any) -> bool:
    """Yes or no, and nothing read as one (the text "false" is not a no)."""
    if not isinstance(value, bool):
        raise DomainError(Code.INVALID, _("Choose yes or no."), field)
    return value


def clean_division_code(value: Any) -> str:
    """The catalogue's rule: 12 digits of China's statistical division code."""
    code = value.strip() if isinstance(value, str) else ""
    if not is_division_code(code):
        raise DomainError(
            Code.INVALID_DIVISION_CODE,
            _("The administrative division code has 12 digits."),
            "division_code",
        )
    return code


def clean_coordinate(field: str, value: Any) -> Decimal:
    """Degrees (WGS 84) of `field`, "latitude" or "longitude", rounded to the
    column's six places; a float is read as written (a GPS reading, a JSON number)."""
    if value is None or value == "":
        raise DomainError(Code.REQUIRED, _("This field is required."), field)
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        if isinstance(value, bool) or not number.is_finite() or abs(number) > LIMITS[field]:
            raise ValueError(value)
        return number.quantize(COORDINATE_PLACES)
    except (InvalidOperation, ValueError) as exc:
        message = (
            _("The latitude is between -90 and 90 degrees.")
            if field == "latitude"
            else _("The longitude is between -180 and 180 degrees.")
        )
        raise DomainError(Code.INVALID_LOCATION, message, field) from exc


def clean_location(latitude: Any, longitude: Any) -> tuple[Decimal, Decimal]:
    """Both coordinates, every mistake reported."""
    checks = Checks()
    lat = checks.run(clean_coordinate, "latitude", latitude)
    lng = checks.run(clean_coordinate, "longitude", longitude)
    checks.done()
    return lat, lng


def clean_phone(value: Any) -> str:
    """A mainland China number, mobile or landline, in E.164 form; "" for none."""
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise DomainError(
            Code.INVALID_PHONE,
            _("Enter a mainland China phone number, e.g. 0799-7123456 or 13979911001."),
            "phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_capacity(value: Any) -> int:
    """How many parcels the point can hold at once: at least one."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_CAPACITY:
        raise DomainError(
            Code.INVALID_CAPACITY,
            _("The parcel capacity is a whole number from 1 to %d.") % MAX_CAPACITY,
            "parcel_capacity",
        )
    return value


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _weekday(key: Any) -> int:
    """0..6 from an int or its digit (JSON object keys are text)."""
    if isinstance(key, int) and not isinstance(key, bool) and key in WEEKDAYS:
        return key
    if isinstance(key, str) and len(key) == 1 and key in "0123456":
        return int(key)
    raise ValueError(key)


def _intervals(value: Any) -> list[list[str]]:
    """A day's intervals, sorted; overlapping, empty or malformed ones refused."""
    if not isinstance(value, list | tuple) or len(value) > MAX_INTERVALS_PER_DAY:
        raise ValueError(value)
    found = []
    for interval in value:
        if not isinstance(interval, list | tuple) or len(interval) != 2:
            raise ValueError(interval)
        opens, closes = interval
        if not all(isinstance(t, str) and TIME_RE.fullmatch(t) for t in (opens, closes)):
            raise ValueError(interval)
        if opens == "24:00" or _minutes(opens) >= _minutes(closes):
            raise ValueError(interval)
        found.append([opens, closes])
    found.sort(key=lambda pair: _minutes(pair[0]))
    for before, after in zip(found, found[1:], strict=False):
        if _minutes(after[0]) < _minutes(before[1]):
            raise ValueError(value)
    return found


def clean_opening_hours(value: Any) -> dict[str, list[list[str]]]:
    """{"0": [["08:00", "18:00"]], …}: weekdays 0 (Monday) to 6, each with up to
    four sorted, non-overlapping "HH:MM" intervals ("24:00" closes at midnight);
    a weekday left out, or with no interval, is closed."""
    if value is None:
        return {}
    try:
        if not isinstance(value, dict):
            raise ValueError(value)
        days = {_weekday(key): _intervals(intervals) for key, intervals in value.items()}
        if len(days) != len(value):
            raise ValueError(value)  # "1" and 1 both given
    except ValueError as exc:
        raise DomainError(
            Code.INVALID_OPENING_HOURS,
            _(
                "Opening hours give, for weekdays 0 (Monday) to 6, up to four "
                'non-overlapping times such as ["08:00", "18:00"].'
            ),
            "opening_hours",
        ) from exc
    return {str(day): days[day] for day in sorted(days) if days[day]}

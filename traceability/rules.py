"""The rules of single batch fields, in one place for the services, the admin
and the pages. Rules that need other rows (a lot unique per seller, whose farm)
stay in the services."""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gs1.digital_link import CSET82
from shop.core.errors import DomainError
from traceability.errors import TraceabilityErrorCode as Code
from traceability.models import Batch

LOT_MAX_LENGTH = 20
QUANTITY_PLACES = 3
THOUSANDTH = Decimal("0.001")
MAX_QUANTITY = Decimal("1000000000")  # below the column's 12 digits with 3 places


def clean_lot(value: str | None) -> str:
    """A lot as GS1 AI 10 allows it: 1-20 characters of the 82-character set,
    so it goes into a Digital Link and a GS1-128 barcode unchanged."""
    lot = (value or "").strip()
    if not lot:
        raise DomainError(Code.REQUIRED, _("This field is required."), "lot")
    if len(lot) > LOT_MAX_LENGTH or not set(lot) <= CSET82:
        raise DomainError(
            Code.INVALID_LOT,
            _(
                "A lot has at most 20 characters: Latin letters, digits and "
                "!\"%&'()*+,-./:;<=>?_ (no spaces)."
            ),
            "lot",
        )
    return lot


def clean_quantity(value: Any, field: str = "quantity") -> Decimal:
    """A positive quantity with at most three decimals, stored (and answered) with three."""
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(Code.INVALID_QUANTITY, _("Enter a valid quantity."), field) from exc
    exponent = quantity.as_tuple().exponent
    if not quantity.is_finite() or quantity <= 0 or exponent < -QUANTITY_PLACES:  # type: ignore[operator]
        raise DomainError(
            Code.INVALID_QUANTITY,
            _("The quantity must be positive with at most three decimal places."),
            field,
        )
    if quantity >= MAX_QUANTITY:
        raise DomainError(Code.INVALID_QUANTITY, _("The quantity is too large."), field)
    return quantity.quantize(THOUSANDTH)


def clean_unit(value: str | None) -> str:
    if value not in Batch.Unit.values:
        raise DomainError(Code.INVALID, _("Unknown unit."), "unit")
    return value


def clean_harvest_date(value: Any) -> datetime.date:
    """A date not after today (in the platform's time zone): a batch records a
    harvest or a run that has happened."""
    if value is None:
        raise DomainError(Code.REQUIRED, _("This field is required."), "harvest_date")
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise DomainError(Code.INVALID_DATES, _("Enter a valid date."), "harvest_date")
    if value > timezone.localdate():
        raise DomainError(
            Code.INVALID_DATES, _("The harvest date cannot be in the future."), "harvest_date"
        )
    return value


def check_best_before(harvest_date: datetime.date | None, best_before: Any) -> None:
    if best_before is None:
        return
    if not isinstance(best_before, datetime.date) or isinstance(best_before, datetime.datetime):
        raise DomainError(Code.INVALID_DATES, _("Enter a valid date."), "best_before")
    if harvest_date is not None and best_before < harvest_date:
        raise DomainError(
            Code.INVALID_DATES,
            _("The best-before date cannot be earlier than the harvest date."),
            "best_before",
        )

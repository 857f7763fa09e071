"""The rules of single catalogue fields, in one place: the services apply them,
and the admin's and the pages' forms show their errors next to the field.
Rules that need other rows (uniqueness, whose farm) stay in the services."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.errors import CatalogErrorCode as Code
from catalog.models import Seller
from catalog.validators import is_division_code, normalize_gtin
from shop.core.errors import DomainError, Message
from shop.core.money import CENT

MAX_STOCK = 1_000_000_000


def clean_text(
    model: type[models.Model], field: str, value: str | None, *, required: bool = False
) -> str:
    """`value` stripped; refused when required and empty, or longer than its column
    (the length checked is the length stored: PostgreSQL would fail with a DataError)."""
    text = (value or "").strip()
    if required and not text:
        raise DomainError(Code.REQUIRED, _("This field is required."), field)
    limit = getattr(model._meta.get_field(field), "max_length", None)
    if limit is not None and len(text) > limit:
        raise DomainError(Code.INVALID, _("At most %d characters.") % limit, field)
    return text


def clean_price(value: Any) -> Decimal:
    """A positive price in CNY with at most two decimals, stored to the fen."""
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(Code.INVALID_PRICE, _("Enter a valid price."), "price") from exc
    if not price.is_finite() or price <= 0 or price.as_tuple().exponent < -2:  # type: ignore[operator]
        raise DomainError(
            Code.INVALID_PRICE,
            _("The price must be positive with at most two decimal places."),
            "price",
        )
    if price >= Decimal("100000000"):
        raise DomainError(Code.INVALID_PRICE, _("The price is too high."), "price")
    return price.quantize(CENT)


def clean_gtin(value: str | None) -> str | None:
    """A GTIN-8/12/13/14 with a right check digit, padded to 14 digits; None for none."""
    if not value:
        return None
    gtin = normalize_gtin(value)
    if gtin is None:
        raise DomainError(
            Code.INVALID_GTIN,
            _("This is not a valid GTIN: check its length and its check digit."),
            "gtin",
        )
    return gtin


def clean_division_code(value: str | None) -> str:
    code = (value or "").strip()
    if not is_division_code(code):
        raise DomainError(
            Code.INVALID_DIVISION_CODE,
            _("The administrative division code has 12 digits."),
            "division_code",
        )
    return code


def clean_stock(value: int | None, field: str = "stock_quantity") -> int:
    if value is None or value < 0:
        raise DomainError(Code.INVALID_STOCK, _("Stock cannot be negative."), field)
    if value > MAX_STOCK:
        raise DomainError(Code.INVALID_STOCK, _("Stock is too large."), field)
    return value


def at_least(value: int | None, minimum: int, field: str, message: Message) -> int | None:
    if value is not None and value < minimum:
        raise DomainError(Code.INVALID, message, field)
    return value


def check_publishable(seller: Seller, is_published: bool | None) -> None:
    """Only a verified seller's products may be published (API, pages and admin alike)."""
    if is_published and not seller.is_verified:
        raise DomainError(
            Code.SELLER_NOT_VERIFIED,
            _("An operator must verify the seller before its products can be published."),
            "is_published",
        )


def decimal_from_float(value: Any, places: int) -> Any:
    """A float (a GPS reading, a JSON number) as a Decimal rounded to the column's
    places; anything else, or a number too large to round, unchanged, for the
    model's own validation to judge."""
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        exact = Decimal(repr(value))
        try:
            return exact.quantize(Decimal(1).scaleb(-places))
        except InvalidOperation:  # more digits than Decimal's precision: out of range
            return exact
    return value

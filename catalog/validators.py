"""Pure checks on identifiers, shared by models, services and forms."""

import re

from gs1.digital_link import gs1_check_digit

GTIN14_RE = re.compile(r"^[0-9]{14}$")
DIVISION_CODE_RE = re.compile(r"^[0-9]{12}$")


def normalize_gtin(value: str) -> str | None:
    """Return the GTIN padded to 14 digits if its check digit is right, else None.

    GTIN-8, -12 and -13 are accepted and left-padded with zeros, as GS1
    Digital Link requires 14 digits in the path.
    """
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) not in (8, 12, 13, 14):
        return None
    value = value.zfill(14)
    if gs1_check_digit(value[:-1]) != int(value[-1]):
        return None
    return value


def is_division_code(value: str) -> bool:
    """A 12-digit code of China's statistical division of administrative areas."""
    return bool(DIVISION_CODE_RE.match(value or ""))

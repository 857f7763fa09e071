from enum import Enum


class TraceabilityErrorCode(Enum):
    INVALID = "invalid"
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    UNIQUE = "unique"
    INVALID_LOT = "invalid_lot"
    INVALID_DATES = "invalid_dates"
    INVALID_QUANTITY = "invalid_quantity"
    WRONG_SELLER = "wrong_seller"
    INVALID_COUNT = "invalid_count"
    TOO_MANY_SERIALS = "too_many_serials"

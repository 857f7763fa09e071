from enum import Enum


class CheckoutErrorCode(Enum):
    INVALID = "invalid"
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    EMPTY = "empty"
    PRODUCT_UNAVAILABLE = "product_unavailable"
    INVALID_QUANTITY = "invalid_quantity"
    INSUFFICIENT_STOCK = "insufficient_stock"
    INVALID_PHONE = "invalid_phone"
    INVALID_EMAIL = "invalid_email"
    CONTACT_REQUIRED = "contact_required"
    DELIVERY_REQUIRED = "delivery_required"
    POINT_UNAVAILABLE = "point_unavailable"
    POINT_FULL = "point_full"
    NO_COLD_STORAGE = "no_cold_storage"
    ADDRESS_OUTSIDE_ZONES = "address_outside_zones"
    TOO_MANY_LINES = "too_many_lines"
    TOO_MANY_HOLDS = "too_many_holds"

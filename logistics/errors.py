from enum import Enum


class LogisticsErrorCode(Enum):
    INVALID = "invalid"
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    INVALID_DIVISION_CODE = "invalid_division_code"
    INVALID_LOCATION = "invalid_location"
    INVALID_OPENING_HOURS = "invalid_opening_hours"
    INVALID_PHONE = "invalid_phone"
    INVALID_CAPACITY = "invalid_capacity"

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
    TOO_MANY_IDS = "too_many_ids"
    INVALID_EVENT_TYPE = "invalid_event_type"
    INVALID_BIZ_STEP = "invalid_biz_step"
    INVALID_DISPOSITION = "invalid_disposition"
    INVALID_EVENT_TIME = "invalid_event_time"
    EVENT_IN_FUTURE = "event_in_future"
    BEFORE_COMMISSIONING = "before_commissioning"
    INVALID_SENSOR = "invalid_sensor"
    ALREADY_CORRECTED = "already_corrected"
    ALREADY_CLEARED = "already_cleared"

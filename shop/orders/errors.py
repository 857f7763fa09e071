from enum import Enum


class OrderErrorCode(Enum):
    INVALID = "invalid"
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    INVALID_STATUS = "invalid_status"
    NOT_CANCELLABLE = "not_cancellable"
    INVALID_ALLOCATION = "invalid_allocation"
    NOT_ALLOCATED = "not_allocated"
    INVALID_TRACKING_NUMBER = "invalid_tracking_number"

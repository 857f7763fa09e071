from enum import Enum


class PaymentErrorCode(Enum):
    INVALID = "invalid"
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    UNKNOWN_GATEWAY = "unknown_gateway"
    ALREADY_PAID = "already_paid"
    NOT_PAYABLE = "not_payable"
    PAYMENT_FAILED = "payment_failed"
    GATEWAY_UNAVAILABLE = "gateway_unavailable"
    WRONG_AMOUNT = "wrong_amount"
    NOTHING_TO_REFUND = "nothing_to_refund"
    REFUND_TOO_LARGE = "refund_too_large"

from enum import Enum


class AccountErrorCode(Enum):
    INVALID = "invalid"
    REQUIRED = "required"
    INVALID_PHONE = "invalid_phone"
    PASSWORD_TOO_WEAK = "password_too_weak"
    UNIQUE = "unique"
    INVALID_CREDENTIALS = "invalid_credentials"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    TEMPORARILY_UNAVAILABLE = "temporarily_unavailable"
    INVALID_TOKEN = "invalid_token"
    INVALID_CODE = "invalid_code"

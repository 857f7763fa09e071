from enum import Enum


class CatalogErrorCode(Enum):
    INVALID = "invalid"
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    UNIQUE = "unique"
    INVALID_GTIN = "invalid_gtin"
    INVALID_DIVISION_CODE = "invalid_division_code"
    INVALID_PRICE = "invalid_price"
    INVALID_STOCK = "invalid_stock"
    INSUFFICIENT_STOCK = "insufficient_stock"
    SELLER_NOT_VERIFIED = "seller_not_verified"
    ALREADY_VERIFIED = "already_verified"
    INVALID_IMAGE = "invalid_image"
    IMAGE_TOO_LARGE = "image_too_large"
    IN_USE = "in_use"

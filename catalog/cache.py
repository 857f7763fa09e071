"""The public-cache tags of the catalogue: what a response shows, and what a
write makes stale. Services bump them after commit (`shop.core.cache_tags`).

A list can come to show any product, so every list of products hangs on one
tag, bumped by any change a list can show (a product's fields, its variants'
prices, a sell-out, its seller, a category); a response about one product
hangs on that product, its seller and the categories, so a change to another
product leaves it cached. Stock that neither sells out nor comes back bumps
nothing (see `services.update_stock`).
"""

PRODUCT_LIST = "catalog:products"
SELLER_LIST = "catalog:sellers"
CATEGORIES = "catalog:categories"


def product_tag(product_id: int) -> str:
    """A product with its variants and pictures."""
    return f"catalog:product:{product_id}"


def seller_tag(seller_id: int) -> str:
    """A seller with its farms."""
    return f"catalog:seller:{seller_id}"


def shown_with_product(product_id: int, seller_id: int) -> tuple[str, ...]:
    """What a response about one product shows: it, its seller and farm, its category."""
    return product_tag(product_id), seller_tag(seller_id), CATEGORIES


def product_changed(product_id: int) -> tuple[str, ...]:
    return product_tag(product_id), PRODUCT_LIST


def seller_changed(seller_id: int) -> tuple[str, ...]:
    """A seller or one of its farms: shown in seller lists and beside its products."""
    return seller_tag(seller_id), SELLER_LIST, PRODUCT_LIST


def categories_changed() -> tuple[str, ...]:
    return CATEGORIES, PRODUCT_LIST

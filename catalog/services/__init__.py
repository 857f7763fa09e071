"""Every write to the catalogue, one module per aggregate: `sellers`, `farms`,
`categories`, `products` (with their variants and stock) and `images`.

Each function takes the acting user or the system (`actor=`) and typed
keyword arguments, and enforces the catalogue's policies itself, so the API,
the pages, the admin and tasks follow the same rules. An update changes only
the fields given (`shop.core.unset.UNSET` is "leave it"; None clears a field
that may be empty); an unknown field is a TypeError. Each function checks all
input first and reports every mistake at once (one DomainError, snake_case
field names, nothing written), writes inside one transaction, locks rows only
through `shop.core.db.lock_rows`, and after commit makes stale exactly the
cached public content that can show what changed (`catalog.cache`).

Callers use the package: `from catalog import services; services.update_stock(...)`.
"""

from catalog.services.categories import create_category, update_category
from catalog.services.farms import create_farm, update_farm
from catalog.services.images import (
    add_product_image,
    delete_product_image,
    thumbnails_made,
    update_product_image,
)
from catalog.services.products import (
    create_product,
    create_variant,
    delete_product,
    delete_variant,
    move_stock,
    update_product,
    update_stock,
    update_variant,
)
from catalog.services.sellers import create_seller, reject_seller, update_seller, verify_seller

__all__ = [
    "add_product_image",
    "create_category",
    "create_farm",
    "create_product",
    "create_seller",
    "create_variant",
    "delete_product",
    "delete_product_image",
    "delete_variant",
    "reject_seller",
    "thumbnails_made",
    "update_category",
    "update_farm",
    "update_product",
    "update_product_image",
    "update_seller",
    "move_stock",
    "update_stock",
    "update_variant",
    "verify_seller",
]

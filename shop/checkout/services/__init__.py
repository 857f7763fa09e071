"""Checkout's services, one module per concern; callers use the package:
`from shop.checkout import services; services.complete(...)`.

- `stock`: reservations and what is available;
- `carts`: lines, contact, delivery, merging a guest's cart at sign-in;
- `completion`: placing the order and starting its payment, once.
"""

from shop.checkout.services.carts import (
    add_lines,
    clean_contact,
    create_checkout,
    delete_lines,
    lines_of,
    merge_at_sign_in,
    open_checkout_of,
    set_contact,
    set_delivery,
    totals_of,
    update_lines,
)
from shop.checkout.services.completion import cancel_unpaid_orders, complete
from shop.checkout.services.stock import (
    MAX_LINES,
    available,
    clean_quantity,
    release_expired_reservations,
    reserved_by_others,
)

__all__ = [
    "MAX_LINES",
    "add_lines",
    "available",
    "cancel_unpaid_orders",
    "clean_contact",
    "clean_quantity",
    "complete",
    "create_checkout",
    "delete_lines",
    "lines_of",
    "merge_at_sign_in",
    "open_checkout_of",
    "release_expired_reservations",
    "reserved_by_others",
    "set_contact",
    "set_delivery",
    "totals_of",
    "update_lines",
]

"""Stock held by carts. Available = stock − the unexpired reservations of other
carts (an order's units left `stock_quantity` when it was placed, so they are
not counted again). Adding or changing a line locks its variants (after the
checkout and its lines, `shop.core.db.lock_rows`), checks availability under
the lock and (re)takes the line's reservation for `RESERVATION_MINUTES` (a
guest's cart for the shorter `RESERVATION_MINUTES_GUEST`)."""

import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import ProductVariant
from catalog.rules import MAX_STOCK
from shop.checkout.errors import CheckoutErrorCode as Code
from shop.checkout.models import Checkout, CheckoutLine, Reservation
from shop.core.db import lock_all, lock_rows
from shop.core.errors import DomainError
from shop.core.roles import SYSTEM, Actor, require
from shop.core.throttling import Limit, LimitsUnavailable

MAX_LINES = 50
logger = logging.getLogger(__name__)


def guest_holds() -> Limit:
    """Holds of carts that no one signed in owns, per client network and 10
    minutes: a script cannot keep a village's whole harvest held by ever new
    guest carts (`CHECKOUT_GUEST_HOLDS_PER_NETWORK`)."""
    return Limit("checkout-holds:network", settings.CHECKOUT_GUEST_HOLDS_PER_NETWORK, 600)


def hold_until(checkout: Checkout) -> Any:
    """A guest's cart holds stock for `RESERVATION_MINUTES_GUEST`, a buyer's for
    `RESERVATION_MINUTES` (as Saleor tells the two apart)."""
    minutes = (
        settings.RESERVATION_MINUTES if checkout.user_id else settings.RESERVATION_MINUTES_GUEST
    )
    return timezone.now() + timedelta(minutes=minutes)


def count_guest_hold(checkout: Checkout, network: str | None) -> None:
    """Count one hold taken by a guest's cart from `network`; refuse past the
    limit. When the counters are away, sales go on (a hold lasts minutes)."""
    if checkout.user_id is not None or network is None:
        return
    limit = guest_holds()
    try:
        reached = limit.reached(network)
    except LimitsUnavailable:
        logger.warning("checkout hold limits unavailable; holding anyway")
        return
    if reached:
        raise DomainError(
            Code.TOO_MANY_HOLDS,
            _("Too many carts from your network are holding stock; sign in or try later."),
            "lines",
        )
    limit.hit(network)


def clean_quantity(quantity: int, field: str = "quantity") -> int:
    if not isinstance(quantity, int) or not 0 < quantity <= MAX_STOCK:
        raise DomainError(Code.INVALID_QUANTITY, _("Choose a quantity of at least 1."), field)
    return quantity


def reserved_by_others(variant_ids: Iterable[int], checkout: Checkout | None) -> dict[int, int]:
    """Units of each variant that other carts hold now. One query."""
    held = Reservation.objects.filter(
        variant_id__in=set(variant_ids), expires_at__gt=timezone.now()
    )
    if checkout is not None and checkout.pk:
        held = held.exclude(line__checkout=checkout)
    rows = held.values("variant_id").annotate(units=Sum("quantity"))
    return {row["variant_id"]: row["units"] for row in rows}


def available(variant: ProductVariant, checkout: Checkout | None = None) -> int:
    """Units of `variant` a buyer can still put in `checkout` (a reading, unlocked)."""
    held = reserved_by_others([variant.pk], checkout).get(variant.pk, 0)
    return max(0, variant.stock_quantity - held)


BUYABLE = ProductVariant.objects.select_related("product", "seller")


def for_sale(variant: ProductVariant) -> bool:
    return variant.product.is_published and variant.seller.is_verified


def buyable(variant_ids: Iterable[int]) -> dict[int, ProductVariant]:
    """The published variants named, or PRODUCT_UNAVAILABLE."""
    ids = set(variant_ids)
    found = {v.pk: v for v in BUYABLE.filter(pk__in=ids) if for_sale(v)}
    if ids - found.keys():
        raise DomainError(
            Code.PRODUCT_UNAVAILABLE, _("A product in the cart is not for sale."), "lines"
        )
    return found


def reserve(checkout: Checkout, changes: Mapping[int, int], *, adding: bool = False) -> None:
    """Set the checkout's lines to `changes` (variant pk → units; 0 removes the
    line), or add `changes` to them, holding the stock for each. Called in a
    transaction with the checkout locked; a constant number of queries
    whatever the number of lines."""
    lines = {line.variant_id: line for line in lock_all(checkout.lines.all()).values()}
    wanted = dict(changes)
    if adding:
        wanted = {pk: n + (lines[pk].quantity if pk in lines else 0) for pk, n in changes.items()}
    changed = [pk for pk, n in wanted.items() if n]
    if len(lines.keys() | set(changed)) > MAX_LINES:
        raise DomainError(Code.TOO_MANY_LINES, _("At most 50 products in one cart."), "lines")
    variants = lock_rows(ProductVariant.objects.only("pk", "stock_quantity"), changed)
    held = reserved_by_others(changed, checkout)
    short = [pk for pk in changed if wanted[pk] > variants[pk].stock_quantity - held.get(pk, 0)]
    if short:
        raise DomainError(
            Code.INSUFFICIENT_STOCK,
            _("Only %(left)d left of a product you chose.")
            % {"left": max(0, variants[short[0]].stock_quantity - held.get(short[0], 0))},
            "lines",
        )
    gone = [lines[pk].pk for pk, n in wanted.items() if not n and pk in lines]
    if gone:
        CheckoutLine.objects.filter(pk__in=gone).delete()
    resized = [lines[pk] for pk in changed if pk in lines and lines[pk].quantity != wanted[pk]]
    for line in resized:
        line.quantity = wanted[line.variant_id]
    if resized:
        CheckoutLine.objects.bulk_update(resized, ["quantity"])
    added = CheckoutLine.objects.bulk_create(
        CheckoutLine(checkout=checkout, variant_id=pk, quantity=wanted[pk])
        for pk in changed
        if pk not in lines
    )
    kept = [lines[pk] for pk in changed if pk in lines]
    Reservation.objects.filter(line__in=kept).delete()
    expires = hold_until(checkout)
    Reservation.objects.bulk_create(
        Reservation(
            line=line,
            variant_id=line.variant_id,
            quantity=wanted[line.variant_id],
            expires_at=expires,
        )
        for line in [*kept, *added]
    )
    checkout.save(update_fields=["updated_at"])


def release_expired_reservations(*, actor: Actor) -> int:
    """Drop reservations past their time (they already count for nothing)."""
    require(actor, actor is SYSTEM, _("Only the platform itself may do this."))
    deleted, _by_model = Reservation.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted

"""The cart: its lines, contact and delivery, and merging a guest's cart into
a buyer's. A guest's cart is open to whoever holds its token; a buyer's to them."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from catalog.models import ProductVariant
from logistics.models import PickupPoint
from shop.accounts.selectors import parse_mainland_mobile
from shop.checkout import totals as money
from shop.checkout.errors import CheckoutErrorCode as Code
from shop.checkout.models import Checkout
from shop.checkout.policies import can_use_checkout
from shop.checkout.services.stock import (
    available,
    buyable,
    clean_quantity,
    count_guest_hold,
    reserve,
)
from shop.core.db import lock_rows
from shop.core.errors import Checks, DomainError, NotAllowed
from shop.core.roles import Actor, is_signed_in, require
from shop.orders.models import Order
from shop.orders.states import OrderStatus

NOT_YOURS = _("This cart belongs to someone else.")
# Orders at a point that still wait there or are on their way to it.
AT_POINT = (
    OrderStatus.UNPAID,
    OrderStatus.PAID,
    OrderStatus.PACKING,
    OrderStatus.SHIPPED,
    OrderStatus.READY_FOR_PICKUP,
)


def require_cart(actor: Actor, checkout: Checkout) -> None:
    """Like `require`, but a cart is open to visitors who are not signed in."""
    if not can_use_checkout(actor, checkout):
        raise NotAllowed(NOT_YOURS, signed_in=is_signed_in(actor))


def clean_contact(email: str, phone: str) -> tuple[str, str]:
    checks = Checks()
    email, phone = (email or "").strip(), (phone or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            checks.add(Code.INVALID_EMAIL, _("Enter a valid email address."), "email")
    if phone:
        parsed = parse_mainland_mobile(phone)
        if parsed is None:
            checks.add(
                Code.INVALID_PHONE, _("Enter a valid mainland China mobile number."), "phone"
            )
        phone = parsed or ""
    checks.done()
    return email.lower(), phone


def _wanted(actor: Actor, lines: Iterable[tuple[ProductVariant, int]]) -> dict[int, int]:
    wanted: dict[int, int] = {}
    for variant, quantity in lines:
        wanted[variant.pk] = wanted.get(variant.pk, 0) + clean_quantity(quantity, "lines")
    buyable(wanted)
    return wanted


def open_checkout_of(user: Any) -> Checkout | None:
    return Checkout.objects.filter(user=user, order__isnull=True).first()


def create_checkout(
    *,
    actor: Actor,
    lines: Iterable[tuple[ProductVariant, int]] = (),
    email: str = "",
    phone: str = "",
    language: str = "zh-hans",
    network: str | None = None,
) -> Checkout:
    """A new cart with `lines`; a signed-in buyer's lines join their one open cart.
    A guest's holds count against their client `network` (`count_guest_hold`)."""
    email, phone = clean_contact(email, phone)
    wanted = _wanted(actor, lines)
    with transaction.atomic():
        checkout = None
        if is_signed_in(actor):
            existing = open_checkout_of(actor)
            if existing is not None:
                checkout = lock_rows(Checkout, [existing.pk])[existing.pk]
        if checkout is None:
            checkout = Checkout.objects.create(
                user_id=actor.pk if is_signed_in(actor) else None,
                language=language,
                email=email,
                phone=phone,
            )
        elif email or phone:
            checkout.email = email or checkout.email
            checkout.phone = phone or checkout.phone
            checkout.save(update_fields=["email", "phone", "updated_at"])
        if wanted:
            count_guest_hold(checkout, network)
            reserve(checkout, wanted, adding=True)
    return checkout


def locked_cart(actor: Actor, checkout: Checkout) -> Checkout:
    require_cart(actor, checkout)
    locked = lock_rows(Checkout, [checkout.pk])[checkout.pk]
    if locked.order_id:
        raise DomainError(Code.INVALID, _("This cart has already been ordered."), "checkout")
    return locked


def add_lines(
    *,
    actor: Actor,
    checkout: Checkout,
    lines: Iterable[tuple[ProductVariant, int]],
    network: str | None = None,
) -> Checkout:
    wanted = _wanted(actor, lines)
    with transaction.atomic():
        locked = locked_cart(actor, checkout)
        count_guest_hold(locked, network)
        reserve(locked, wanted, adding=True)
    return locked


def update_lines(
    *,
    actor: Actor,
    checkout: Checkout,
    lines: Iterable[tuple[ProductVariant, int]],
    network: str | None = None,
) -> Checkout:
    """Set each variant's quantity; 0 removes the line."""
    wanted: dict[int, int] = {}
    for variant, quantity in lines:
        if quantity != 0:
            clean_quantity(quantity, "lines")
        wanted[variant.pk] = quantity
    buyable([pk for pk, n in wanted.items() if n])
    with transaction.atomic():
        locked = locked_cart(actor, checkout)
        if any(wanted.values()):
            count_guest_hold(locked, network)
        reserve(locked, wanted)
    return checkout


def delete_lines(
    *, actor: Actor, checkout: Checkout, variants: Iterable[ProductVariant]
) -> Checkout:
    with transaction.atomic():
        reserve(locked_cart(actor, checkout), {variant.pk: 0 for variant in variants})
    return checkout


def set_contact(*, actor: Actor, checkout: Checkout, email: str = "", phone: str = "") -> Checkout:
    email, phone = clean_contact(email, phone)
    with transaction.atomic():
        locked = locked_cart(actor, checkout)
        locked.email, locked.phone = email, phone
        locked.save(update_fields=["email", "phone", "updated_at"])
    return locked


def check_point(point: PickupPoint, cold_chain: bool) -> None:
    if not point.is_active:
        raise DomainError(Code.POINT_UNAVAILABLE, _("This pickup point is closed."), "pickup_point")
    if cold_chain and not point.cold_storage:
        raise DomainError(
            Code.NO_COLD_STORAGE,
            _("Your cart needs the cold chain; this pickup point has no cold storage."),
            "pickup_point",
        )
    waiting = Order.objects.filter(pickup_point=point, status__in=AT_POINT).count()
    if waiting >= point.parcel_capacity:
        raise DomainError(
            Code.POINT_FULL, _("This pickup point is full; choose another."), "pickup_point"
        )


def set_delivery(
    *,
    actor: Actor,
    checkout: Checkout,
    pickup_point: PickupPoint | None = None,
    recipient: str = "",
    address: str = "",
    division_code: str = "",
) -> Checkout:
    """Deliver to a pickup point, or to a home address in a zone."""
    with transaction.atomic():
        locked = locked_cart(actor, checkout)
        if pickup_point is not None:
            check_point(pickup_point, totals_of(locked).cold_chain)
            locked.pickup_point = pickup_point
            locked.recipient = locked.address = locked.division_code = ""
        else:
            checks = Checks()
            recipient, address = recipient.strip(), address.strip()
            if not recipient or len(recipient) > 60:
                checks.add(Code.REQUIRED, _("Give the recipient's name."), "recipient")
            if not address or len(address) > 255:
                checks.add(Code.REQUIRED, _("Give the street address."), "address")
            if money.zone_of("00", division_code) is None:
                checks.add(
                    Code.ADDRESS_OUTSIDE_ZONES,
                    _("We do not deliver to this area yet; choose a pickup point."),
                    "division_code",
                )
            checks.done()
            locked.pickup_point = None
            locked.recipient, locked.address, locked.division_code = (
                recipient,
                address,
                division_code,
            )
        locked.save()
    return locked


def lines_of(checkout: Checkout) -> list[tuple[ProductVariant, int]]:
    return [
        (line.variant, line.quantity)
        for line in checkout.lines.select_related("variant__product", "variant__seller")
    ]


def totals_of(
    checkout: Checkout, lines: Iterable[tuple[ProductVariant, int]] | None = None
) -> money.Totals:
    """The checkout's money; `lines` (variants with their sellers) when the
    caller has read them already."""
    return money.compute(
        lines_of(checkout) if lines is None else lines,
        to_pickup_point=checkout.pickup_point_id is not None,
        division_code=checkout.division_code,
    )


def merge_at_sign_in(*, actor: Actor, anonymous: Checkout) -> Checkout:
    """The anonymous cart joins the signed-in buyer's own (quantities added, as
    far as stock allows); the buyer's cart then follows them everywhere. A cart
    already someone's, or already ordered, is left as it is."""
    require(actor, True, NOT_YOURS)
    user = actor
    if anonymous.user_id is not None or anonymous.order_id:
        require_cart(actor, anonymous)
        return anonymous
    with transaction.atomic():
        own = open_checkout_of(user)
        if own is None:
            locked = lock_rows(Checkout, [anonymous.pk])[anonymous.pk]
            locked.user_id = user.pk
            locked.save(update_fields=["user", "updated_at"])
            return locked
        first, second = sorted([own.pk, anonymous.pk])
        both = lock_rows(Checkout, [first, second])
        target, source = both[own.pk], both[anonymous.pk]
        merged = {line.variant_id: line.quantity for line in target.lines.all()}
        for line in source.lines.all():
            merged[line.variant_id] = merged.get(line.variant_id, 0) + line.quantity
        source.delete()
        try:
            reserve(target, merged)
        except DomainError:
            reserve(target, {pk: min(n, _free(pk, target)) for pk, n in merged.items()})
    return target


def _free(variant_id: int, checkout: Checkout) -> int:
    variant = ProductVariant.objects.get(pk=variant_id)
    return available(variant, checkout)

"""The cart and its completion into an order. Stock never oversells:

- available = stock − the unexpired reservations of other carts (an order's
  units left `stock_quantity` when it was placed, so they are not counted again);
- adding or changing a line locks its variants (after the checkout and its
  lines, `shop.core.db.lock_rows`), checks availability and (re)takes the
  line's reservation for `RESERVATION_MINUTES`;
- completing locks the checkout, then its lines, then every variant in
  primary-key order, checks availability again (a reservation may have
  expired) and places the order in the same transaction. A checkout already
  completed returns its order: completing twice never makes two orders.
- The payment starts after that transaction commits: no provider is called
  while stock is locked.
"""

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import ProductVariant
from catalog.rules import MAX_STOCK
from logistics.models import PickupPoint
from shop.accounts.selectors import parse_mainland_mobile
from shop.checkout import totals as money
from shop.checkout.errors import CheckoutErrorCode as Code
from shop.checkout.models import Checkout, CheckoutLine, Reservation
from shop.checkout.policies import can_use_checkout
from shop.core.db import lock_rows
from shop.core.errors import Checks, DomainError, NotAllowed
from shop.core.roles import SYSTEM, Actor, is_signed_in, require
from shop.orders import services as orders
from shop.orders.models import Order
from shop.orders.states import OrderStatus
from shop.payments import gateways
from shop.payments import services as payments
from shop.payments.errors import PaymentErrorCode

MAX_LINES = 50
NOT_YOURS = _("This cart belongs to someone else.")
# Orders at a point that still wait there or are on their way to it.
AT_POINT = (
    OrderStatus.UNPAID,
    OrderStatus.PAID,
    OrderStatus.PACKING,
    OrderStatus.SHIPPED,
    OrderStatus.READY_FOR_PICKUP,
)


def _require(actor: Actor, checkout: Checkout) -> None:
    """Like `require`, but a cart is open to visitors who are not signed in."""
    if not can_use_checkout(actor, checkout):
        raise NotAllowed(NOT_YOURS, signed_in=is_signed_in(actor))


def _expiry() -> Any:
    return timezone.now() + timedelta(minutes=settings.RESERVATION_MINUTES)


def clean_quantity(quantity: int, field: str = "quantity") -> int:
    if not isinstance(quantity, int) or not 0 < quantity <= MAX_STOCK:
        raise DomainError(Code.INVALID_QUANTITY, _("Choose a quantity of at least 1."), field)
    return quantity


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


def _for_sale(variant: ProductVariant) -> bool:
    return variant.product.is_published and variant.seller.is_verified


def _buyable(variant_ids: Iterable[int]) -> dict[int, ProductVariant]:
    """The published variants named, or PRODUCT_UNAVAILABLE."""
    ids = set(variant_ids)
    found = {v.pk: v for v in BUYABLE.filter(pk__in=ids) if _for_sale(v)}
    if ids - found.keys():
        raise DomainError(
            Code.PRODUCT_UNAVAILABLE, _("A product in the cart is not for sale."), "lines"
        )
    return found


def _reserve(checkout: Checkout, wanted: Mapping[int, int]) -> None:
    """Set the checkout's lines to `wanted` (variant pk → units; 0 removes the
    line), holding the stock for each. Called in a transaction with the
    checkout locked."""
    lines = {line.variant_id: line for line in checkout.lines.select_for_update().order_by("pk")}
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
    CheckoutLine.objects.filter(pk__in=gone).delete()
    expires = _expiry()
    for pk in changed:
        line = lines.get(pk)
        if line is None:
            line = CheckoutLine.objects.create(
                checkout=checkout, variant_id=pk, quantity=wanted[pk]
            )
        elif line.quantity != wanted[pk]:
            line.quantity = wanted[pk]
            line.save(update_fields=["quantity"])
        Reservation.objects.update_or_create(
            line=line, defaults={"variant_id": pk, "quantity": wanted[pk], "expires_at": expires}
        )
    checkout.save(update_fields=["updated_at"])


def _wanted(actor: Actor, lines: Iterable[tuple[ProductVariant, int]]) -> dict[int, int]:
    wanted: dict[int, int] = {}
    for variant, quantity in lines:
        wanted[variant.pk] = wanted.get(variant.pk, 0) + clean_quantity(quantity, "lines")
    _buyable(wanted)
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
) -> Checkout:
    """A new cart with `lines`; a signed-in buyer's lines join their one open cart."""
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
                user_id=actor.pk if is_signed_in(actor) else None, language=language
            )
        if email or phone:
            checkout.email = email or checkout.email
            checkout.phone = phone or checkout.phone
            checkout.save(update_fields=["email", "phone", "updated_at"])
        if wanted:
            current = {line.variant_id: line.quantity for line in checkout.lines.all()}
            _reserve(checkout, {pk: current.get(pk, 0) + n for pk, n in wanted.items()})
    return checkout


def _locked(actor: Actor, checkout: Checkout) -> Checkout:
    _require(actor, checkout)
    locked = lock_rows(Checkout, [checkout.pk])[checkout.pk]
    if locked.order_id:
        raise DomainError(Code.INVALID, _("This cart has already been ordered."), "checkout")
    return locked


def add_lines(
    *, actor: Actor, checkout: Checkout, lines: Iterable[tuple[ProductVariant, int]]
) -> Checkout:
    wanted = _wanted(actor, lines)
    with transaction.atomic():
        locked = _locked(actor, checkout)
        current = {line.variant_id: line.quantity for line in locked.lines.all()}
        _reserve(locked, {pk: current.get(pk, 0) + n for pk, n in wanted.items()})
    return locked


def update_lines(
    *, actor: Actor, checkout: Checkout, lines: Iterable[tuple[ProductVariant, int]]
) -> Checkout:
    """Set each variant's quantity; 0 removes the line."""
    wanted: dict[int, int] = {}
    for variant, quantity in lines:
        if quantity != 0:
            clean_quantity(quantity, "lines")
        wanted[variant.pk] = quantity
    _buyable([pk for pk, n in wanted.items() if n])
    with transaction.atomic():
        _reserve(_locked(actor, checkout), wanted)
    return checkout


def delete_lines(
    *, actor: Actor, checkout: Checkout, variants: Iterable[ProductVariant]
) -> Checkout:
    with transaction.atomic():
        _reserve(_locked(actor, checkout), {variant.pk: 0 for variant in variants})
    return checkout


def set_contact(*, actor: Actor, checkout: Checkout, email: str = "", phone: str = "") -> Checkout:
    email, phone = clean_contact(email, phone)
    with transaction.atomic():
        locked = _locked(actor, checkout)
        locked.email, locked.phone = email, phone
        locked.save(update_fields=["email", "phone", "updated_at"])
    return locked


def _check_point(point: PickupPoint, cold_chain: bool) -> None:
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
        locked = _locked(actor, checkout)
        current = totals_of(locked)
        if pickup_point is not None:
            _check_point(pickup_point, current.cold_chain)
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


def totals_of(checkout: Checkout) -> money.Totals:
    return money.compute(
        lines_of(checkout),
        to_pickup_point=checkout.pickup_point_id is not None,
        division_code=checkout.division_code,
    )


def complete(
    *, actor: Actor, checkout: Checkout, gateway: str, scenario: str = ""
) -> tuple[Order, payments.Started | None]:
    """Place the order and start its payment; completing again returns the same order."""
    _require(actor, checkout)
    if gateways.get(gateway) is None:
        raise DomainError(
            PaymentErrorCode.UNKNOWN_GATEWAY, _("This payment method is not offered."), "gateway"
        )
    with transaction.atomic():
        with_order = Checkout.objects.select_related("user", "order")
        locked = lock_rows(with_order, [checkout.pk])[checkout.pk]
        # Completed before: the same order again, never a second one.
        order = locked.order if locked.order is not None else _place(locked, gateway)
    if order.gateway != gateway or order.status != OrderStatus.UNCONFIRMED:
        started = None
        if order.gateway == "cash" and not order.payments.exists():
            started = payments.pay(actor=SYSTEM, order=order, gateway="cash")
        return order, started
    return order, payments.pay(actor=SYSTEM, order=order, gateway=gateway, scenario=scenario)


def _place(locked: Checkout, gateway: str) -> Order:
    lines = list(locked.lines.select_for_update().order_by("pk"))
    if not lines:
        raise DomainError(Code.EMPTY, _("The cart is empty."), "lines")
    if not (locked.email or locked.phone or locked.user_id):
        raise DomainError(Code.CONTACT_REQUIRED, _("Give a mobile number or an email."), "phone")
    variants = lock_rows(BUYABLE, [line.variant_id for line in lines])
    if not all(_for_sale(variant) for variant in variants.values()):
        raise DomainError(
            Code.PRODUCT_UNAVAILABLE, _("A product in the cart is not for sale."), "lines"
        )
    held = reserved_by_others(variants, locked)
    for line in lines:
        if line.quantity > variants[line.variant_id].stock_quantity - held.get(line.variant_id, 0):
            raise DomainError(
                Code.INSUFFICIENT_STOCK, _("A product in the cart has sold out."), "lines"
            )
    placed = [orders.Placed(variants[line.variant_id], line.quantity) for line in lines]
    totals = money.compute(
        [(p.variant, p.quantity) for p in placed],
        to_pickup_point=locked.pickup_point_id is not None,
        division_code=locked.division_code,
    )
    if locked.pickup_point_id is None and not locked.division_code:
        raise DomainError(
            Code.DELIVERY_REQUIRED, _("Choose a pickup point or an address."), "delivery"
        )
    if gateway == "cash" and locked.pickup_point_id is None:
        raise DomainError(
            Code.DELIVERY_REQUIRED, _("Cash is paid when you collect at a pickup point."), "gateway"
        )
    if totals.outside_zones:
        raise DomainError(
            Code.ADDRESS_OUTSIDE_ZONES, _("We do not deliver to this area yet."), "division_code"
        )
    if locked.pickup_point is not None:
        _check_point(locked.pickup_point, totals.cold_chain)
    user = locked.user
    order = orders.place_order(
        actor=SYSTEM,
        checkout_token=locked.token,
        buyer=user,
        email=locked.email or (user.email if user else "") or "",
        phone=locked.phone or (str(user.phone) if user and user.phone else ""),
        language=locked.language,
        gateway=gateway,
        delivery=orders.Delivery(
            locked.pickup_point, locked.recipient, locked.address, locked.division_code
        ),
        lines=placed,
        shipping={s.seller_id: s.shipping for s in totals.sellers},
    )
    Reservation.objects.filter(line__checkout=locked).delete()
    locked.order = order
    locked.save(update_fields=["order", "updated_at"])
    return order


def merge_at_sign_in(*, actor: Actor, anonymous: Checkout) -> Checkout:
    """The anonymous cart joins the signed-in buyer's own (quantities added, as
    far as stock allows); the buyer's cart then follows them everywhere. A cart
    already someone's, or already ordered, is left as it is."""
    require(actor, True, NOT_YOURS)
    user = actor
    if anonymous.user_id is not None or anonymous.order_id:
        _require(actor, anonymous)
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
            _reserve(target, merged)
        except DomainError:
            _reserve(target, {pk: min(n, _free(pk, target)) for pk, n in merged.items()})
    return target


def _free(variant_id: int, checkout: Checkout) -> int:
    variant = ProductVariant.objects.get(pk=variant_id)
    return available(variant, checkout)


def release_expired_reservations(*, actor: Actor) -> int:
    """Drop reservations past their time (they already count for nothing)."""
    require(actor, actor is SYSTEM, _("Only the platform itself may do this."))
    deleted, _by_model = Reservation.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def cancel_unpaid_orders(*, actor: Actor) -> int:
    """Cancel orders whose online payment never succeeded, freeing their stock."""
    require(actor, actor is SYSTEM, _("Only the platform itself may do this."))
    cutoff = timezone.now() - timedelta(minutes=settings.UNPAID_ORDER_MINUTES)
    stale = Order.objects.filter(status=OrderStatus.UNCONFIRMED, created_at__lt=cutoff)
    count = 0
    for order in stale:
        try:
            payments.cancel(actor=SYSTEM, order=order, reason="unpaid")
            count += 1
        except DomainError:
            continue
    return count

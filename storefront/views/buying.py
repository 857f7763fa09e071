"""The cart and the checkout: add to cart, change lines, delivery and contact,
payment. They call the checkout's services as the visitor (signed in or not);
the money shown comes from `shop.checkout.services.totals_of`, never from here.

Adding to the cart from a product page: the product page is kept whole in the
public cache for anonymous visitors, so it cannot carry anyone's CSRF token.
Its form is therefore a GET to `/cart/add/?variant=…&quantity=…`, which
changes nothing and shows a small private confirmation page whose POST
button carries the token; only that POST writes. Every page here is private
(`never_cache`): a cart is someone's.
"""

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from catalog.models import ProductVariant
from catalog.selectors import visible_products
from logistics.models import PickupPoint
from logistics.selectors import usable_points
from shop.checkout import services as checkout_services
from shop.checkout.models import Checkout
from shop.core.errors import DomainError
from shop.core.throttling import client_network
from shop.payments import gateways
from storefront.cart import current_cart, forget_cart, remember_cart
from storefront.forms.buying import (
    HOME,
    PICKUP,
    AddToCartForm,
    CartLineForm,
    DeliveryForm,
    PaymentForm,
)

COUNTY_DIGITS = 6


def _variant(request: HttpRequest, pk: int) -> ProductVariant:
    """A variant of a product this visitor can see, else 404."""
    found = (
        ProductVariant.objects.filter(pk=pk, product__in=visible_products(request.user))
        .select_related("product", "seller")
        .first()
    )
    if found is None:
        raise Http404
    return found


def cart_groups(checkout: Checkout | None) -> tuple[list[dict[str, Any]], Any]:
    """The cart's lines per seller with each seller's totals, and the totals."""
    if checkout is None:
        return [], None
    totals = checkout_services.totals_of(checkout)
    lines = list(checkout.lines.select_related("variant__product", "variant__seller"))
    groups = []
    for seller_totals in totals.sellers:
        mine = [line for line in lines if line.variant.seller_id == seller_totals.seller_id]
        groups.append({"seller": mine[0].variant.seller, "lines": mine, "totals": seller_totals})
    return groups, totals


@never_cache
def cart_add(request: HttpRequest) -> HttpResponse:
    """GET: confirm what to add (writes nothing); POST: add it and show the cart."""
    form = AddToCartForm(request.POST if request.method == "POST" else request.GET)
    variant_pk = form.data.get("variant", "")
    if not str(variant_pk).isdigit():
        raise Http404
    variant = _variant(request, int(variant_pk))
    if form.is_valid() and request.method == "POST":
        lines = [(variant, form.cleaned_data["quantity"])]
        checkout = current_cart(request)
        try:
            network = client_network(request)
            if checkout is None:
                checkout = checkout_services.create_checkout(
                    actor=request.user, lines=lines, network=network
                )
            else:
                checkout_services.add_lines(
                    actor=request.user, checkout=checkout, lines=lines, network=network
                )
        except DomainError as exc:
            form.show_domain_error(exc)
        else:
            remember_cart(request, checkout)
            messages.success(request, _("Added to your cart."))
            return redirect("storefront:cart")
    status = 200 if form.is_valid() else 400
    context = {"form": form, "variant": variant, "product": variant.product}
    return render(request, "storefront/cart_add.html", context, status=status)


def _cart_page(
    request: HttpRequest, checkout: Checkout | None, errors: dict[int, list[str]], status: int
) -> HttpResponse:
    groups, totals = cart_groups(checkout)
    for group in groups:
        for line in group["lines"]:
            line.errors = errors.get(line.variant_id, [])
    context = {"groups": groups, "totals": totals}
    return render(request, "storefront/cart.html", context, status=status)


@never_cache
def cart(request: HttpRequest) -> HttpResponse:
    return _cart_page(request, current_cart(request), {}, 200)


@never_cache
@require_POST
def cart_update(request: HttpRequest) -> HttpResponse:
    """Change a line's quantity, or remove it (the remove button, or quantity 0)."""
    checkout = current_cart(request)
    form = CartLineForm(request.POST)
    if checkout is None:
        return redirect("storefront:cart")
    if form.is_valid():
        variant = ProductVariant.objects.filter(pk=form.cleaned_data["variant"]).first()
        if variant is None:
            raise Http404
        quantity = 0 if "remove" in request.POST else form.cleaned_data["quantity"]
        try:
            checkout_services.update_lines(
                actor=request.user,
                checkout=checkout,
                lines=[(variant, quantity)],
                network=client_network(request),
            )
        except DomainError as exc:
            form.show_domain_error(exc)
        else:
            messages.success(request, _("Your cart was updated."))
            return redirect("storefront:cart")
    variant_pk = form.data.get("variant", "")
    errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    key = int(variant_pk) if str(variant_pk).isdigit() else 0
    return _cart_page(request, checkout, {key: errors}, 400)


def _counties(points: QuerySet[PickupPoint]) -> list[tuple[str, str]]:
    """(6-digit county code, label) of the counties with open points; a county is
    named after its hub, else its first point."""
    names: dict[str, str] = {}
    counts: dict[str, int] = {}
    for code, name, kind in points.order_by("division_code", "name").values_list(
        "division_code", "name", "kind"
    ):
        county = code[:COUNTY_DIGITS]
        counts[county] = counts.get(county, 0) + 1
        if county not in names or kind == PickupPoint.Kind.COUNTY_HUB:
            names[county] = name
    return [
        (code, _("%(name)s and nearby (%(count)d points)") % {"name": names[code], "count": n})
        for code, n in counts.items()
    ]


def _open_cart(request: HttpRequest) -> Checkout:
    checkout = current_cart(request)
    if checkout is None or not checkout.lines.exists():
        raise EmptyCart
    return checkout


class EmptyCart(Exception):
    """The checkout's pages need something in the cart."""


def _delivery_initial(checkout: Checkout) -> dict[str, Any]:
    return {
        "phone": checkout.phone,
        "email": checkout.email,
        "delivery": HOME if checkout.division_code else PICKUP,
        "pickup_point": checkout.pickup_point_id,
        "recipient": checkout.recipient,
        "address": checkout.address,
        "division_code": checkout.division_code,
    }


@never_cache
def checkout(request: HttpRequest) -> HttpResponse:
    """Contact and delivery. Pickup points are listed for one county at a time
    (`?county=`, a plain GET form: no JavaScript needed)."""
    try:
        cart_checkout = _open_cart(request)
    except EmptyCart:
        messages.info(request, _("Your cart is empty."))
        return redirect("storefront:cart")
    everywhere = usable_points()
    counties = _counties(everywhere)
    chosen = request.GET.get("county", "")
    if chosen not in dict(counties):
        current = cart_checkout.pickup_point
        chosen = current.division_code[:COUNTY_DIGITS] if current else ""
        chosen = chosen if chosen in dict(counties) else (counties[0][0] if counties else "")
    points = everywhere.filter(division_code__startswith=chosen) if chosen else everywhere.none()
    form = DeliveryForm(
        request.POST if request.method == "POST" else None,
        initial=_delivery_initial(cart_checkout),
        points=points.order_by("name", "pk"),
        signed_in=request.user.is_authenticated,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["phone"] or data["email"] or not request.user.is_authenticated:
                checkout_services.set_contact(
                    actor=request.user,
                    checkout=cart_checkout,
                    phone=data["phone"],
                    email=data["email"],
                )
            if data["delivery"] == PICKUP:
                checkout_services.set_delivery(
                    actor=request.user, checkout=cart_checkout, pickup_point=data["pickup_point"]
                )
            else:
                checkout_services.set_delivery(
                    actor=request.user,
                    checkout=cart_checkout,
                    recipient=data["recipient"],
                    address=data["address"],
                    division_code=data["division_code"],
                )
        except DomainError as exc:
            form.show_domain_error(exc)
        else:
            return redirect("storefront:checkout_pay")
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "counties": counties, "county": chosen}
    return render(request, "storefront/checkout.html", context, status=status)


@never_cache
def checkout_pay(request: HttpRequest) -> HttpResponse:
    """The totals with shipping, the payment method, and "place the order"."""
    try:
        cart_checkout = _open_cart(request)
    except EmptyCart:
        messages.info(request, _("Your cart is empty."))
        return redirect("storefront:cart")
    if cart_checkout.pickup_point_id is None and not cart_checkout.division_code:
        return redirect("storefront:checkout")
    to_point = cart_checkout.pickup_point_id is not None
    form = PaymentForm(request.POST if request.method == "POST" else None, to_pickup_point=to_point)
    if request.method == "POST" and form.is_valid() and not form.submitted_before(request):
        try:
            order, started = checkout_services.complete(
                actor=request.user,
                checkout=cart_checkout,
                gateway=form.cleaned_data["gateway"],
                scenario=form.cleaned_data.get("scenario", ""),
            )
        except DomainError as exc:
            form.show_domain_error(exc)
        else:
            form.remember(request)
            forget_cart(request)
            messages.success(request, _("Your order was placed."))
            if started is not None and started.client_secret:
                return redirect("storefront:order_pay_stripe", token=order.token)
            return redirect("storefront:order", token=order.token)
    groups, totals = cart_groups(cart_checkout)
    context = {
        "form": form,
        "groups": groups,
        "totals": totals,
        "checkout": cart_checkout,
        "stripe_enabled": "stripe" in gateways.enabled(),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "storefront/checkout_pay.html", context, status=status)


urlpatterns = [
    path("cart/", cart, name="cart"),
    path("cart/add/", cart_add, name="cart_add"),
    path("cart/update/", cart_update, name="cart_update"),
    path("checkout/", checkout, name="checkout"),
    path("checkout/pay/", checkout_pay, name="checkout_pay"),
]

"""Paying an order with Stripe: card, Alipay or WeChat Pay through Stripe's
Payment Element, which only Stripe's own script may draw (js.stripe.com; the
one page that loads a script from another origin, as Stripe requires for card
data). Without JavaScript the page says so and offers the other ways to pay.

WeChat Pay through Stripe shows a QR code to scan with WeChat on another
phone: on a phone's browser, and inside WeChat, the page says so first.
"""

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache

from shop.core.errors import DomainError
from shop.core.roles import SYSTEM
from shop.orders.states import OrderStatus
from shop.payments import services as payments
from storefront.views.orders import order_for

# What Stripe.js needs, added to this page's Content-Security-Policy only.
STRIPE_POLICY = {
    "script-src": ["https://js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


def on_a_phone(request: HttpRequest) -> bool:
    agent = request.headers.get("User-Agent", "")
    return any(word in agent for word in ("Mobile", "Android", "iPhone", "MicroMessenger"))


@never_cache
def order_pay_stripe(request: HttpRequest, token: Any) -> HttpResponse:
    """The Payment Element for the order's PaymentIntent. Holding the order's
    link is the guest's proof, so the page asks as the platform; `pay` finds
    the same PaymentIntent again (its idempotency key) however often it loads.
    Stripe brings the buyer back here with `payment_intent`: the page then asks
    Stripe how it stands instead of waiting for the webhook."""
    order = order_for(request, token)
    if order.gateway != "stripe" or not settings.STRIPE_PUBLISHABLE_KEY:
        raise Http404
    last = order.payments.order_by("-pk").first()
    if "payment_intent" in request.GET and last is not None:
        payments.sync(payment=last)
        order.refresh_from_db()
    if order.status != OrderStatus.UNCONFIRMED:
        return redirect("storefront:order", token=order.token)
    try:
        started = payments.pay(actor=SYSTEM, order=order, gateway="stripe")
    except DomainError as exc:
        failed = {"order": order, "error": exc.errors[0].message}
        return render(request, "storefront/order_pay_stripe.html", failed, status=502)
    back = request.build_absolute_uri(reverse("storefront:order_pay_stripe", args=[order.token]))
    context: dict[str, Any] = {
        "order": order,
        "client_secret": started.client_secret,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "return_url": back,
        "on_a_phone": on_a_phone(request),
    }
    response = render(request, "storefront/order_pay_stripe.html", context)
    response._csp_update = STRIPE_POLICY  # type: ignore[attr-defined]  # django-csp reads it
    return response


urlpatterns = [
    path("orders/<uuid:token>/stripe/", order_pay_stripe, name="order_pay_stripe"),
]

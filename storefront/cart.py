"""Which cart a visitor has: a signed-in buyer's one open checkout (it follows
them on every device), or an anonymous visitor's, remembered by its token in
the session. At sign-in the anonymous cart joins the buyer's own."""

from typing import Any

from django.http import HttpRequest

from shop.checkout import services as checkout_services
from shop.checkout.models import Checkout

SESSION_KEY = "cart"


def current_cart(request: HttpRequest) -> Checkout | None:
    if request.user.is_authenticated:
        return checkout_services.open_checkout_of(request.user)
    token = request.session.get(SESSION_KEY)
    if not token:
        return None
    return Checkout.objects.filter(token=token, user=None, order=None).first()


def remember_cart(request: HttpRequest, checkout: Checkout) -> None:
    """Anonymous carts live in the session; a signed-in buyer's is found by its owner."""
    if not request.user.is_authenticated:
        request.session[SESSION_KEY] = str(checkout.token)


def forget_cart(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def anonymous_cart_token(request: HttpRequest) -> str | None:
    """Read before signing in: `login()` keeps the session's data, but read it first anyway."""
    token = request.session.get(SESSION_KEY)
    return str(token) if token else None


def merge_after_sign_in(request: HttpRequest, user: Any, token: str | None) -> None:
    """The cart chosen before signing in joins the buyer's own."""
    if not token:
        return
    anonymous = Checkout.objects.filter(token=token, user=None, order=None).first()
    if anonymous is not None:
        checkout_services.merge_at_sign_in(actor=user, anonymous=anonymous)
    forget_cart(request)

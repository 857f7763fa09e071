"""Who may use a checkout: whoever holds an anonymous one's token; a signed-in
buyer's own only to them."""

from shop.checkout.models import Checkout
from shop.core.roles import Actor, is_signed_in, is_system


def can_use_checkout(actor: Actor, checkout: Checkout) -> bool:
    if is_system(actor):
        return True
    if checkout.user_id is None:
        return True
    return is_signed_in(actor) and checkout.user_id == actor.pk

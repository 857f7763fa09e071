"""Who may change what in the catalogue: named rules on an actor, built on the
roles in `shop.core.roles`. Services enforce them; reads use the selectors."""

from catalog.models import Seller
from shop.core.roles import Actor, is_operator, is_signed_in


def can_register_seller(actor: Actor) -> bool:
    """Any signed-in user may register a seller, and becomes its first member."""
    return is_signed_in(actor)


def can_verify_sellers(actor: Actor) -> bool:
    return is_operator(actor)


def can_manage_seller(actor: Actor, seller: Seller) -> bool:
    """Seller members manage their own seller (products, farms, stock); operators
    manage every seller."""
    if not is_signed_in(actor):
        return False
    if is_operator(actor):
        return True
    return seller.members.filter(pk=actor.pk).exists()  # type: ignore[misc]


def can_manage_categories(actor: Actor) -> bool:
    return is_operator(actor)

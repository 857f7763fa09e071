"""Who may post to the ledger and read it."""

from catalog.models import Seller
from catalog.policies import can_manage_seller
from shop.core.roles import Actor, is_operator, is_system


def can_post(actor: Actor) -> bool:
    """Only the system posts, when the payments app records money moving."""
    return is_system(actor)


def can_view_earnings(actor: Actor, seller: Seller) -> bool:
    return is_operator(actor) or can_manage_seller(actor, seller)


def can_view_books(actor: Actor) -> bool:
    """Totals per seller, county and month: operators."""
    return is_operator(actor)

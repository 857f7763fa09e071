"""Who may change what in the catalogue: named rules on an actor, built on the
roles in `shop.core.roles`. Services enforce them; reads use the selectors.

The system actor (`SYSTEM`, work done on the platform's behalf) may do only
what a rule here names: change stock and record thumbnails. It manages no
seller: it never edits a seller's products, farms or details.
"""

from catalog.models import Seller
from shop.core.roles import Actor, is_operator, is_signed_in, is_system


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
    return seller.members.filter(pk=actor.pk).exists()


def can_change_stock(actor: Actor, seller: Seller) -> bool:
    """Those who manage the seller, and the system (checkout reserves and
    allocates stock on the platform's behalf)."""
    return is_system(actor) or can_manage_seller(actor, seller)


def can_move_stock_for_orders(actor: Actor) -> bool:
    """Only the system: checkout takes stock for orders, cancellations give it back."""
    return is_system(actor)


def can_record_thumbnails(actor: Actor) -> bool:
    """Only the system: the thumbnail task says which sizes it drew."""
    return is_system(actor)


def can_manage_categories(actor: Actor) -> bool:
    return is_operator(actor)

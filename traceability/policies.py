"""Who may record batches: the seller's members and operators, as for the rest
of what a seller sells (`catalog.policies.can_manage_seller`)."""

from catalog.models import Seller
from catalog.policies import can_manage_seller
from shop.core.roles import Actor, is_operator


def can_manage_batches(actor: Actor, seller: Seller) -> bool:
    """Create batches of the seller's variants, generate their serials, add photos."""
    return can_manage_seller(actor, seller)


def can_review_scans(actor: Actor) -> bool:
    """Open the queue of flagged serials and any batch's scans per region: operators."""
    return is_operator(actor)

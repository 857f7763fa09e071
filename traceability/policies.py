"""Who may record batches: the seller's members and operators, as for the rest
of what a seller sells (`catalog.policies.can_manage_seller`).

The system actor (`SYSTEM`: the background tasks, and the embedded default
doing their work where it is needed) renders label sheets, signs checkpoints
of the trace chains and records scans; no person does those directly. It
manages no seller's batches."""

from catalog.models import Seller
from catalog.policies import can_manage_seller
from shop.core.roles import Actor, is_operator, is_system


def can_manage_batches(actor: Actor, seller: Seller) -> bool:
    """Create batches of the seller's variants, generate their serials, add photos."""
    return can_manage_seller(actor, seller)


def can_review_scans(actor: Actor) -> bool:
    """Open the queue of flagged serials and any batch's scans per region: operators."""
    return is_operator(actor)


def can_review_trace_alerts(actor: Actor) -> bool:
    """Read what the trace log's signer refused and what its audit found: operators."""
    return is_operator(actor)


def can_render_labels(actor: Actor) -> bool:
    """Draw a label job someone was allowed to order (`can_manage_batches`): the system."""
    return is_system(actor)


def can_sign_checkpoints(actor: Actor) -> bool:
    """Sign the heads of the trace chains with the platform's key: the system."""
    return is_system(actor)


def can_record_scans(actor: Actor) -> bool:
    """Insert the buffered scans and flag the serials they show: the system."""
    return is_system(actor)


def can_pack_batches(actor: Actor) -> bool:
    """Count units packed from batches for orders: the system."""
    return is_system(actor)


def can_recall_batch(actor: Actor, seller: Seller) -> bool:
    """Recall a batch: those who manage its seller, and operators."""
    return is_operator(actor) or can_manage_seller(actor, seller)

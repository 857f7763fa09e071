"""Who may change the network of pickup points: named rules on an actor, built
on the roles in `shop.core.roles`. The system actor manages no point."""

from shop.core.roles import Actor, is_operator


def can_manage_points(actor: Actor) -> bool:
    """Operators open, correct, staff and close pickup points."""
    return is_operator(actor)

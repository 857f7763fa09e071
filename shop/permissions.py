"""Who the actor is: the roles, and the one way a policy refuses.

Roles: anonymous, customer (any signed-in user), seller member, station
staff and operator (staff users). Each app's `policies` module builds its
named rules (`can_manage_seller(actor, seller)`, …) on these; services call
`require(...)` with them, so the API, the pages, the admin and tasks enforce
the same rules.
"""

from enum import Enum
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _

from shop.errors import Message, NotAllowed

Actor = AbstractBaseUser | AnonymousUser


class Role(Enum):
    CUSTOMER = "customer"
    SELLER = "seller"
    STATION_STAFF = "station_staff"
    OPERATOR = "operator"


def is_signed_in(actor: Actor) -> bool:
    return bool(actor.is_authenticated and actor.is_active)


def is_operator(actor: Actor) -> bool:
    return bool(is_signed_in(actor) and getattr(actor, "is_staff", False))


def roles_of(actor: Actor) -> list[Role]:
    if not is_signed_in(actor):
        return []
    user: Any = actor  # the apps' memberships are reverse relations of the user model
    roles = [Role.CUSTOMER]
    if user.sellers.exists():
        roles.append(Role.SELLER)
    if user.pickup_points.exists():
        roles.append(Role.STATION_STAFF)
    if is_operator(actor):
        roles.append(Role.OPERATOR)
    return roles


def require(actor: Actor, allowed: bool, message: Message) -> None:
    """Refuse unless `allowed`: UNAUTHENTICATED for nobody signed in, else PERMISSION_DENIED."""
    if not is_signed_in(actor):
        raise NotAllowed(_("You need to sign in to do this."), signed_in=False)
    if not allowed:
        raise NotAllowed(message, signed_in=True)


def require_login(actor: Actor) -> Actor:
    require(actor, True, "")
    return actor


def require_operator(actor: Actor) -> Actor:
    require(actor, is_operator(actor), _("Only platform operators may do this."))
    return actor

"""Who the actor is: the roles, the system actor, and the one way a policy refuses.

Roles: anonymous, customer (any signed-in user), seller member, station
staff and operator (staff users). The plumbing names no app: each app
registers what makes a user one of its roles (`register_role`, from its
AppConfig.ready). Each app's `policies` module builds its named rules
(`can_manage_seller(actor, seller)`, …) on these; services call
`require(...)` with them, so the API, the pages, the admin and tasks enforce
the same rules.

Work done on the platform's own behalf (a task drawing thumbnails or label
sheets, checkout reserving stock, a nightly job) acts as `SYSTEM`, which is
no user and no role: each policy says by name what the system may do.
"""

from collections.abc import Callable
from enum import Enum
from typing import Any, Final

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _

from shop.core.errors import Message, NotAllowed


class SystemActor:
    """The platform itself. Never a signed-in person: `is_operator` is false
    for it and it holds no role; only the policies that name it let it act."""

    is_authenticated: Final = True
    is_active: Final = True
    is_staff: Final = False
    pk: Final = None

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = SystemActor()
# Why a person is refused what only the system does (drawing label sheets, signing).
PLATFORM_ONLY: Final = _("Only the platform itself may do this.")

Actor = AbstractBaseUser | AnonymousUser | SystemActor


class Role(Enum):
    CUSTOMER = "customer"
    SELLER = "seller"
    STATION_STAFF = "station_staff"
    OPERATOR = "operator"


_ROLE_HOLDERS: dict[Role, Callable[[Any], bool]] = {}


def register_role(role: Role, holds: Callable[[Any], bool]) -> None:
    """Say what makes a signed-in user `role` (the app that owns the membership knows)."""
    _ROLE_HOLDERS[role] = holds


def is_system(actor: object) -> bool:
    return actor is SYSTEM


def is_signed_in(actor: Actor) -> bool:
    return not is_system(actor) and bool(actor.is_authenticated and actor.is_active)


def is_operator(actor: Actor) -> bool:
    return bool(is_signed_in(actor) and getattr(actor, "is_staff", False))


def roles_of(actor: Actor) -> list[Role]:
    if not is_signed_in(actor):
        return []
    roles = [Role.CUSTOMER]
    roles += [role for role, holds in _ROLE_HOLDERS.items() if holds(actor)]
    if is_operator(actor):
        roles.append(Role.OPERATOR)
    return sorted(roles, key=list(Role).index)


def require(actor: Actor, allowed: bool, message: Message) -> None:
    """Refuse unless `allowed`: UNAUTHENTICATED for nobody signed in, else PERMISSION_DENIED.

    The system actor passes exactly where a policy allowed it."""
    if is_system(actor):
        if not allowed:
            raise NotAllowed(message, signed_in=True)
        return
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

"""Who may do what: the one place where roles are decided.

Roles: anonymous, customer (any signed-in user), seller member, station
staff and operator (staff users). Resolvers call these once per request.
"""

from enum import Enum

from django.utils.translation import gettext_lazy as _

from shop.errors import RequestError
from shop.errors import RequestErrorCode as Code


class Role(Enum):
    CUSTOMER = "customer"
    SELLER = "seller"
    STATION_STAFF = "station_staff"
    OPERATOR = "operator"


def is_operator(user):
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def roles_of(user):
    if not user.is_authenticated:
        return []
    roles = [Role.CUSTOMER]
    if user.sellers.exists():
        roles.append(Role.SELLER)
    if user.pickup_points.exists():
        roles.append(Role.STATION_STAFF)
    if is_operator(user):
        roles.append(Role.OPERATOR)
    return roles


def require_login(user):
    if not user.is_authenticated:
        raise RequestError(Code.UNAUTHENTICATED, _("You need to sign in to do this."))
    return user


def require_operator(user):
    require_login(user)
    if not is_operator(user):
        raise RequestError(Code.PERMISSION_DENIED, _("Only platform operators may do this."))
    return user


def can_manage_seller(user, seller):
    """Seller members manage their own seller; operators manage every seller."""
    if not user.is_authenticated:
        return False
    if is_operator(user):
        return True
    return seller.members.filter(pk=user.pk).exists()


def require_seller_manager(user, seller):
    require_login(user)
    if not can_manage_seller(user, seller):
        raise RequestError(Code.PERMISSION_DENIED, _("You do not manage this seller."))
    return user

"""Reading a cart: by its token, or a signed-in buyer's own (`me { checkout }`)."""

from typing import Any

import graphene

from shop.accounts import models as accounts_models
from shop.accounts.schema import User
from shop.checkout import services
from shop.checkout.models import Checkout as CheckoutModel
from shop.checkout.policies import can_use_checkout
from shop.checkout.schema.types import Checkout
from shop.core.api import public_cache
from shop.core.api.base import (
    UUID,
    extend_type,
)
from shop.core.roles import is_signed_in


class CheckoutQueries(graphene.ObjectType):
    checkout = graphene.Field(
        Checkout, token=UUID(required=True), description="A cart you may use."
    )

    @staticmethod
    def resolve_checkout(root: Any, info: graphene.ResolveInfo, token: Any) -> Any:
        public_cache.skip(info.context)
        found = CheckoutModel.objects.filter(token=token).first()
        if found is None or not can_use_checkout(info.context.user, found):
            return None
        return found


class UserCheckout:
    """A signed-in buyer's open cart, on accounts' User type (`me { checkout }`)."""

    checkout = graphene.Field(Checkout)

    @staticmethod
    def resolve_checkout(root: accounts_models.User, info: graphene.ResolveInfo) -> Any:
        return services.open_checkout_of(root) if is_signed_in(root) else None


extend_type(User, UserCheckout)

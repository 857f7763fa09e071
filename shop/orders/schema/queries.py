"""Reading orders: one's own, by a guest's link, a seller's, and every order for operators."""

from typing import Any

import graphene
from django.utils.translation import gettext_lazy as _

from catalog.models import Seller
from shop.accounts import models as accounts_models
from shop.accounts.schema import User
from shop.core.api import public_cache
from shop.core.api.base import UUID, extend_type, node_from_global_id, pk_from_global_id
from shop.core.api.pagination import KeysetConnectionField, keyset_page
from shop.core.roles import require
from shop.orders import models, selectors
from shop.orders.policies import can_handle_fulfilment
from shop.orders.schema.types import (
    FulfilmentConnection,
    Order,
    OrderConnection,
    OrderStatusEnum,
)


def _status(status: Any) -> str | None:
    return getattr(status, "value", status) or None


class OrderQueries(graphene.ObjectType):
    order = graphene.Field(
        Order,
        id=graphene.ID(required=True),
        description="An order you bought, one of your sellers is in, or any (operators).",
    )
    order_by_token = graphene.Field(
        Order,
        token=UUID(required=True),
        description="An order through its unguessable link (a guest's order).",
    )
    seller_orders = KeysetConnectionField(
        FulfilmentConnection,
        seller=graphene.ID(description="One seller you manage; without it, all of them."),
        status=OrderStatusEnum(),
        description="Sellers' parts of orders (their fulfilments), newest first: the "
        "seller's members, and operators (every seller's without `seller`).",
    )
    orders = KeysetConnectionField(
        OrderConnection,
        status=OrderStatusEnum(),
        description="The orders you may see, newest first: every order for operators.",
    )

    @staticmethod
    def resolve_order(root: Any, info: graphene.ResolveInfo, id: str) -> models.Order | None:
        pk = pk_from_global_id(id, "Order")
        return selectors.visible_orders(info.context.user).filter(pk=pk).first()

    @staticmethod
    def resolve_order_by_token(
        root: Any, info: graphene.ResolveInfo, token: Any
    ) -> models.Order | None:
        public_cache.skip(info.context)
        order = selectors.order_by_token(token)
        if order is not None:
            order.reached_by_token = True  # type: ignore[attr-defined]
        return order

    @staticmethod
    def resolve_seller_orders(
        root: Any,
        info: graphene.ResolveInfo,
        first: int | None = None,
        after: str | None = None,
        seller: str | None = None,
        status: Any = None,
        **other: Any,
    ) -> FulfilmentConnection:
        actor = info.context.user
        found = None
        if seller is not None:
            found = node_from_global_id(seller, "Seller", Seller)
            require(actor, can_handle_fulfilment(actor, found), _("You do not manage this seller."))
        queryset = selectors.fulfilments_handled_by(actor, found, _status(status))
        return keyset_page(
            FulfilmentConnection, queryset, keys=["id"], first=first, after=after, descending=True
        )

    @staticmethod
    def resolve_orders(
        root: Any,
        info: graphene.ResolveInfo,
        first: int | None = None,
        after: str | None = None,
        status: Any = None,
        **other: Any,
    ) -> OrderConnection:
        queryset = selectors.visible_orders(info.context.user)
        if _status(status):
            queryset = queryset.filter(status=_status(status))
        return keyset_page(
            OrderConnection, queryset, keys=["id"], first=first, after=after, descending=True
        )


class UserOrders:
    """A buyer's orders, on accounts' User type (`me { orders }`), newest first."""

    orders = KeysetConnectionField(OrderConnection)

    @staticmethod
    def resolve_orders(
        root: accounts_models.User,
        info: graphene.ResolveInfo,
        first: int | None = None,
        after: str | None = None,
        **other: Any,
    ) -> OrderConnection:
        return keyset_page(
            OrderConnection,
            selectors.orders_of_buyer(root),
            keys=["id"],
            first=first,
            after=after,
            descending=True,
        )


extend_type(User, UserOrders)

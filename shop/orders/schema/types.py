"""Orders as the API shows them: to their buyer, their sellers' members and operators."""

from collections.abc import Iterable
from typing import Any, cast

import graphene
from graphene import relay

from catalog.schema.types import ProductVariant, Seller
from logistics.schema.types import PickupPoint
from shop.core.api.base import UUID, Money, VisibleNode, money
from shop.core.api.pagination import CountableConnection
from shop.core.loading import related_many, related_one
from shop.core.roles import is_operator, is_signed_in
from shop.orders import models, selectors
from shop.orders.errors import OrderErrorCode
from shop.orders.states import FulfilmentStatus, OrderStatus
from traceability.schema.types import Batch

OrderErrorCodeEnum = graphene.Enum.from_enum(OrderErrorCode, name="OrderErrorCode")
OrderStatusEnum = graphene.Enum.from_enum(OrderStatus, name="OrderStatus")
FulfilmentStatusEnum = graphene.Enum.from_enum(FulfilmentStatus, name="FulfilmentStatus")
OrderEventKindEnum = graphene.Enum.from_enum(models.OrderEvent.Kind, name="OrderEventKind")


class Allocation(graphene.ObjectType):
    """How many units of a line come from one batch (lot)."""

    lot = graphene.String(required=True)
    quantity = graphene.Int(required=True)
    batch = graphene.Field(Batch, description="The batch itself: its seller's members only.")

    @staticmethod
    def resolve_lot(root: models.Allocation, info: graphene.ResolveInfo) -> str:
        return str(related_one(root, "batch").lot)

    @staticmethod
    def resolve_batch(root: models.Allocation, info: graphene.ResolveInfo) -> Any:
        batch = related_one(root, "batch")
        user = info.context.user
        if is_operator(user):
            return batch
        return batch if batch.seller_id in _managed_sellers(info) else None


def _managed_sellers(info: graphene.ResolveInfo) -> set[int]:
    """The sellers the viewer is a member of, read once per request: they see
    their batches (`traceability.selectors.visible_batches`)."""
    mine = getattr(info.context, "member_of_sellers", None)
    if mine is None:
        user = info.context.user
        mine = set(user.sellers.values_list("pk", flat=True)) if is_signed_in(user) else set()
        info.context.member_of_sellers = mine
    return cast(set[int], mine)


class OrderLine(VisibleNode):
    """A variant bought, with the name, SKU and price the buyer saw."""

    unit_price = graphene.Field(Money, required=True)
    total = graphene.Field(Money, required=True)
    variant = graphene.Field(ProductVariant, description="Null once the variant is deleted.")
    seller = graphene.Field(Seller, required=True)
    allocations = graphene.List(graphene.NonNull(Allocation), required=True)

    class Meta:
        model = models.OrderLine
        interfaces = (relay.Node,)
        fields = ("id", "product_name", "variant_name", "sku", "quantity", "quantity_refunded")

    visible_to = staticmethod(selectors.visible_lines)

    @staticmethod
    def cache_tags(found: Any) -> Iterable[str]:
        return ()

    @staticmethod
    def resolve_unit_price(root: models.OrderLine, info: graphene.ResolveInfo) -> Money:
        return money(root.unit_price)

    @staticmethod
    def resolve_total(root: models.OrderLine, info: graphene.ResolveInfo) -> Money:
        return money(root.total)

    @staticmethod
    def resolve_variant(root: models.OrderLine, info: graphene.ResolveInfo) -> Any:
        return related_one(root, "variant")

    @staticmethod
    def resolve_seller(root: models.OrderLine, info: graphene.ResolveInfo) -> Any:
        return related_one(root, "seller")

    @staticmethod
    def resolve_allocations(root: models.OrderLine, info: graphene.ResolveInfo) -> Any:
        return related_many(root, "allocations")


class Fulfilment(VisibleNode):
    """What one seller sends for an order."""

    status = FulfilmentStatusEnum(required=True)
    seller = graphene.Field(Seller, required=True)
    order = graphene.Field(lambda: Order, required=True)
    lines = graphene.List(graphene.NonNull(OrderLine), required=True)
    subtotal = graphene.Field(Money, required=True)
    shipping = graphene.Field(Money, required=True)

    class Meta:
        model = models.Fulfilment
        interfaces = (relay.Node,)
        fields = ("id", "tracking_number")

    visible_to = staticmethod(selectors.visible_fulfilments)

    @staticmethod
    def cache_tags(found: Any) -> Iterable[str]:
        return ()

    @staticmethod
    def resolve_seller(root: models.Fulfilment, info: graphene.ResolveInfo) -> Any:
        return related_one(root, "seller")

    @staticmethod
    def resolve_order(root: models.Fulfilment, info: graphene.ResolveInfo) -> Any:
        return related_one(root, "order")

    @staticmethod
    def resolve_lines(root: models.Fulfilment, info: graphene.ResolveInfo) -> Any:
        return related_many(root, "lines")

    @staticmethod
    def resolve_subtotal(root: models.Fulfilment, info: graphene.ResolveInfo) -> Money:
        return money(root.subtotal)

    @staticmethod
    def resolve_shipping(root: models.Fulfilment, info: graphene.ResolveInfo) -> Money:
        return money(root.shipping)


class OrderEvent(graphene.ObjectType):
    kind = OrderEventKindEnum(required=True)
    at = graphene.DateTime(required=True)
    data = graphene.JSONString(required=True, description="The event's details.")

    @staticmethod
    def resolve_at(root: models.OrderEvent, info: graphene.ResolveInfo) -> Any:
        return root.created_at


class Order(VisibleNode):
    """One checkout's order: a fulfilment per seller, each line allocated to batches."""

    number = graphene.Int(required=True, description="What the buyer and sellers quote.")
    token = UUID(description="The guest's link to the order: its buyer only.")
    status = OrderStatusEnum(required=True)
    subtotal = graphene.Field(Money, required=True)
    shipping = graphene.Field(Money, required=True)
    total = graphene.Field(Money, required=True)
    amount_paid = graphene.Field(Money, required=True)
    amount_refunded = graphene.Field(Money, required=True)
    pickup_point = graphene.Field(PickupPoint)
    lines = graphene.List(graphene.NonNull(OrderLine), required=True)
    fulfilments = graphene.List(graphene.NonNull(Fulfilment), required=True)
    events = graphene.List(graphene.NonNull(OrderEvent), required=True)

    class Meta:
        model = models.Order
        interfaces = (relay.Node,)
        fields = (
            "id",
            "gateway",
            "recipient",
            "address",
            "division_code",
            "created_at",
            "updated_at",
        )

    visible_to = staticmethod(selectors.visible_orders)

    @staticmethod
    def cache_tags(found: Any) -> Iterable[str]:
        return ()

    @staticmethod
    def resolve_number(root: models.Order, info: graphene.ResolveInfo) -> int:
        return root.pk

    @staticmethod
    def resolve_token(root: models.Order, info: graphene.ResolveInfo) -> Any:
        """Shown to whoever reached the order by it, and to its signed-in buyer."""
        user = info.context.user
        if getattr(root, "reached_by_token", False):
            return root.token
        if is_signed_in(user) and root.buyer_id == user.pk:
            return root.token
        return None

    @staticmethod
    def resolve_subtotal(root: models.Order, info: graphene.ResolveInfo) -> Money:
        return money(root.subtotal)

    @staticmethod
    def resolve_shipping(root: models.Order, info: graphene.ResolveInfo) -> Money:
        return money(root.shipping)

    @staticmethod
    def resolve_total(root: models.Order, info: graphene.ResolveInfo) -> Money:
        return money(root.total)

    @staticmethod
    def resolve_amount_paid(root: models.Order, info: graphene.ResolveInfo) -> Money:
        return money(root.amount_paid)

    @staticmethod
    def resolve_amount_refunded(root: models.Order, info: graphene.ResolveInfo) -> Money:
        return money(root.amount_refunded)

    @staticmethod
    def resolve_pickup_point(root: models.Order, info: graphene.ResolveInfo) -> Any:
        return related_one(root, "pickup_point")

    @staticmethod
    def resolve_lines(root: models.Order, info: graphene.ResolveInfo) -> Any:
        return related_many(root, "lines")

    @staticmethod
    def resolve_fulfilments(root: models.Order, info: graphene.ResolveInfo) -> Any:
        return related_many(root, "fulfilments")

    @staticmethod
    def resolve_events(root: models.Order, info: graphene.ResolveInfo) -> Any:
        return related_many(root, "events")


class OrderConnection(CountableConnection):
    class Meta:
        node = Order


class FulfilmentConnection(CountableConnection):
    class Meta:
        node = Fulfilment

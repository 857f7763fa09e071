"""Sellers' work on orders (pack, ship, hand to a station, choose batches) and
recalls: find what is named among what the viewer may see, call
shop.orders.services as the signed-in user."""

from typing import Any, Self, TypeVar

import graphene
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from shop.core.api.base import DomainMutation, error_type, errors_field, pk_from_global_id
from shop.core.api.ids import mutation_target, referenced_list
from shop.core.errors import DomainError, RequestError
from shop.core.errors import RequestErrorCode as Code
from shop.core.roles import require_login
from shop.orders import selectors, services
from shop.orders.errors import OrderErrorCode
from shop.orders.schema.types import Fulfilment, Order, OrderErrorCodeEnum, OrderLine
from shop.orders.states import FulfilmentStatus
from traceability.errors import TraceabilityErrorCode
from traceability.models import Batch
from traceability.schema.types import Batch as BatchType

M = TypeVar("M", bound=Model)
MAX_ALLOCATIONS = 20


def visible_target(info: Any, global_id: str, type_name: str, queryset: QuerySet[M]) -> M:
    """The object a mutation acts on, among those the viewer may see: an ID of
    someone else's order is NOT_FOUND, exactly as one that does not exist."""
    require_login(info.context.user)
    found = queryset.filter(pk=pk_from_global_id(global_id, type_name)).first()
    if found is None:
        raise RequestError(Code.NOT_FOUND, _("No %s has this ID.") % type_name)
    return found


def order_target(info: Any, global_id: str) -> Any:
    return visible_target(info, global_id, "Order", selectors.visible_orders(info.context.user))


class FulfilmentStep(graphene.Enum):
    """Where a seller moves their part of an order."""

    PACKING = FulfilmentStatus.PACKING.value
    SHIPPED = FulfilmentStatus.SHIPPED.value
    AT_STATION = FulfilmentStatus.AT_STATION.value


class FulfilmentUpdate(DomainMutation):
    """Pack (every unit allocated first), ship with a tracking number, or hand the
    parcel to the order's pickup point: the seller's managers and operators."""

    class Arguments:
        id = graphene.ID(required=True)
        status = FulfilmentStep(required=True)
        tracking_number = graphene.String()

    fulfilment = graphene.Field(Fulfilment)
    order = graphene.Field(Order)
    errors = errors_field(error_type("FulfilmentUpdateError", OrderErrorCodeEnum))

    @classmethod
    def perform(
        cls,
        root: Any,
        info: graphene.ResolveInfo,
        id: str,
        status: Any,
        tracking_number: str | None = None,
    ) -> Self:
        actor = info.context.user
        fulfilment = visible_target(
            info, id, "Fulfilment", selectors.visible_fulfilments(actor).select_related("seller")
        )
        updated = services.update_fulfilment(
            actor=actor,
            fulfilment=fulfilment,
            status=getattr(status, "value", status),
            tracking_number=tracking_number or "",
        )
        return cls(fulfilment=updated, order=updated.order, errors=[])


class AllocationInput(graphene.InputObjectType):
    batch_id = graphene.ID(required=True)
    quantity = graphene.Int(required=True)


class OrderLineAllocate(DomainMutation):
    """Choose the batches a line's units come from, before packing: the seller's managers."""

    class Arguments:
        line_id = graphene.ID(required=True)
        allocations = graphene.List(graphene.NonNull(AllocationInput), required=True)

    line = graphene.Field(OrderLine)
    errors = errors_field(error_type("OrderLineAllocateError", OrderErrorCodeEnum))

    @classmethod
    def perform(
        cls, root: Any, info: graphene.ResolveInfo, line_id: str, allocations: list[Any]
    ) -> Self:
        actor = info.context.user
        line = visible_target(
            info,
            line_id,
            "OrderLine",
            selectors.visible_lines(actor).select_related("seller", "variant", "order"),
        )
        batches = referenced_list(
            [each["batch_id"] for each in allocations],
            "Batch",
            Batch,
            field="allocations",
            not_found=OrderErrorCode.NOT_FOUND,
            too_many=OrderErrorCode.INVALID_ALLOCATION,
            limit=MAX_ALLOCATIONS,
        )
        if len({batch.pk for batch in batches}) != len(batches):
            raise DomainError(
                OrderErrorCode.INVALID_ALLOCATION, _("Name each batch once."), "allocations"
            )
        chosen = {batch: each["quantity"] for batch, each in zip(batches, allocations, strict=True)}
        services.set_allocations(actor=actor, line=line, allocations=chosen)
        return cls(line=line, errors=[])


class BatchRecall(DomainMutation):
    """Withdraw a batch for safety and tell the buyer of every order with units from it."""

    class Arguments:
        batch_id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    batch = graphene.Field(BatchType)
    affected_orders = graphene.Int(description="How many orders had units of the batch.")
    errors = errors_field(error_type("BatchRecallError", TraceabilityErrorCode, OrderErrorCode))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, batch_id: str, reason: str) -> Self:
        batch = mutation_target(info, batch_id, "Batch", Batch)
        affected = services.recall(actor=info.context.user, batch=batch, reason=reason)
        return cls(batch=batch, affected_orders=len(affected), errors=[])


class OrderMutations(graphene.ObjectType):
    fulfilment_update = FulfilmentUpdate.Field()
    order_line_allocate = OrderLineAllocate.Field()
    batch_recall = BatchRecall.Field()

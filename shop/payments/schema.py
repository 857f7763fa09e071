"""Money on orders through the API: pay again, cancel, refund, take cash at
pickup. Each finds the order among those the viewer may see and calls
shop.payments.services as the signed-in user."""

from typing import Any, Self

import graphene
from django.utils.translation import gettext_lazy as _

from catalog.errors import CatalogErrorCode
from shop.core.api.base import (
    UUID,
    Decimal,
    DomainMutation,
    Money,
    error_type,
    errors_field,
    extend_type,
    money,
)
from shop.core.api.ids import referenced_list
from shop.core.errors import DomainError, RequestError, RequestErrorCode
from shop.core.loading import related_many
from shop.orders import selectors
from shop.orders.errors import OrderErrorCode
from shop.orders.models import OrderLine
from shop.orders.policies import can_view_order
from shop.orders.schema.mutations import order_target, visible_target
from shop.orders.schema.types import Order
from shop.payments import services
from shop.payments.errors import PaymentErrorCode
from shop.payments.models import Payment as PaymentModel
from traceability.errors import TraceabilityErrorCode


def order_of(info: Any, id: str | None, token: Any) -> Any:
    """The order named by its ID (among those the viewer may see), or by a guest's
    link `token`; a token of another buyer's order is NOT_FOUND, like an unknown one."""
    if token is None:
        if id is None:
            raise RequestError(
                RequestErrorCode.INVALID_ARGUMENT, _("Give the order's ID or its token.")
            )
        return order_target(info, id)
    order = selectors.order_by_token(token)
    if order is None or not (order.buyer_id is None or can_view_order(info.context.user, order)):
        raise RequestError(RequestErrorCode.NOT_FOUND, _("No order has this token."))
    return order


GUEST_LINK_HELP = "A guest's order link token, instead of `id`."

PaymentStatusEnum = graphene.Enum.from_enum(PaymentModel.Status, name="PaymentStatus")
MAX_REFUND_LINES = 100


class Payment(graphene.ObjectType):
    """One attempt to pay an order through a gateway."""

    status = PaymentStatusEnum(required=True)
    gateway = graphene.String(required=True)
    amount = graphene.Field(Money, required=True)
    message = graphene.String(required=True, description="What the provider said, if anything.")

    @staticmethod
    def resolve_amount(root: PaymentModel, info: graphene.ResolveInfo) -> Money:
        return money(root.amount)


class OrderPayments:
    payments = graphene.List(
        graphene.NonNull(Payment), required=True, description="Every attempt to pay, oldest first."
    )

    @staticmethod
    def resolve_payments(root: Any, info: graphene.ResolveInfo) -> list[PaymentModel]:
        return related_many(root, "payments")


extend_type(Order, OrderPayments)


class OrderPay(DomainMutation):
    """Pay an order whose payment failed or is still to make: its buyer, a guest by its token."""

    class Arguments:
        id = graphene.ID()
        token = UUID(description=GUEST_LINK_HELP)
        gateway = graphene.String(required=True)
        scenario = graphene.String(description="The test gateway's outcome: fail, pending.")

    order = graphene.Field(Order)
    payment = graphene.Field(Payment)
    client_secret = graphene.String(description="Stripe's, for its Payment Element.")
    errors = errors_field(error_type("OrderPayError", PaymentErrorCode, OrderErrorCode))

    @classmethod
    def perform(
        cls,
        root: Any,
        info: graphene.ResolveInfo,
        gateway: str,
        id: str | None = None,
        token: Any = None,
        scenario: str | None = None,
    ) -> Self:
        order = order_of(info, id, token)
        started = services.pay(
            actor=info.context.user,
            order=order,
            gateway=gateway,
            scenario=scenario or "",
            token=token,
        )
        order.refresh_from_db()
        return cls(
            order=order,
            payment=started.payment,
            client_secret=started.client_secret or None,
            errors=[],
        )


class OrderCancel(DomainMutation):
    """Cancel an order, refunding what was paid: its buyer before packing, its
    sellers' managers and operators until it leaves their hands."""

    class Arguments:
        id = graphene.ID()
        token = UUID(description=GUEST_LINK_HELP)
        reason = graphene.String()

    order = graphene.Field(Order)
    # Cancelling gives the stock (catalog) and the batches' packed units (traceability) back.
    errors = errors_field(
        error_type(
            "OrderCancelError",
            PaymentErrorCode,
            OrderErrorCode,
            CatalogErrorCode,
            TraceabilityErrorCode,
        )
    )

    @classmethod
    def perform(
        cls,
        root: Any,
        info: graphene.ResolveInfo,
        id: str | None = None,
        token: Any = None,
        reason: str | None = None,
    ) -> Self:
        order = order_of(info, id, token)
        cancelled = services.cancel(
            actor=info.context.user, order=order, reason=reason or "", token=token
        )
        return cls(order=cancelled, errors=[])


class RefundLineInput(graphene.InputObjectType):
    line_id = graphene.ID(required=True)
    quantity = graphene.Int(required=True)


class OrderRefund(DomainMutation):
    """Refund units of lines, or (no lines given) everything not yet refunded
    with shipping: a seller's managers their own lines, operators any."""

    class Arguments:
        id = graphene.ID(required=True)
        lines = graphene.List(graphene.NonNull(RefundLineInput))

    order = graphene.Field(Order)
    amount = graphene.Field(Money)
    errors = errors_field(error_type("OrderRefundError", PaymentErrorCode, OrderErrorCode))

    @classmethod
    def perform(
        cls, root: Any, info: graphene.ResolveInfo, id: str, lines: list[Any] | None = None
    ) -> Self:
        order = order_target(info, id)
        chosen = None
        if lines is not None:
            found = referenced_list(
                [each["line_id"] for each in lines],
                "OrderLine",
                OrderLine,
                field="lines",
                not_found=PaymentErrorCode.NOT_FOUND,
                too_many=PaymentErrorCode.INVALID,
                limit=MAX_REFUND_LINES,
            )
            if any(line.order_id != order.pk for line in found):
                raise DomainError(
                    PaymentErrorCode.NOT_FOUND, _("A line is not of this order."), "lines"
                )
            if len({line.pk for line in found}) != len(found) or not found:
                raise DomainError(
                    PaymentErrorCode.INVALID, _("Name each line once, at least one."), "lines"
                )
            chosen = {line: each["quantity"] for line, each in zip(found, lines, strict=True)}
        amount = services.refund(actor=info.context.user, order=order, lines=chosen)
        order.refresh_from_db()
        return cls(order=order, amount=money(amount), errors=[])


class OrderCashRecord(DomainMutation):
    """The staff of the order's pickup point took the cash as the buyer collected it."""

    class Arguments:
        id = graphene.ID(required=True)
        amount = Decimal(required=True, description="In CNY: exactly what the order asks.")

    order = graphene.Field(Order)
    payment = graphene.Field(Payment)
    errors = errors_field(error_type("OrderCashRecordError", PaymentErrorCode, OrderErrorCode))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, id: str, amount: Any) -> Self:
        actor = info.context.user
        seen = selectors.visible_orders(actor) | selectors.orders_at_points_of(actor)
        order = visible_target(info, id, "Order", seen.distinct())
        payment = services.record_cash(actor=actor, order=order, amount=amount)
        order.refresh_from_db()
        return cls(order=order, payment=payment, errors=[])


class PaymentMutations(graphene.ObjectType):
    order_pay = OrderPay.Field()
    order_cancel = OrderCancel.Field()
    order_refund = OrderRefund.Field()
    order_cash_record = OrderCashRecord.Field()

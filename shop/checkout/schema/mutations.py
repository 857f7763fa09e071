"""The cart through the API (Saleor's shape): a checkout is named by its
unguessable token; money comes from shop.checkout.services.totals_of, never
from here. A token that is not the viewer's is NOT_FOUND, as one that does not exist."""

from typing import Any, Self

import graphene
from django.utils.translation import gettext_lazy as _

from catalog.errors import CatalogErrorCode
from catalog.models import ProductVariant as VariantModel
from logistics.models import PickupPoint as PickupPointModel
from shop.checkout import services
from shop.checkout.errors import CheckoutErrorCode
from shop.checkout.schema.types import Checkout, CheckoutErrorCodeEnum, checkout_target
from shop.core.api.base import (
    UUID,
    DomainMutation,
    error_type,
    errors_field,
)
from shop.core.api.ids import referenced, referenced_list
from shop.core.errors import DomainError
from shop.core.throttling import client_network
from shop.orders.errors import OrderErrorCode
from shop.orders.schema.types import Order
from shop.payments.errors import PaymentErrorCode
from shop.payments.schema import Payment
from traceability.errors import TraceabilityErrorCode

Code = CheckoutErrorCode


class CheckoutLineInput(graphene.InputObjectType):
    variant_id = graphene.ID(required=True)
    quantity = graphene.Int(required=True)


def _variant_lines(lines: list[Any] | None) -> list[tuple[VariantModel, int]]:
    lines = lines or []
    variants = referenced_list(
        [line["variant_id"] for line in lines],
        "ProductVariant",
        VariantModel,
        field="lines",
        not_found=Code.NOT_FOUND,
        too_many=Code.TOO_MANY_LINES,
        limit=services.MAX_LINES,
    )
    return [(variant, line["quantity"]) for variant, line in zip(variants, lines, strict=True)]


class CheckoutCreateInput(graphene.InputObjectType):
    lines = graphene.List(graphene.NonNull(CheckoutLineInput))
    email = graphene.String()
    phone = graphene.String(description="A mainland China mobile number.")


class CheckoutCreate(DomainMutation):
    """Start a cart (a signed-in buyer's lines join their one open cart); the
    units are held for RESERVATION_MINUTES."""

    class Arguments:
        input = CheckoutCreateInput(required=True)

    checkout = graphene.Field(Checkout)
    errors = errors_field(error_type("CheckoutCreateError", CheckoutErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, input: Any) -> Self:
        checkout = services.create_checkout(
            actor=info.context.user,
            lines=_variant_lines(input.get("lines")),
            email=input.get("email") or "",
            phone=input.get("phone") or "",
            language=info.context.LANGUAGE_CODE or "zh-hans",
            network=client_network(info.context),
        )
        return cls(checkout=checkout, errors=[])


def _change_lines(info: Any, token: Any, lines: list[Any], change: Any) -> Any:
    """Add or set lines of the checkout `token` with `change` (a service), counting
    a guest's holds against their network."""
    return change(
        actor=info.context.user,
        checkout=checkout_target(info, token),
        lines=_variant_lines(lines),
        network=client_network(info.context),
    )


class CheckoutLinesAdd(DomainMutation):
    """Add units (to a line already there, they add up)."""

    class Arguments:
        token = UUID(required=True)
        lines = graphene.List(graphene.NonNull(CheckoutLineInput), required=True)

    checkout = graphene.Field(Checkout)
    errors = errors_field(error_type("CheckoutLinesAddError", CheckoutErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, token: Any, lines: list[Any]) -> Self:
        return cls(checkout=_change_lines(info, token, lines, services.add_lines), errors=[])


class CheckoutLinesUpdate(DomainMutation):
    """Set each variant's quantity; 0 removes its line."""

    class Arguments:
        token = UUID(required=True)
        lines = graphene.List(graphene.NonNull(CheckoutLineInput), required=True)

    checkout = graphene.Field(Checkout)
    errors = errors_field(error_type("CheckoutLinesUpdateError", CheckoutErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, token: Any, lines: list[Any]) -> Self:
        return cls(checkout=_change_lines(info, token, lines, services.update_lines), errors=[])


class CheckoutLinesDelete(DomainMutation):
    class Arguments:
        token = UUID(required=True)
        variant_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)

    checkout = graphene.Field(Checkout)
    errors = errors_field(error_type("CheckoutLinesDeleteError", CheckoutErrorCodeEnum))

    @classmethod
    def perform(
        cls, root: Any, info: graphene.ResolveInfo, token: Any, variant_ids: list[str]
    ) -> Self:
        found = checkout_target(info, token)
        variants = referenced_list(
            variant_ids,
            "ProductVariant",
            VariantModel,
            field="variant_ids",
            not_found=Code.NOT_FOUND,
            too_many=Code.TOO_MANY_LINES,
            limit=services.MAX_LINES,
        )
        checkout = services.delete_lines(actor=info.context.user, checkout=found, variants=variants)
        return cls(checkout=checkout, errors=[])


class CheckoutContactUpdate(DomainMutation):
    class Arguments:
        token = UUID(required=True)
        email = graphene.String()
        phone = graphene.String(description="A mainland China mobile number.")

    checkout = graphene.Field(Checkout)
    errors = errors_field(error_type("CheckoutContactUpdateError", CheckoutErrorCodeEnum))

    @classmethod
    def perform(
        cls,
        root: Any,
        info: graphene.ResolveInfo,
        token: Any,
        email: str | None = None,
        phone: str | None = None,
    ) -> Self:
        found = checkout_target(info, token)
        checkout = services.set_contact(
            actor=info.context.user, checkout=found, email=email or "", phone=phone or ""
        )
        return cls(checkout=checkout, errors=[])


class AddressInput(graphene.InputObjectType):
    recipient = graphene.String(required=True)
    address = graphene.String(required=True)
    division_code = graphene.String(
        required=True, description="The 12-digit administrative division code of the address."
    )


class CheckoutDeliveryMethodUpdate(DomainMutation):
    """Deliver to a pickup point, or to a home address (give exactly one)."""

    class Arguments:
        token = UUID(required=True)
        pickup_point_id = graphene.ID()
        address = AddressInput()

    checkout = graphene.Field(Checkout)
    errors = errors_field(error_type("CheckoutDeliveryMethodUpdateError", CheckoutErrorCodeEnum))

    @classmethod
    def perform(
        cls,
        root: Any,
        info: graphene.ResolveInfo,
        token: Any,
        pickup_point_id: str | None = None,
        address: Any = None,
    ) -> Self:
        if (pickup_point_id is None) == (address is None):
            raise DomainError(
                Code.DELIVERY_REQUIRED,
                _("Choose either a pickup point or an address."),
                "pickup_point_id",
            )
        found = checkout_target(info, token)
        point = referenced(
            pickup_point_id,
            "PickupPoint",
            PickupPointModel,
            field="pickup_point_id",
            not_found=Code.NOT_FOUND,
        )
        if point is not None:
            checkout = services.set_delivery(
                actor=info.context.user, checkout=found, pickup_point=point
            )
        else:
            checkout = services.set_delivery(
                actor=info.context.user,
                checkout=found,
                recipient=address["recipient"],
                address=address["address"],
                division_code=address["division_code"],
            )
        return cls(checkout=checkout, errors=[])


class CheckoutComplete(DomainMutation):
    """Place the order and start its payment. Completing again returns the same order."""

    class Arguments:
        token = UUID(required=True)
        gateway = graphene.String(required=True, description="One of availableGateways.")
        scenario = graphene.String(description="The test gateway's outcome: fail, pending.")

    order = graphene.Field(Order)
    payment = graphene.Field(Payment)
    client_secret = graphene.String(description="Stripe's, for its Payment Element.")
    # Placing the order takes stock (catalog) and packs batches (traceability).
    errors = errors_field(
        error_type(
            "CheckoutCompleteError",
            CheckoutErrorCode,
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
        token: Any,
        gateway: str,
        scenario: str | None = None,
    ) -> Self:
        found = checkout_target(info, token)
        order, started = services.complete(
            actor=info.context.user, checkout=found, gateway=gateway, scenario=scenario or ""
        )
        order.reached_by_token = True  # type: ignore[attr-defined]
        return cls(
            order=order,
            payment=started.payment if started else order.payments.order_by("-pk").first(),
            client_secret=(started.client_secret or None) if started else None,
            errors=[],
        )


class CheckoutCustomerAttach(DomainMutation):
    """Signed in, take an anonymous cart over: its lines join your own cart,
    which then follows you on every device."""

    class Arguments:
        token = UUID(required=True)

    checkout = graphene.Field(Checkout)
    errors = errors_field(error_type("CheckoutCustomerAttachError", CheckoutErrorCodeEnum))

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, token: Any) -> Self:
        found = checkout_target(info, token)
        merged = services.merge_at_sign_in(actor=info.context.user, anonymous=found)
        return cls(checkout=merged, errors=[])


class CheckoutMutations(graphene.ObjectType):
    checkout_create = CheckoutCreate.Field()
    checkout_lines_add = CheckoutLinesAdd.Field()
    checkout_lines_update = CheckoutLinesUpdate.Field()
    checkout_lines_delete = CheckoutLinesDelete.Field()
    checkout_contact_update = CheckoutContactUpdate.Field()
    checkout_delivery_method_update = CheckoutDeliveryMethodUpdate.Field()
    checkout_complete = CheckoutComplete.Field()
    checkout_customer_attach = CheckoutCustomerAttach.Field()

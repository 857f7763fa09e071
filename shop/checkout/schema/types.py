"""The cart as the API shows it: money from shop.checkout.services.totals_of."""

from typing import Any

import graphene
from django.utils.translation import gettext_lazy as _

from catalog.schema.types import ProductVariant, Seller
from logistics.schema.types import PickupPoint
from shop.checkout import services
from shop.checkout.errors import CheckoutErrorCode
from shop.checkout.models import Checkout as CheckoutModel
from shop.checkout.models import CheckoutLine as LineModel
from shop.checkout.models import Reservation
from shop.checkout.policies import can_use_checkout
from shop.core.api.base import (
    UUID,
    Money,
    money,
)
from shop.core.errors import DomainError
from shop.payments import gateways

Code = CheckoutErrorCode
CheckoutErrorCodeEnum = graphene.Enum.from_enum(CheckoutErrorCode, name="CheckoutErrorCode")


class CheckoutLine(graphene.ObjectType):
    variant = graphene.Field(ProductVariant, required=True)
    quantity = graphene.Int(required=True)
    reserved_until = graphene.DateTime(description="Until when the units are held for you.")

    @staticmethod
    def resolve_reserved_until(root: LineModel, info: graphene.ResolveInfo) -> Any:
        reservation = root.__dict__.get("_reservation")
        return reservation.expires_at if reservation else None


class SellerTotals(graphene.ObjectType):
    seller = graphene.Field(Seller, required=True)
    subtotal = graphene.Field(Money, required=True)
    shipping = graphene.Field(Money, required=True)
    total = graphene.Field(Money, required=True)


class CheckoutTotals(graphene.ObjectType):
    """In CNY; shipping is priced once a delivery is chosen."""

    subtotal = graphene.Field(Money, required=True)
    shipping = graphene.Field(Money, required=True)
    total = graphene.Field(Money, required=True)
    per_seller = graphene.List(graphene.NonNull(SellerTotals), required=True)
    cold_chain = graphene.Boolean(required=True)


def _lines(checkout: CheckoutModel) -> list[LineModel]:
    """The checkout's lines with their variants and holds, read once per answer."""
    if "_api_lines" not in checkout.__dict__:
        lines = list(
            checkout.lines.select_related("variant__product", "variant__seller").order_by("pk")
        )
        holds = {r.line_id: r for r in Reservation.objects.filter(line__in=lines)}
        for line in lines:
            line.__dict__["_reservation"] = holds.get(line.pk)
        checkout.__dict__["_api_lines"] = lines
    return list(checkout.__dict__["_api_lines"])


class Checkout(graphene.ObjectType):
    """A cart: anyone holding its token uses it; a signed-in buyer's only they."""

    token = UUID(required=True)
    lines = graphene.List(graphene.NonNull(CheckoutLine), required=True)
    email = graphene.String(required=True)
    phone = graphene.String(required=True)
    pickup_point = graphene.Field(PickupPoint)
    recipient = graphene.String(required=True)
    address = graphene.String(required=True)
    division_code = graphene.String(required=True)
    totals = graphene.Field(CheckoutTotals, required=True)
    available_gateways = graphene.List(graphene.NonNull(graphene.String), required=True)

    @staticmethod
    def resolve_lines(root: CheckoutModel, info: graphene.ResolveInfo) -> list[LineModel]:
        return _lines(root)

    @staticmethod
    def resolve_pickup_point(root: CheckoutModel, info: graphene.ResolveInfo) -> Any:
        return root.pickup_point

    @staticmethod
    def resolve_totals(root: CheckoutModel, info: graphene.ResolveInfo) -> CheckoutTotals:
        lines = _lines(root)
        totals = services.totals_of(root, [(line.variant, line.quantity) for line in lines])
        sellers = {line.variant.seller_id: line.variant.seller for line in lines}
        return CheckoutTotals(
            subtotal=money(totals.subtotal),
            shipping=money(totals.shipping),
            total=money(totals.total),
            cold_chain=totals.cold_chain,
            per_seller=[
                SellerTotals(
                    seller=sellers[s.seller_id],
                    subtotal=money(s.subtotal),
                    shipping=money(s.shipping),
                    total=money(s.total),
                )
                for s in totals.sellers
            ],
        )

    @staticmethod
    def resolve_available_gateways(root: CheckoutModel, info: graphene.ResolveInfo) -> list[str]:
        return gateways.enabled()


def checkout_target(info: Any, token: Any) -> CheckoutModel:
    """The checkout of `token`, if the viewer may use it; else NOT_FOUND."""
    found = CheckoutModel.objects.filter(token=token).first()
    if found is None or not can_use_checkout(info.context.user, found):
        raise DomainError(Code.NOT_FOUND, _("No cart has this token."), "token")
    return found

"""What a seller earned, read from the ledger's legs."""

from typing import Any

import graphene
from django.utils.translation import gettext_lazy as _
from graphql_relay import to_global_id

from catalog.models import Seller
from shop.core.api.base import Money, money, node_from_global_id
from shop.core.roles import require
from shop.ledger import services
from shop.ledger.policies import can_view_earnings


class EarningsGrouping(graphene.Enum):
    SELLER = "seller"
    COUNTY = "county"
    MONTH = "month"


class EarningsRow(graphene.ObjectType):
    """One group's sales net of refunds and commission, and the commission."""

    key = graphene.String(
        required=True,
        description="The seller's ID, the county's 6-digit division code, or the month (YYYY-MM).",
    )
    earned = graphene.Field(Money, required=True)
    commission = graphene.Field(Money, required=True)


def _key(by: str, value: Any) -> str:
    if by == "seller":
        return to_global_id("Seller", value)
    if by == "month":
        return value.strftime("%Y-%m")
    return str(value)


class LedgerQueries(graphene.ObjectType):
    seller_earnings = graphene.Field(
        Money,
        seller=graphene.ID(required=True),
        since=graphene.DateTime(description="From this moment (inclusive)."),
        until=graphene.DateTime(description="Up to this moment (exclusive)."),
        description="Sales net of refunds and commission in the period: the seller's "
        "members and operators.",
    )

    @staticmethod
    def resolve_seller_earnings(
        root: Any, info: graphene.ResolveInfo, seller: str, since: Any = None, until: Any = None
    ) -> Money:
        found = node_from_global_id(seller, "Seller", Seller)
        actor = info.context.user
        require(actor, can_view_earnings(actor, found), _("You do not manage this seller."))
        earned = services.seller_earnings(found, since=since, until=until)
        # SQLite sums decimals as floats: show the fen as PostgreSQL does.
        return money(earned.quantize(services.CENT))

    earnings = graphene.List(
        graphene.NonNull(EarningsRow),
        required=True,
        by=EarningsGrouping(required=True),
        since=graphene.DateTime(),
        until=graphene.DateTime(),
        description="Operators: what sellers earned, per seller, county or month.",
    )

    @staticmethod
    def resolve_earnings(
        root: Any, info: graphene.ResolveInfo, by: Any, since: Any = None, until: Any = None
    ) -> list[EarningsRow]:
        grouping = getattr(by, "value", by)
        rows = services.earnings_by(actor=info.context.user, by=grouping, since=since, until=until)
        return [
            EarningsRow(
                key=_key(grouping, row["key"]),
                earned=money(row["earned"].quantize(services.CENT)),
                commission=money(row["commission"].quantize(services.CENT)),
            )
            for row in rows
        ]

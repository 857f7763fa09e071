"""What a seller earned, read from the ledger's legs."""

from typing import Any

import graphene
from django.utils.translation import gettext_lazy as _

from catalog.models import Seller
from shop.core.api.base import Money, money, node_from_global_id
from shop.core.roles import require
from shop.ledger import services
from shop.ledger.policies import can_view_earnings


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

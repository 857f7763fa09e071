"""The root GraphQL schema: every app's queries and mutations."""

import graphene
from graphene import relay

from catalog.schema import CatalogMutations, CatalogQueries
from logistics.schema import LogisticsMutations, LogisticsQueries
from shop.accounts.schema import AccountMutations, AccountQueries
from shop.checkout.schema import CheckoutMutations, CheckoutQueries
from shop.core.api.base import NodeField
from shop.core.api.limits import declare_costs
from shop.core.errors import RequestErrorCode
from shop.ledger.schema import LedgerQueries
from shop.orders.schema import OrderMutations, OrderQueries
from shop.payments.schema import PaymentMutations
from traceability.schema import TraceabilityMutations, TraceabilityQueries


class Query(
    AccountQueries,
    CatalogQueries,
    TraceabilityQueries,
    LogisticsQueries,
    OrderQueries,
    LedgerQueries,
    CheckoutQueries,
    graphene.ObjectType,
):
    node = NodeField(relay.Node)


class Mutation(
    AccountMutations,
    CatalogMutations,
    TraceabilityMutations,
    LogisticsMutations,
    OrderMutations,
    PaymentMutations,
    CheckoutMutations,
    graphene.ObjectType,
):
    pass


# Listed in the schema (graphql/schema.graphql) though no field returns it: the
# codes of `extensions.code` on errors outside a mutation's payload.
RequestErrorCodeEnum = graphene.Enum.from_enum(RequestErrorCode)

schema = graphene.Schema(query=Query, mutation=Mutation, types=[RequestErrorCodeEnum])

# Signing in and registering hash a password on purpose slowly: once per request.
# A search scans the catalogue's names instead of following an index.
PASSWORD_HASHING = ("Mutation.tokenCreate", "Mutation.accountRegister")
declare_costs(
    schema.graphql_schema,
    dict.fromkeys(PASSWORD_HASHING, 100),
    once_per_request=PASSWORD_HASHING,
    argument_costs={"Query.products": {"filter.search": 100}},
)

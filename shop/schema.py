"""The root GraphQL schema: every app's queries and mutations."""

import graphene
from graphene import relay

from catalog.schema import CatalogMutations, CatalogQueries
from shop.accounts.schema import AccountMutations, AccountQueries
from shop.api.core import NodeField


class Query(AccountQueries, CatalogQueries, graphene.ObjectType):
    node = NodeField(relay.Node)


class Mutation(AccountMutations, CatalogMutations, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)

"""One error contract: services raise DomainError with every broken rule at once and
snake_case field names; the API reports them in camelCase, and a mutation can
report the codes of every app whose services it calls."""

from enum import Enum

import graphene
import pytest
from graphql import graphql_sync

from catalog import rules
from catalog.errors import CatalogErrorCode
from shop.accounts import registration as account_services
from shop.accounts.errors import AccountErrorCode
from shop.core.api.base import DomainMutation, error_codes, error_type, errors_field
from shop.core.errors import Checks, DomainError, FieldError


class CheckoutLike(DomainMutation):
    """Calls services of two apps, as checkout will call stock's and accounts'."""

    class Arguments:
        phone = graphene.String(required=True)
        quantity = graphene.Int(required=True)

    ok = graphene.Boolean()
    errors = errors_field(error_type("CheckoutLikeError", CatalogErrorCode, AccountErrorCode))

    @classmethod
    def perform(cls, root, info, phone, quantity):
        checks = Checks()
        checks.run(rules.clean_stock, quantity, "stock_quantity")
        checks.run(account_services.start_registration, password="x", phone=phone)
        checks.done()
        return cls(ok=True, errors=[])


class Query(graphene.ObjectType):
    ping = graphene.Boolean()


SCHEMA = graphene.Schema(
    query=Query, mutation=type("M", (graphene.ObjectType,), {"checkout_like": CheckoutLike.Field()})
)
MUTATION = """mutation ($phone: String!, $quantity: Int!) {
  checkoutLike(phone: $phone, quantity: $quantity) { ok errors { field code message } } }"""


@pytest.mark.django_db
def test_a_mutation_reports_the_codes_of_both_apps_services_at_once():
    result = graphql_sync(
        SCHEMA.graphql_schema, MUTATION, variable_values={"phone": "12345", "quantity": -1}
    )
    assert result.errors is None
    errors = result.data["checkoutLike"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("stockQuantity", "INVALID_STOCK"),
        ("phone", "INVALID_PHONE"),
    ]
    assert all(e["message"] for e in errors)


def test_the_merged_enum_holds_every_code_of_both_apps_once():
    codes = CheckoutLike._meta.fields["errors"].type.of_type.of_type.of_type.code_enum
    names = {m.name for m in codes}
    assert names == {m.name for m in CatalogErrorCode} | {m.name for m in AccountErrorCode}
    assert codes["INVALID"].value == "invalid"  # shared by both apps, one member


def test_one_name_with_two_meanings_is_refused():
    other = Enum("OtherCode", {"INVALID": "something_else"})
    with pytest.raises(TypeError, match="INVALID"):
        error_codes("ClashCode", CatalogErrorCode, other)


def test_a_code_the_mutation_does_not_declare_fails_loudly():
    class Narrow(DomainMutation):
        ok = graphene.Boolean()
        errors = errors_field(error_type("NarrowError", CatalogErrorCode))

        @classmethod
        def perform(cls, root, info):
            raise DomainError(AccountErrorCode.INVALID_TOKEN, "no")

    schema = graphene.Schema(
        query=Query, mutation=type("N", (graphene.ObjectType,), {"narrow": Narrow.Field()})
    )
    result = graphql_sync(schema.graphql_schema, "mutation { narrow { ok } }")
    assert result.data == {"narrow": None}
    assert "INVALID_TOKEN" in str(result.errors[0].original_error)


def test_domain_error_keeps_every_error_in_order():
    first = FieldError(CatalogErrorCode.REQUIRED, "name", "name")
    second = FieldError(CatalogErrorCode.INVALID, "shelf", "shelf_life_days")
    error = DomainError.of([first, second])
    assert error.errors == (first, second)
    assert (error.code, error.field) == (CatalogErrorCode.REQUIRED, "name")
    with pytest.raises(ValueError):
        DomainError.of([])


def test_checks_pass_through_what_a_check_returns_and_raise_nothing_when_all_pass():
    checks = Checks()
    assert checks.run(rules.clean_gtin, "4006381333931") == "04006381333931"
    checks.done()
    assert checks.run(rules.clean_gtin, "4006381333932") is None
    with pytest.raises(DomainError) as refused:
        checks.done()
    assert [(e.code, e.field) for e in refused.value.errors] == [
        (CatalogErrorCode.INVALID_GTIN, "gtin")
    ]


def test_the_api_reports_every_broken_rule_at_once_in_camel_case(seller, seller_user, category):
    from catalog.models import Product
    from tests.helpers.api import GraphQLClient
    from tests.helpers.ids import gid

    mutation = """mutation ($input: ProductCreateInput!) {
      productCreate(input: $input) { product { id } errors { field code } } }"""
    data = GraphQLClient(seller_user).execute(
        mutation,
        {
            "input": {
                "seller": gid(seller),
                "category": gid(category),
                "name": "  ",
                "origin": "山" * 201,
                "shelfLifeDays": 0,
            }
        },
    )["productCreate"]
    assert data["product"] is None
    assert sorted((e["field"], e["code"]) for e in data["errors"]) == [
        ("name", "REQUIRED"),
        ("origin", "INVALID"),
        ("shelfLifeDays", "INVALID"),
    ]
    assert not Product.objects.exists()

"""The books stay honest against an insider with SQL: legs and transactions
cannot be changed or removed, and (PostgreSQL) a transaction whose legs do not
sum to zero is refused when it commits, however it was written."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from shop.checkout import services as checkout
from shop.core.roles import SYSTEM
from shop.ledger import services as ledger
from shop.ledger.models import Leg, Transaction
from tests.helpers.services import require_postgresql

HOME = {"recipient": "李华", "address": "芦溪县宣风镇 8 号", "division_code": "360323100000"}


@pytest.fixture
def sale(customer, rice, kiwi):
    basket = checkout.create_checkout(actor=customer, lines=[(rice, 1), (kiwi, 2)])
    basket = checkout.set_delivery(actor=customer, checkout=basket, **HOME)
    order, _ = checkout.complete(actor=customer, checkout=basket, gateway="test")
    return Transaction.objects.get(order=order)


@pytest.mark.parametrize(
    "statement", ["UPDATE ledger_leg SET amount = amount + 1", "DELETE FROM ledger_leg"]
)
def test_legs_cannot_be_changed_or_removed_in_sql(sale, statement):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert sum(leg.amount for leg in sale.legs.all()) == 0


def test_the_posting_function_refuses_legs_that_do_not_balance(sale):
    with pytest.raises(ledger.Unbalanced):
        ledger.post(
            actor=SYSTEM,
            kind="sale",
            order=sale.order,
            key="forged",
            legs=[ledger.LegSpec(ledger.COMMISSION, Decimal("5.00"))],
        )
    assert not Transaction.objects.filter(key="forged").exists()


@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_an_unbalanced_transaction_at_commit(customer, rice, kiwi):
    require_postgresql("the balance check is a deferred constraint trigger")
    basket = checkout.create_checkout(actor=customer, lines=[(rice, 1)])
    basket = checkout.set_delivery(actor=customer, checkout=basket, **HOME)
    order, _ = checkout.complete(actor=customer, checkout=basket, gateway="test")
    account = Leg.objects.first().account_id
    with (
        pytest.raises(IntegrityError, match="does not balance"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO ledger_transaction (kind, order_id, key, created_at) "
            "VALUES ('sale', %s, 'insider', now()) RETURNING id",
            [order.pk],
        )
        forged = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO ledger_leg (transaction_id, account_id, amount) VALUES (%s, %s, 10)",
            [forged, account],
        )
    assert not Transaction.objects.filter(key="insider").exists()
    assert ledger.check_books() == []

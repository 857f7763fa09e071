"""A random day of trading: checkouts, failed and retried payments, cash at
pickup, cancellations and refunds in a seeded random order. After every step
each ledger transaction balances, the gateway's balance is what buyers paid
less what they got back, each seller's earnings are their sales less refunds
and commission, and stock plus the units in live orders is what it was."""

import random
from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import Sum

from catalog.models import ProductVariant
from logistics.models import PickupPoint
from shop.checkout import services as checkout
from shop.core.errors import DomainError
from shop.ledger import services as ledger
from shop.ledger.models import Account
from shop.orders.models import Order, OrderLine
from shop.orders.states import OrderStatus
from shop.payments import services as payments
from tests.helpers.users import make_user

HOME = {"recipient": "李华", "address": "芦溪县宣风镇 8 号", "division_code": "360323100000"}
LIVE = [s for s in OrderStatus.values if s != OrderStatus.CANCELLED]


@pytest.fixture
def point(station_staff):
    point = PickupPoint.objects.get()
    point.parcel_capacity = 1000
    point.save()
    return point


def units_in_orders(variant):
    lines = OrderLine.objects.filter(variant=variant, order__status__in=LIVE)
    return lines.aggregate(n=Sum("quantity"))["n"] or 0


def check_everything(variants, start_stock):
    assert ledger.check_books() == []
    for variant in variants:
        now = ProductVariant.objects.get(pk=variant.pk).stock_quantity
        assert now >= 0 and now + units_in_orders(variant) == start_stock[variant.pk]
    paid = Order.objects.aggregate(p=Sum("amount_paid"), r=Sum("amount_refunded"))
    gateway = ledger.balance(ledger.gateway_account("test"))
    stations = Account.objects.filter(kind=Account.Kind.STATION_CASH)
    cash = sum((ledger.balance(account.code) for account in stations), Decimal(0))
    assert gateway + cash == (paid["p"] or 0) - (paid["r"] or 0)
    for order in Order.objects.all():
        assert 0 <= order.amount_refunded <= order.amount_paid <= order.total


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_random_day_of_trading_keeps_money_and_stock_adding_up(
    seed, rice, kiwi, rice_batches, kiwi_batch, seller_user, operator, station_staff, point
):
    rng = random.Random(seed)
    variants = [rice, kiwi]
    start = {v.pk: v.stock_quantity for v in variants}
    buyers = [make_user(phone=f"1390013{n:04d}") for n in range(4)]
    done: Counter[str] = Counter()
    for _step in range(40):
        action = rng.choice(["buy", "buy", "cancel", "refund", "collect", "retry"])
        try:
            if action == "buy":
                buyer = rng.choice(buyers)
                lines = [(v, rng.randint(1, 3)) for v in rng.sample(variants, rng.randint(1, 2))]
                basket = checkout.create_checkout(actor=buyer, lines=lines)
                if rng.random() < 0.3:
                    basket = checkout.set_delivery(actor=buyer, checkout=basket, pickup_point=point)
                    gateway, scenario = "cash", ""
                else:
                    basket = checkout.set_delivery(actor=buyer, checkout=basket, **HOME)
                    gateway, scenario = "test", rng.choice(["succeed", "succeed", "fail"])
                checkout.complete(actor=buyer, checkout=basket, gateway=gateway, scenario=scenario)
            elif (order := Order.objects.order_by("?").first()) is None:
                continue
            elif action == "cancel":
                payments.cancel(actor=rng.choice([order.buyer, operator]), order=order)
            elif action == "refund":
                line = order.lines.order_by("?").first()
                payments.refund(actor=operator, order=order, lines={line: rng.randint(1, 2)})
            elif action == "collect" and order.gateway == "cash":
                payments.record_cash(actor=station_staff, order=order, amount=order.total)
            elif action == "retry" and order.status == OrderStatus.UNCONFIRMED:
                payments.pay(actor=order.buyer, order=order, gateway="test")
            else:
                continue
            done[action] += 1
        except DomainError:
            pass
        check_everything(variants, start)
    # The day really traded: orders placed, and money given back.
    assert done["buy"] >= 5 and done["cancel"] + done["refund"] >= 2, done

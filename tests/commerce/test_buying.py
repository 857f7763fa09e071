"""Buying through the services: a cart from two sellers, stock held and taken,
an order split per seller and allocated to batches, paid, booked, cancelled
and refunded. Each refusal is coded and changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import ProductVariant
from shop.checkout import services as checkout
from shop.checkout.errors import CheckoutErrorCode
from shop.checkout.models import Checkout, Reservation
from shop.core import notifications
from shop.core.errors import DomainError, NotAllowed
from shop.core.roles import SYSTEM
from shop.ledger import services as ledger
from shop.ledger.models import Leg, Transaction
from shop.orders.errors import OrderErrorCode
from shop.orders.models import Allocation, Order
from shop.orders.states import FulfilmentStatus, OrderStatus
from shop.payments import services as payments
from shop.payments.errors import PaymentErrorCode
from shop.payments.gateways.base import Outcome
from shop.payments.models import Payment
from traceability.models import Batch

HOME = {"recipient": "李华", "address": "芦溪县宣风镇 8 号", "division_code": "360323100000"}
ANONYMOUS = AnonymousUser()


def cart(buyer, *lines, phone="13900139000"):
    return checkout.create_checkout(actor=buyer, lines=list(lines), phone=phone)


def bought(buyer, rice, kiwi, scenario=""):
    basket = cart(buyer, (rice, 2), (kiwi, 1))
    checkout.set_delivery(actor=buyer, checkout=basket, **HOME)
    order, started = checkout.complete(
        actor=buyer, checkout=basket, gateway="test", scenario=scenario
    )
    return basket, order, started


def stock(variant):
    return ProductVariant.objects.get(pk=variant.pk).stock_quantity


def test_totals_are_per_seller_by_weight_and_zone(customer, rice, kiwi):
    basket = cart(customer, (rice, 2), (kiwi, 1))
    basket = checkout.set_delivery(actor=customer, checkout=basket, **HOME)
    totals = checkout.totals_of(basket)
    by_seller = {s.seller_id: s for s in totals.sellers}
    # Rice: 10 kg within Jiangxi, 8 + 9 × 2. Kiwi: 3 kg from Sichuan, 12 + 2 × 4.
    assert by_seller[rice.seller_id].subtotal == Decimal("176.00")
    assert by_seller[rice.seller_id].shipping == Decimal("26.00")
    assert by_seller[kiwi.seller_id].shipping == Decimal("20.00")
    assert totals.total == Decimal("176.00") + Decimal("59.00") + Decimal("46.00")


def test_a_cold_chain_parcel_pays_the_surcharge(customer, rice, seller_user):
    catalog_services.update_variant(actor=seller_user, variant=rice, cold_chain=True)
    basket = checkout.set_delivery(actor=customer, checkout=cart(customer, (rice, 1)), **HOME)
    assert checkout.totals_of(basket).shipping == Decimal("8.00") + 4 * Decimal("2.00") + 15


def test_buying_takes_stock_allocates_oldest_batch_first_and_books_the_sale(
    customer, rice, kiwi, rice_batches, kiwi_batch, django_capture_on_commit_callbacks
):
    old, new = rice_batches
    rice_stock, kiwi_stock = stock(rice), stock(kiwi)
    with django_capture_on_commit_callbacks(execute=True):
        _basket, order, started = bought(customer, rice, kiwi)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and started.payment.status == Payment.Status.SUCCEEDED
    assert order.total == Decimal("281.00") and order.amount_paid == order.total
    assert stock(rice) == rice_stock - 2 and stock(kiwi) == kiwi_stock - 1
    assert order.fulfilments.count() == 2
    # The old rice batch holds 10 kg: both 5 kg bags come from it.
    rice_line = order.lines.get(variant=rice)
    assert [(a.batch_id, a.quantity) for a in rice_line.allocations.all()] == [(old.pk, 2)]
    assert Batch.objects.get(pk=old.pk).quantity_packed == Decimal("10.000")
    assert Batch.objects.get(pk=kiwi_batch.pk).quantity_packed == Decimal("3.000")
    # The ledger: one balanced sale, the sellers' shares net of commission.
    sale = Transaction.objects.get(order=order)
    assert sum(leg.amount for leg in sale.legs.all()) == 0
    assert ledger.balance(ledger.gateway_account("test")) == order.total
    assert ledger.seller_earnings(rice.seller) == Decimal("176.00") - Decimal("8.80")
    assert ledger.seller_earnings(kiwi.seller) == Decimal("59.00") - Decimal("4.72")
    assert ledger.check_books() == []
    # The buyer hears it is paid; each seller's member that there is an order to pack.
    texts = {m.to: m.text for m in notifications.outbox}
    assert str(order.pk) in texts["+8613900139000"]
    assert {"+8613800138002", "+8613800138003"} <= texts.keys()


def test_a_line_spread_over_batches_when_the_oldest_runs_out(customer, rice, rice_batches):
    old, new = rice_batches
    basket = cart(customer, (rice, 3))
    checkout.set_delivery(actor=customer, checkout=basket, **HOME)
    order, _started = checkout.complete(actor=customer, checkout=basket, gateway="test")
    line = order.lines.get()
    assert {a.batch_id: a.quantity for a in line.allocations.all()} == {old.pk: 2, new.pk: 1}


def test_completing_twice_returns_the_same_order_and_one_payment(customer, rice, kiwi):
    basket, order, _started = bought(customer, rice, kiwi)
    again, _ = checkout.complete(actor=customer, checkout=basket, gateway="test")
    assert again.pk == order.pk
    assert Order.objects.count() == 1 and Payment.objects.count() == 1
    assert Transaction.objects.count() == 1


def test_a_failed_payment_leaves_the_order_waiting_and_a_retry_pays_it(customer, rice, kiwi):
    _basket, order, started = bought(customer, rice, kiwi, scenario="fail")
    assert started.payment.status == Payment.Status.FAILED
    order.refresh_from_db()
    assert order.status == OrderStatus.UNCONFIRMED and order.amount_paid == 0
    assert not Transaction.objects.exists()
    retried = payments.pay(actor=customer, order=order, gateway="test")
    order.refresh_from_db()
    assert retried.payment.pk != started.payment.pk and order.status == OrderStatus.PAID
    with pytest.raises(DomainError) as paid_twice:
        payments.pay(actor=customer, order=order, gateway="test")
    assert paid_twice.value.code == PaymentErrorCode.NOT_PAYABLE


def test_another_buyer_cannot_pay_cancel_or_use_the_cart(customer, rice, kiwi, seller_user):
    basket, order, _ = bought(customer, rice, kiwi, scenario="pending")
    with pytest.raises(NotAllowed):
        payments.pay(actor=seller_user, order=order, gateway="test")
    with pytest.raises(NotAllowed):
        payments.cancel(actor=ANONYMOUS, order=order)
    with pytest.raises(NotAllowed):
        checkout.add_lines(actor=seller_user, checkout=basket, lines=[(rice, 1)])


def test_stock_held_by_one_cart_cannot_be_taken_by_another(customer, seller_user, kiwi):
    first = cart(customer, (kiwi, 4))
    with pytest.raises(DomainError) as short:
        cart(ANONYMOUS, (kiwi, 2))
    assert short.value.code == CheckoutErrorCode.INSUFFICIENT_STOCK
    assert Checkout.objects.count() == 1
    # Once the first cart's hold expires, the units are free again.
    Reservation.objects.filter(line__checkout=first).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    second = cart(ANONYMOUS, (kiwi, 2))
    assert checkout.available(kiwi, None) == 3
    assert checkout.release_expired_reservations(actor=SYSTEM) == 1
    # The first cart's reservation expired: completing it checks the stock again.
    checkout.set_delivery(actor=customer, checkout=first, **HOME)
    with pytest.raises(DomainError) as sold:
        cart(seller_user, (kiwi, 4))
    assert sold.value.code == CheckoutErrorCode.INSUFFICIENT_STOCK
    assert second.lines.get().quantity == 2


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ((("rice", 0),), CheckoutErrorCode.INVALID_QUANTITY),
        ((("rice", -1),), CheckoutErrorCode.INVALID_QUANTITY),
        ((("rice", 11),), CheckoutErrorCode.INSUFFICIENT_STOCK),
        ((("hidden", 1),), CheckoutErrorCode.PRODUCT_UNAVAILABLE),
    ],
)
def test_bad_lines_are_refused_and_change_nothing(customer, rice, seller_user, lines, code):
    catalog_services.update_product(actor=seller_user, product=rice.product, is_published=True)
    hidden = catalog_services.create_variant(
        actor=seller_user,
        product=catalog_services.create_product(
            actor=seller_user, seller=rice.seller, category=rice.product.category, name="未上架"
        ),
        sku="X-1",
        name="1 kg",
        net_weight_grams=1000,
        price="9.00",
        stock_quantity=5,
    )
    variants = {"rice": rice, "hidden": hidden}
    with pytest.raises(DomainError) as refused:
        cart(customer, *[(variants[name], n) for name, n in lines])
    assert refused.value.code == code
    assert not Checkout.objects.exists() and not Reservation.objects.exists()


@pytest.mark.parametrize(
    ("delivery", "code"),
    [
        ({**HOME, "division_code": "810000000000"}, CheckoutErrorCode.ADDRESS_OUTSIDE_ZONES),
        ({**HOME, "division_code": "36"}, CheckoutErrorCode.ADDRESS_OUTSIDE_ZONES),
        ({**HOME, "recipient": ""}, CheckoutErrorCode.REQUIRED),
    ],
)
def test_bad_addresses_are_refused(customer, rice, delivery, code):
    basket = cart(customer, (rice, 1))
    with pytest.raises(DomainError) as refused:
        checkout.set_delivery(actor=customer, checkout=basket, **delivery)
    assert code in {error.code for error in refused.value.errors}
    basket.refresh_from_db()
    assert basket.division_code == ""


def test_an_empty_cart_or_one_without_delivery_cannot_be_completed(customer, rice):
    empty = checkout.create_checkout(actor=ANONYMOUS, phone="13900139000")
    with pytest.raises(DomainError) as refused:
        checkout.complete(actor=ANONYMOUS, checkout=empty, gateway="test")
    assert refused.value.code == CheckoutErrorCode.EMPTY
    basket = cart(customer, (rice, 1))
    with pytest.raises(DomainError) as undelivered:
        checkout.complete(actor=customer, checkout=basket, gateway="test")
    assert undelivered.value.code == CheckoutErrorCode.DELIVERY_REQUIRED
    with pytest.raises(DomainError) as unknown:
        checkout.complete(actor=customer, checkout=basket, gateway="bitcoin")
    assert unknown.value.code == PaymentErrorCode.UNKNOWN_GATEWAY
    assert not Order.objects.exists() and stock(rice) == 10


def test_cancelling_a_paid_order_refunds_it_and_gives_stock_and_batches_back(
    customer, rice, kiwi, rice_batches
):
    old, _new = rice_batches
    _basket, order, _ = bought(customer, rice, kiwi)
    payments.cancel(actor=customer, order=order, reason="买错了")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.amount_refunded == order.amount_paid == order.total
    assert stock(rice) == 10 and stock(kiwi) == 5
    assert Batch.objects.get(pk=old.pk).quantity_packed == 0
    assert ledger.balance(ledger.gateway_account("test")) == 0
    assert ledger.seller_earnings(rice.seller) == 0 and ledger.check_books() == []
    with pytest.raises(DomainError) as twice:
        payments.cancel(actor=customer, order=order)
    assert twice.value.code == OrderErrorCode.NOT_CANCELLABLE


def test_a_shipped_order_cannot_be_cancelled(customer, rice, seller_user, rice_batches):
    basket = cart(customer, (rice, 1))
    checkout.set_delivery(actor=customer, checkout=basket, **HOME)
    order, _ = checkout.complete(actor=customer, checkout=basket, gateway="test")
    from shop.orders import services as orders

    fulfilment = order.fulfilments.get()
    orders.update_fulfilment(actor=seller_user, fulfilment=fulfilment, status="packing")
    orders.update_fulfilment(
        actor=seller_user, fulfilment=fulfilment, status="shipped", tracking_number="SF123"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    for who in (customer, seller_user):
        with pytest.raises(DomainError) as refused:
            payments.cancel(actor=who, order=order)
        assert refused.value.code == OrderErrorCode.NOT_CANCELLABLE
    assert stock(rice) == 9


def test_refunds_per_line_by_the_seller_never_exceed_what_was_paid(
    customer, rice, kiwi, seller_user, other_seller_user
):
    _basket, order, _ = bought(customer, rice, kiwi)
    rice_line = order.lines.get(variant=rice)
    with pytest.raises(NotAllowed):
        payments.refund(actor=other_seller_user, order=order, lines={rice_line: 1})
    assert payments.refund(actor=seller_user, order=order, lines={rice_line: 1}) == Decimal("88.00")
    with pytest.raises(DomainError) as too_much:
        payments.refund(actor=seller_user, order=order, lines={rice_line: 2})
    assert too_much.value.code == PaymentErrorCode.REFUND_TOO_LARGE
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("88.00") and order.status == OrderStatus.PAID
    assert ledger.seller_earnings(rice.seller) == Decimal("88.00") - Decimal("4.40")
    assert ledger.check_books() == []


def test_whole_refund_by_an_operator_marks_the_order_refunded(customer, rice, kiwi, operator):
    _basket, order, _ = bought(customer, rice, kiwi)
    assert payments.refund(actor=operator, order=order) == order.total
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    with pytest.raises(DomainError) as again:
        payments.refund(actor=operator, order=order)
    assert again.value.code == PaymentErrorCode.NOTHING_TO_REFUND
    assert ledger.balance(ledger.gateway_account("test")) == 0


def test_packing_needs_every_unit_allocated_and_the_seller_may_reallocate(
    customer, rice, seller_user, rice_batches
):
    from shop.orders import services as orders

    old, new = rice_batches
    basket = cart(customer, (rice, 2))
    checkout.set_delivery(actor=customer, checkout=basket, **HOME)
    order, _ = checkout.complete(actor=customer, checkout=basket, gateway="test")
    line = order.lines.get()
    orders.set_allocations(actor=seller_user, line=line, allocations={new: 1, old: 1})
    assert Batch.objects.get(pk=old.pk).quantity_packed == Decimal("5.000")
    assert Batch.objects.get(pk=new.pk).quantity_packed == Decimal("5.000")
    with pytest.raises(DomainError) as wrong:
        orders.set_allocations(actor=seller_user, line=line, allocations={new: 3})
    assert wrong.value.code == OrderErrorCode.INVALID_ALLOCATION
    assert Allocation.objects.filter(line=line).count() == 2
    orders.update_fulfilment(
        actor=seller_user, fulfilment=order.fulfilments.get(), status="packing"
    )
    with pytest.raises(DomainError) as late:
        orders.set_allocations(actor=seller_user, line=line, allocations={new: 2})
    assert late.value.code == OrderErrorCode.INVALID_STATUS


def test_unallocated_units_block_packing(customer, rice, seller_user):
    from shop.orders import services as orders

    basket = cart(customer, (rice, 1))
    checkout.set_delivery(actor=customer, checkout=basket, **HOME)
    order, _ = checkout.complete(actor=customer, checkout=basket, gateway="test")
    with pytest.raises(DomainError) as refused:
        orders.update_fulfilment(
            actor=seller_user, fulfilment=order.fulfilments.get(), status="packing"
        )
    assert refused.value.code == OrderErrorCode.NOT_ALLOCATED
    assert order.fulfilments.get().status == FulfilmentStatus.WAITING


def test_a_recall_reaches_every_buyer_of_the_batch(
    customer, rice, kiwi, rice_batches, seller_user, django_capture_on_commit_callbacks
):
    from shop.orders import services as orders

    old, _new = rice_batches
    _basket, order, _ = bought(customer, rice, kiwi)
    with django_capture_on_commit_callbacks(execute=True):
        affected = orders.recall(actor=seller_user, batch=old, reason="检出霉变")
    assert [o.pk for o in affected] == [order.pk]
    assert [m.to for m in notifications.outbox] == ["+8613900139000"]
    assert "检出霉变" in notifications.outbox[0].text
    assert order.events.filter(kind="recall").exists()


def test_an_anonymous_cart_joins_the_buyers_own_at_sign_in(customer, rice, kiwi):
    own = cart(customer, (rice, 1))
    guest = cart(ANONYMOUS, (rice, 2), (kiwi, 1))
    merged = checkout.merge_at_sign_in(actor=customer, anonymous=guest)
    assert merged.pk == own.pk
    assert {line.variant_id: line.quantity for line in merged.lines.all()} == {
        rice.pk: 3,
        kiwi.pk: 1,
    }
    assert not Checkout.objects.filter(pk=guest.pk).exists()
    assert Reservation.objects.filter(line__checkout=own).count() == 2


def test_unpaid_orders_are_cancelled_after_their_time(customer, rice, kiwi):
    _basket, order, _ = bought(customer, rice, kiwi, scenario="pending")
    assert checkout.cancel_unpaid_orders(actor=SYSTEM) == 0
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert checkout.cancel_unpaid_orders(actor=SYSTEM) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and stock(rice) == 10
    assert not Leg.objects.exists()


def test_money_arriving_after_the_order_was_cancelled_goes_back_at_once(customer, rice, kiwi):
    _basket, order, started = bought(customer, rice, kiwi, scenario="pending")
    payments.cancel(actor=customer, order=order)
    # The provider's success arrives late (a webhook delayed by a day).
    payment = payments.apply(payment=started.payment, outcome=Outcome.SUCCEEDED)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.amount_paid == order.amount_refunded == order.total
    assert payment.captured == payment.refunded == order.total
    assert ledger.balance(ledger.gateway_account("test")) == 0 and ledger.check_books() == []
    assert stock(rice) == 10 and stock(kiwi) == 5


def test_operators_see_earnings_per_seller_county_and_month(
    customer, rice, kiwi, operator, seller_user
):
    bought(customer, rice, kiwi)
    _basket, second, _ = bought(customer, rice, kiwi)
    payments.refund(actor=operator, order=second, lines={second.lines.get(variant=kiwi): 1})
    by_seller = {row["key"]: row for row in ledger.earnings_by(actor=operator, by="seller")}
    assert by_seller[rice.seller_id]["earned"] == 2 * (Decimal("176.00") - Decimal("8.80"))
    assert by_seller[kiwi.seller_id]["earned"] == Decimal("59.00") - Decimal("4.72")
    assert by_seller[kiwi.seller_id]["earned"] == ledger.seller_earnings(kiwi.seller)
    counties = {
        row["key"]: row["earned"] for row in ledger.earnings_by(actor=operator, by="county")
    }
    assert counties == {
        "360323": by_seller[rice.seller_id]["earned"],
        "510824": by_seller[kiwi.seller_id]["earned"],
    }
    (month,) = ledger.earnings_by(actor=operator, by="month")
    assert month["earned"] == sum(counties.values())
    assert month["commission"] == Decimal("8.80") * 2 + Decimal("4.72")
    with pytest.raises(NotAllowed):
        ledger.earnings_by(actor=seller_user, by="seller")

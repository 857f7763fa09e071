"""A buyer on a phone buys from two sellers: product pages, the cart, a pickup
point, payment, the order. With JavaScript on they pay with the test gateway;
with it off, cash at pickup. Then the seller allocates batches and packs."""

import re

import pytest
from playwright.sync_api import expect

from logistics import services as logistics_services
from shop.orders.models import Order
from shop.orders.states import FulfilmentStatus, OrderStatus
from tests.helpers.browser import zh
from tests.helpers.logistics import POINT
from tests.helpers.users import PASSWORD


@pytest.fixture
def point(transactional_db, operator):
    return logistics_services.create_point(actor=operator, **POINT)


def add_to_cart(visitor, variant, quantity):
    page = visitor.open(f"/p/{variant.product.slug}/")
    expect(page.locator("h1")).to_have_text(variant.product.name)
    page.get_by_label(zh("Quantity")).fill(str(quantity))
    visitor.step(f"product {variant.sku}")
    page.get_by_role("button", name=zh("Add to cart")).click()
    expect(page.locator("h1")).to_have_text(zh("Add to cart"))
    visitor.step(f"confirm {variant.sku}")
    page.get_by_role("button", name=zh("Add to cart")).click()
    expect(page.locator("h1")).to_have_text(zh("Cart"))
    visitor.step(f"cart with {variant.sku}")
    return page


def test_a_buyer_buys_from_two_sellers_and_the_seller_packs(
    ledger_emptied, visitor_factory, rice, kiwi, rice_batches, point, seller_user
):
    buyer = visitor_factory("buyer")
    with_js = "-js-" in buyer.name
    add_to_cart(buyer, rice, 2)
    page = add_to_cart(buyer, kiwi, 1)
    expect(page.locator(".seller-group")).to_have_count(2)
    expect(page.locator(".totals .total")).to_have_text("¥235.00")

    page.get_by_role("link", name=zh("Check out")).click()
    expect(page.locator("h1")).to_have_text(zh("Delivery and contact"))
    page.get_by_label(zh("Mobile number")).fill("13900139000")
    page.get_by_label(re.compile(point.name)).check()
    buyer.step("delivery")
    page.get_by_role("button", name=zh("Continue to payment")).click()
    expect(page.locator("h1")).to_have_text(zh("Review and pay"))
    expect(page.locator(".totals .total")).to_have_text("¥241.00")
    if not with_js:
        page.get_by_label(zh("Cash at pickup")).check()
    buyer.step("payment")
    page.get_by_role("button", name=zh("Place the order")).click()

    order = Order.objects.get()
    expect(page.locator("#order-status")).to_have_text(
        zh("Paid") if with_js else zh("Confirmed, pay at pickup")
    )
    expect(page.get_by_text(point.name).first).to_be_visible()
    buyer.step("order")
    assert order.status == (OrderStatus.PAID if with_js else OrderStatus.UNPAID)

    seller = visitor_factory("seller")
    login = seller.open("/login/")
    login.get_by_label(zh("Mobile phone or email")).fill(str(seller_user.phone))
    login.get_by_label(zh("Password")).fill(PASSWORD)
    login.get_by_role("button", name=zh("Sign in")).click()
    page = seller.open(f"/shop/{rice.seller_id}/orders/")
    seller.step("orders to pack")
    page.get_by_role("link", name=re.compile(str(order.pk))).click()
    old, new = rice_batches
    page.get_by_label(re.compile(old.lot)).fill("0")
    page.get_by_label(re.compile(new.lot)).fill("2")
    page.get_by_role("button", name=zh("Save the batches")).click()
    seller.step("batches allocated")
    page.get_by_label(zh("Packing"), exact=True).check()
    page.get_by_role("button", name=zh("Save"), exact=True).click()
    seller.step("packing")
    fulfilment = order.fulfilments.get(seller=rice.seller)
    assert fulfilment.status == FulfilmentStatus.PACKING
    assert {a.batch_id: a.quantity for a in fulfilment.lines.get().allocations.all()} == {new.pk: 2}

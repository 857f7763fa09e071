"""The buyer's pages and the seller's order pages through the Django test client:
each page, bad input shown beside its field with nothing changed, other people's
orders not found, and the same queries whatever the page shows."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import services as catalog_services
from catalog.models import ProductVariant
from logistics import services as logistics_services
from shop.checkout.models import Checkout, CheckoutLine
from shop.ledger.services import seller_earnings
from shop.orders.models import Order
from shop.orders.states import FulfilmentStatus, OrderStatus
from tests.helpers.logistics import POINT
from tests.helpers.users import PASSWORD, make_user
from tests.helpers.workbench import browser, field_errors, token


@pytest.fixture
def point(operator):
    return logistics_services.create_point(actor=operator, **POINT)


@pytest.fixture
def far_point(operator):
    """A hub in another county, so the county choice matters."""
    fields = {**POINT, "name": "宜宾县物流中心", "kind": "county_hub"}
    return logistics_services.create_point(
        actor=operator, **{**fields, "division_code": "511521000000"}
    )


def add(client, variant, quantity=1):
    return client.post("/cart/add/", {"variant": variant.pk, "quantity": quantity})


def radio(point):
    return f'name="pickup_point" value="{point.pk}"'


def lines_of(checkout):
    return {line.variant_id: line.quantity for line in checkout.lines.all()}


def place(client, rice, kiwi, point, gateway="test", scenario="succeed"):
    add(client, rice, 2)
    add(client, kiwi, 1)
    answer = client.post(
        "/checkout/", {"phone": "13900139000", "delivery": "pickup", "pickup_point": point.pk}
    )
    assert answer.status_code == 302, answer.content.decode()
    answer = client.post(
        "/checkout/pay/",
        {
            "gateway": gateway,
            "scenario": scenario,
            "submission": token(client, "/checkout/pay/"),
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    return Order.objects.get(token=answer.url.split("/")[2])


def test_the_product_page_offers_a_get_form_that_adds_nothing(db, rice):
    client = browser()
    page = client.get(f"/p/{rice.product.slug}/").content.decode()
    assert 'action="/cart/add/"' in page and 'method="get"' in page
    confirm = client.get("/cart/add/", {"variant": rice.pk, "quantity": 2})
    assert confirm.status_code == 200 and "csrfmiddlewaretoken" in confirm.content.decode()
    assert not CheckoutLine.objects.exists()


def test_an_anonymous_cart_is_kept_in_the_session_and_grouped_per_seller(db, rice, kiwi):
    client = browser()
    assert add(client, rice, 2).url == "/cart/"
    add(client, kiwi, 1)
    checkout = Checkout.objects.get()
    assert checkout.user is None and lines_of(checkout) == {rice.pk: 2, kiwi.pk: 1}
    page = client.get("/cart/").content.decode()
    assert "¥176.00" in page and "¥59.00" in page and "¥235.00" in page
    assert page.index(f'id="seller-{rice.seller_id}"') < page.index("¥176.00")
    assert page.index("¥176.00") < page.index(f'id="seller-{kiwi.seller_id}"')


def test_a_bad_quantity_is_shown_beside_the_field_and_adds_nothing(db, rice):
    client = browser()
    answer = add(client, rice, 0)
    assert answer.status_code == 400
    assert field_errors(answer, "id_quantity")
    answer = add(client, rice, 11)
    assert answer.status_code == 400 and "Only 10 left" in answer.content.decode()
    assert not CheckoutLine.objects.exists()


def test_an_unpublished_or_unknown_variant_is_not_found(db, rice, seller_user):
    catalog_services.update_product(actor=seller_user, product=rice.product, is_published=False)
    assert add(browser(), rice).status_code == 404
    assert browser().get("/cart/add/", {"variant": "x"}).status_code == 404


def test_lines_are_updated_and_removed_and_too_many_is_refused(db, rice, kiwi):
    client = browser()
    add(client, rice, 1)
    add(client, kiwi, 1)
    client.post("/cart/update/", {"variant": rice.pk, "quantity": 3})
    client.post("/cart/update/", {"variant": kiwi.pk, "quantity": 1, "remove": "1"})
    checkout = Checkout.objects.get()
    assert lines_of(checkout) == {rice.pk: 3}
    refused = client.post("/cart/update/", {"variant": rice.pk, "quantity": 50})
    assert refused.status_code == 400
    assert re.search(rf'id="q-{rice.pk}_error"', refused.content.decode())
    assert lines_of(checkout) == {rice.pk: 3}


def test_signing_in_merges_the_anonymous_cart(db, rice, kiwi):
    buyer = make_user(phone="13800138111")
    client = browser()
    add(client, rice, 1)
    answer = client.post("/login/", {"username": "13800138111", "password": PASSWORD})
    assert answer.status_code == 302
    add(client, kiwi, 1)
    checkout = Checkout.objects.get(user=buyer)
    assert lines_of(checkout) == {rice.pk: 1, kiwi.pk: 1}
    assert Checkout.objects.count() == 1


def test_checkout_lists_the_points_of_one_county_and_checks_the_input(db, rice, point, far_point):
    client = browser()
    add(client, rice, 1)
    page = client.get("/checkout/").content.decode()
    assert radio(point) in page and radio(far_point) not in page
    assert radio(far_point) in client.get("/checkout/?county=511521").content.decode()
    answer = client.post("/checkout/", {"phone": "12345", "delivery": "home"})
    assert answer.status_code == 400
    assert field_errors(answer, "id_phone")
    answer = client.post(
        "/checkout/",
        {
            "phone": "13900139000",
            "delivery": "home",
            "recipient": "李华",
            "address": "某路 1 号",
            "division_code": "710000000000",
        },
    )
    assert answer.status_code == 400 and field_errors(answer, "id_division_code")
    answer = client.post("/checkout/", {"email": "a@example.com", "delivery": "pickup"})
    assert answer.status_code == 400 and field_errors(answer, "id_pickup_point")
    checkout = Checkout.objects.get()
    assert checkout.pickup_point is None and checkout.division_code == ""


def test_a_full_pickup_point_is_refused_beside_the_choice(db, rice, operator):
    full = logistics_services.create_point(actor=operator, **{**POINT, "parcel_capacity": 1})
    first = browser()
    place_client = first
    add(place_client, rice, 1)
    first.post(
        "/checkout/", {"phone": "13900139000", "delivery": "pickup", "pickup_point": full.pk}
    )
    first.post("/checkout/pay/", {"gateway": "cash", "submission": token(first, "/checkout/pay/")})
    second = browser()
    add(second, rice, 1)
    answer = second.post(
        "/checkout/", {"phone": "13900139001", "delivery": "pickup", "pickup_point": full.pk}
    )
    assert answer.status_code == 400 and field_errors(answer, "id_pickup_point")


def test_paying_with_the_test_gateway_shows_the_paid_order(db, rice, kiwi, point):
    client = browser()
    order = place(client, rice, kiwi, point)
    assert order.status == OrderStatus.PAID and order.total == Decimal("241.00")
    page = client.get(f"/orders/{order.token}/").content.decode()
    assert "Paid" in page and point.name in page and "¥241.00" in page
    assert client.get("/cart/").content.decode().count("Your cart is empty") == 1


def test_cash_at_pickup_confirms_the_order_unpaid(db, rice, kiwi, point):
    order = place(browser(), rice, kiwi, point, gateway="cash")
    assert order.status == OrderStatus.UNPAID and order.amount_paid == 0


def test_a_failed_payment_can_be_retried(db, rice, kiwi, point):
    client = browser()
    order = place(client, rice, kiwi, point, scenario="fail")
    assert order.status == OrderStatus.UNCONFIRMED
    assert "Retry the payment" in client.get(f"/orders/{order.token}/").content.decode()
    client.post(f"/orders/{order.token}/pay/", {"scenario": "succeed"})
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_a_signed_in_buyer_cancels_and_lists_their_orders(db, customer, rice, kiwi, point):
    client = browser(customer)
    order = place(client, rice, kiwi, point)
    assert order.buyer == customer
    assert f"/orders/{order.token}/" in client.get("/me/orders/").content.decode()
    client.post(f"/orders/{order.token}/cancel/")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.amount_refunded == order.total
    assert ProductVariant.objects.get(pk=rice.pk).stock_quantity == 10


def test_another_buyers_order_is_not_found(db, customer, rice, kiwi, point):
    order = place(browser(customer), rice, kiwi, point)
    other = make_user(phone="13800138222")
    assert browser(other).get(f"/orders/{order.token}/").status_code == 404
    assert browser().get(f"/orders/{order.token}/").status_code == 404
    assert browser(other).post(f"/orders/{order.token}/cancel/").status_code == 404
    assert browser().get("/orders/00000000-0000-4000-8000-000000000000/").status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_the_buying_pages_are_never_cached(db, customer, rice):
    client = browser()
    add(client, rice, 1)
    for path in ("/cart/", "/checkout/", f"/cart/add/?variant={rice.pk}&quantity=1"):
        assert "no-cache" in client.get(path)["Cache-Control"]


def test_the_seller_allocates_packs_and_ships(db, seller_user, rice, kiwi, point, rice_batches):
    old, new = rice_batches
    order = place(browser(), rice, kiwi, point)
    fulfilment = order.fulfilments.get(seller=rice.seller)
    seller = browser(seller_user)
    base = f"/shop/{rice.seller_id}/orders/"
    listing = seller.get(base).content.decode()
    assert f"{base}{fulfilment.pk}/" in listing and "¥" in listing
    detail = f"{base}{fulfilment.pk}/"
    line = fulfilment.lines.get()
    prefix = f"line{line.pk}"
    refused = seller.post(
        f"{detail}lines/{line.pk}/batches/",
        {f"{prefix}-batch_{old.pk}": 1, f"{prefix}-batch_{new.pk}": 0},
    )
    assert refused.status_code == 400 and "Allocate exactly" in refused.content.decode()
    answer = seller.post(
        f"{detail}lines/{line.pk}/batches/",
        {f"{prefix}-batch_{new.pk}": 2, f"{prefix}-submission": "s1"},
    )
    assert answer.status_code == 302
    assert {a.batch_id: a.quantity for a in line.allocations.all()} == {new.pk: 2}
    assert seller.get(f"{detail}packing-list/").content.decode().count(new.lot) == 1
    seller.post(f"{detail}status/", {"status": "packing", "submission": "s2"})
    no_tracking = seller.post(f"{detail}status/", {"status": "shipped", "submission": "s3"})
    assert no_tracking.status_code == 400 and field_errors(no_tracking, "id_tracking_number")
    seller.post(
        f"{detail}status/", {"status": "shipped", "tracking_number": "SF123", "submission": "s4"}
    )
    fulfilment.refresh_from_db()
    assert fulfilment.status == FulfilmentStatus.SHIPPED and fulfilment.tracking_number == "SF123"


def test_another_seller_cannot_open_the_orders(db, other_seller_user, rice, kiwi, point):
    order = place(browser(), rice, kiwi, point)
    fulfilment = order.fulfilments.get(seller=rice.seller)
    answer = browser(other_seller_user).get(f"/shop/{rice.seller_id}/orders/{fulfilment.pk}/")
    assert answer.status_code in (403, 404)


def queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_cart_and_order_pages_cost_the_same_queries_whatever_they_show(
    db, customer, rice, kiwi, point
):
    client = browser(customer)
    add(client, rice, 1)
    one_line = queries(client, "/cart/")
    add(client, kiwi, 1)
    assert queries(client, "/cart/") == one_line
    first = place(client, rice, kiwi, point)
    one_order = queries(client, "/me/orders/")
    add(client, rice, 1)
    client.post("/checkout/", {"delivery": "pickup", "pickup_point": point.pk})
    client.post(
        "/checkout/pay/", {"gateway": "cash", "submission": token(client, "/checkout/pay/")}
    )
    second = Order.objects.exclude(pk=first.pk).get()
    assert queries(client, "/me/orders/") == one_order
    assert queries(client, f"/orders/{first.token}/") == queries(client, f"/orders/{second.token}/")


def test_the_buying_pages_weigh_under_100_kb_with_their_css(db, rice, kiwi, point):
    css = Path(finders.find("storefront/site.css")).stat().st_size
    client = browser()
    order = place(client, rice, kiwi, point)
    add(client, rice, 1)
    for path in ("/cart/", "/checkout/", f"/orders/{order.token}/"):
        assert len(client.get(path).content) + css < 100_000, path


def test_the_seller_sees_earnings_and_the_orders_list_costs_the_same_queries(
    db, seller_user, rice, kiwi, point
):
    seller = browser(seller_user)
    place(browser(), rice, kiwi, point)
    one = queries(seller, f"/shop/{rice.seller_id}/orders/")
    place(browser(), rice, kiwi, point, gateway="cash")
    assert queries(seller, f"/shop/{rice.seller_id}/orders/") == one
    earned = seller_earnings(rice.seller)
    assert earned > 0
    page = seller.get(f"/shop/{rice.seller_id}/orders/").content.decode()
    assert page.count(f"¥{earned}") == 2  # this month and in all

"""The operators' commerce pages through the Django test client: who may open
them, the list a page at a time with the same queries whatever it shows, an
order cancelled or refunded through its page (bad input shown beside the
fields with nothing changed), the earnings, recalls from the workbench and the
order page reaching the buyers, and a guest cancelling by the order's link."""

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.checkout import services as checkout
from shop.core.errors import NotAllowed
from shop.core.notifications import outbox
from shop.ledger import services as ledger
from shop.ledger.models import Transaction
from shop.orders import services as orders
from shop.orders.models import Order, OrderLine
from shop.orders.states import OrderStatus
from shop.payments import services as payments
from shop.payments.models import Refund
from tests.helpers.ledger import create_triggers, drop_triggers
from tests.helpers.users import ROLES
from tests.helpers.workbench import browser, field_errors, token
from traceability.models import BatchRecall

ANONYMOUS = AnonymousUser()
HOME = {"recipient": "李华", "address": "芦溪县宣风镇 8 号", "division_code": "360323100000"}
PHONE = "13900139000"
LIST = "/operator/orders/"
EARNINGS = "/operator/earnings/"


def bought(*lines, buyer=ANONYMOUS, scenario=""):
    basket = checkout.create_checkout(actor=buyer, lines=list(lines), phone=PHONE)
    checkout.set_delivery(actor=buyer, checkout=basket, **HOME)
    order, _started = checkout.complete(
        actor=buyer, checkout=basket, gateway="test", scenario=scenario
    )
    order.refresh_from_db()
    return order


def snapshot(order):
    """What a refused action must leave as it was."""
    order.refresh_from_db()
    lines = sorted(OrderLine.objects.filter(order=order).values_list("pk", "quantity_refunded"))
    return (
        order.status,
        order.amount_paid,
        order.amount_refunded,
        lines,
        Refund.objects.count(),
        ledger.check_books(),
        order.events.count(),
    )


def page_of(order):
    return f"{LIST}{order.pk}/"


@pytest.fixture
def paid(db, rice, kiwi, rice_batches, kiwi_batch):
    return bought((rice, 2), (kiwi, 1))


@pytest.fixture
def as_operator(operator):
    return browser(operator)


@pytest.mark.parametrize("role", ROLES)
def test_only_operators_open_the_order_and_earnings_pages(users_by_role, paid, role):
    client = browser(users_by_role[role])
    for url in (LIST, page_of(paid), EARNINGS):
        answer = client.get(url)
        if role == "operator":
            assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
        elif role == "anonymous":
            assert answer.status_code == 302 and answer["Location"].startswith("/login/?next=")
        else:
            assert answer.status_code == 403, url
    if role != "operator":
        refused = client.post(f"{page_of(paid)}cancel/", {"reason": "x", "submission": "s"})
        assert refused.status_code == (302 if role == "anonymous" else 403)
        paid.refresh_from_db()
        assert paid.status == OrderStatus.PAID


def test_the_list_shows_each_order_newest_first_and_filters_by_status(
    as_operator, rice, rice_batches
):
    first = bought((rice, 1))
    second = bought((rice, 1), scenario="fail")
    page = as_operator.get(LIST).content.decode()
    assert page.index(f'href="{page_of(second)}"') < page.index(f'href="{page_of(first)}"')
    assert PHONE in page and "¥" + str(first.total) in page and "Paid" in page
    unpaid = as_operator.get(LIST, {"status": "unconfirmed"}).content.decode()
    assert page_of(second) in unpaid and page_of(first) not in unpaid
    bad = as_operator.get(LIST, {"status": "lost"})
    assert bad.status_code == 200 and field_errors(bad, "id_status")
    assert as_operator.get(LIST, {"after": "not-a-cursor"}).status_code == 400


def queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_order_list_costs_the_same_queries_for_one_order_or_five(
    as_operator, rice, kiwi, rice_batches, kiwi_batch
):
    bought((rice, 1))
    one = queries(as_operator, LIST)
    for _ in range(4):
        bought((rice, 1), (kiwi, 1))
    assert Order.objects.count() == 5
    assert queries(as_operator, LIST) == one


def test_the_order_page_shows_parcels_batches_payments_and_history(as_operator, paid, rice):
    page = as_operator.get(page_of(paid)).content.decode()
    shown = ("武功山紫米", "红心猕猴桃", "OLD1", "K1", "Order placed", f"¥{paid.total}", PHONE)
    for text in shown:
        assert text in page, text
    assert "Recall this batch" in page and "Refund these units" in page


def test_an_operator_cancels_a_paid_order_and_it_is_refunded(as_operator, paid, rice):
    url = f"{page_of(paid)}cancel/"
    missing = as_operator.post(url, {"reason": "", "submission": token(as_operator, page_of(paid))})
    assert missing.status_code == 400 and field_errors(missing, "id_reason")
    answer = as_operator.post(
        url, {"reason": "买家电话要求", "submission": token(as_operator, page_of(paid))}
    )
    assert answer.status_code == 302 and answer["Location"] == page_of(paid)
    paid.refresh_from_db()
    assert paid.status == OrderStatus.CANCELLED and paid.amount_refunded == paid.total
    assert paid.events.filter(data__reason="买家电话要求").exists()
    assert ledger.seller_earnings(rice.seller) == 0 and ledger.check_books() == []


def test_cancelling_a_shipped_order_shows_the_error_and_changes_nothing(
    as_operator, seller_user, rice, rice_batches
):
    order = bought((rice, 1))
    fulfilment = order.fulfilments.get()
    orders.update_fulfilment(actor=seller_user, fulfilment=fulfilment, status="packing")
    orders.update_fulfilment(
        actor=seller_user, fulfilment=fulfilment, status="shipped", tracking_number="SF123"
    )
    before = snapshot(order)
    answer = as_operator.post(
        f"{page_of(order)}cancel/",
        {"reason": "迟了", "submission": token(as_operator, page_of(order))},
    )
    assert answer.status_code == 400
    assert "can no longer be cancelled" in answer.content.decode()
    assert snapshot(order) == before and before[0] == OrderStatus.SHIPPED


def test_refunding_one_line_then_the_rest(as_operator, paid, rice):
    line = paid.lines.get(variant=rice)
    answer = as_operator.post(
        f"{page_of(paid)}refund-line/",
        {"line": line.pk, "units": 1, "submission": token(as_operator, page_of(paid))},
    )
    assert answer.status_code == 302
    paid.refresh_from_db()
    line.refresh_from_db()
    assert paid.amount_refunded == Decimal("88.00") and line.quantity_refunded == 1
    answer = as_operator.post(
        f"{page_of(paid)}refund/", {"submission": token(as_operator, page_of(paid))}
    )
    assert answer.status_code == 302
    paid.refresh_from_db()
    assert paid.amount_refunded == paid.amount_paid and paid.status == OrderStatus.REFUNDED
    assert ledger.check_books() == []
    again = as_operator.post(
        f"{page_of(paid)}refund/", {"submission": token(as_operator, page_of(paid))}
    )
    assert again.status_code == 400 and "Nothing paid is left" in again.content.decode()


def test_a_refund_too_large_or_of_an_unknown_line_shows_the_error_and_changes_nothing(
    as_operator, paid, rice, kiwi, kiwi_batch
):
    line = paid.lines.get(variant=rice)
    other = bought((kiwi, 1)).lines.get()
    before = snapshot(paid)
    url = f"{page_of(paid)}refund-line/"
    for posted, words in (
        ({"line": line.pk, "units": 3}, "more than is left to refund"),
        ({"line": other.pk, "units": 1}, "more than is left to refund"),
        ({"line": 999_999, "units": 1}, "no such line"),
    ):
        posted["submission"] = token(as_operator, page_of(paid))
        answer = as_operator.post(url, posted)
        assert answer.status_code == 400
        shown = " ".join(field_errors(answer, f"refund-{posted['line']}-units"))
        assert words in shown, shown
        assert snapshot(paid) == before
    zero = as_operator.post(url, {"line": line.pk, "units": 0})
    assert zero.status_code == 400 and field_errors(zero, f"refund-{line.pk}-units")
    assert snapshot(paid) == before


def test_a_refund_sent_twice_refunds_once(as_operator, paid, rice):
    line = paid.lines.get(variant=rice)
    posted = {"line": line.pk, "units": 1, "submission": token(as_operator, page_of(paid))}
    assert as_operator.post(f"{page_of(paid)}refund-line/", posted).status_code == 302
    assert as_operator.post(f"{page_of(paid)}refund-line/", posted).status_code == 400
    paid.refresh_from_db()
    assert paid.amount_refunded == Decimal("88.00")


def test_the_earnings_page_totals_per_seller_county_and_month(as_operator, paid, rice, kiwi):
    earned = ledger.seller_earnings(rice.seller)
    for period in ("month", "all"):
        page = as_operator.get(EARNINGS, {"period": period}).content.decode()
        assert rice.seller.name in page and f"¥{earned}" in page
        assert "360323" in page or "Jiangxi" in page or "江西" in page
    nothing = as_operator.get(EARNINGS, {"period": "all"})
    assert nothing.status_code == 200
    bad = as_operator.get(EARNINGS, {"period": "forever"})
    assert bad.status_code == 200 and field_errors(bad, "id_period")


def test_an_insiders_edit_of_the_books_shows_on_the_earnings_page(as_operator, paid):
    """Threat: someone with database access changes a leg. Property: operators
    see which transaction no longer balances."""
    assert 'id="unbalanced"' not in as_operator.get(EARNINGS).content.decode()
    sale = Transaction.objects.get(order=paid)
    drop_triggers()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_leg SET amount = amount + 1 WHERE id = %s", [sale.legs.first().pk]
            )
    finally:
        create_triggers()
    page = as_operator.get(EARNINGS).content.decode()
    assert 'id="unbalanced"' in page and sale.key in page


def test_a_recall_through_the_workbench_tells_the_buyers(
    seller_user,
    other_seller_user,
    rice,
    kiwi,
    rice_batches,
    kiwi_batch,
    django_capture_on_commit_callbacks,
):
    old, _new = rice_batches
    order = bought((rice, 1), (kiwi, 1))
    url = f"/shop/{rice.seller_id}/batches/{old.pk}/"
    seller = browser(seller_user)
    assert "Recall this batch" in seller.get(url).content.decode()
    outbox.clear()
    missing = seller.post(f"{url}recall/", {"reason": " ", "submission": token(seller, url)})
    assert missing.status_code == 400 and field_errors(missing, f"recall-{old.pk}-reason")
    assert not BatchRecall.objects.exists()
    outsider = browser(other_seller_user).post(f"{url}recall/", {"reason": "霉变"})
    assert outsider.status_code in (403, 404) and not BatchRecall.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        answer = seller.post(
            f"{url}recall/", {"reason": "检出霉变", "submission": token(seller, url)}
        )
    assert answer.status_code == 302
    told = [message for message in outbox if message.to.endswith(PHONE)]
    assert len(told) == 1 and old.lot in told[0].text and str(order.pk) in told[0].text
    page = browser(seller_user).get(url).content.decode()
    assert "This batch is recalled." in page and "检出霉变" in page
    assert 'id="recall"' in page and f"{url}recall/" not in page
    followed = seller.get(answer["Location"]).content.decode()
    assert "1 order was affected" in followed
    twice = seller.post(f"{url}recall/", {"reason": "又一次", "submission": token(seller, url)})
    assert twice.status_code == 400 and "already been recalled" in twice.content.decode()
    assert BatchRecall.objects.get().reason == "检出霉变" and len(outbox) == len(told)


def test_an_operator_recalls_a_batch_from_the_order_page(
    as_operator, paid, rice_batches, django_capture_on_commit_callbacks
):
    old, _new = rice_batches
    url = f"{page_of(paid)}batches/{old.pk}/recall/"
    with django_capture_on_commit_callbacks(execute=True):
        answer = as_operator.post(
            url, {"reason": "抽检不合格", "submission": token(as_operator, page_of(paid))}
        )
    assert answer.status_code == 302
    assert BatchRecall.objects.get(batch=old).reason == "抽检不合格"
    assert "1 order was affected" in as_operator.get(page_of(paid)).content.decode()
    again = as_operator.post(url, {"reason": "再次", "submission": "another"})
    assert again.status_code == 400 and "already been recalled" in again.content.decode()
    assert BatchRecall.objects.count() == 1
    not_in_order = as_operator.post(f"{page_of(paid)}batches/{_new.pk}/recall/", {"reason": "x"})
    assert not_in_order.status_code == 404


def test_a_guest_cancels_through_their_order_link(db, rice, rice_batches):
    order = bought((rice, 1))
    client = browser()
    page = client.get(f"/orders/{order.token}/").content.decode()
    assert "Cancel the order" in page
    assert client.post(f"/orders/{order.token}/cancel/").status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.amount_refunded == order.total


def test_a_wrong_token_cancels_nothing(db, customer, rice, rice_batches):
    guest = bought((rice, 1))
    before = snapshot(guest)
    with pytest.raises(NotAllowed):
        payments.cancel(actor=ANONYMOUS, order=guest, token=uuid.uuid4())
    with pytest.raises(NotAllowed):
        payments.cancel(actor=ANONYMOUS, order=guest)
    assert snapshot(guest) == before
    assert browser().post(f"/orders/{uuid.uuid4()}/cancel/").status_code == 404
    # A signed-in buyer's order is theirs alone: its token proves nothing.
    owned = bought((rice, 1), buyer=customer)
    with pytest.raises(NotAllowed):
        payments.cancel(actor=ANONYMOUS, order=owned, token=owned.token)
    owned.refresh_from_db()
    assert owned.status == OrderStatus.PAID


def test_the_operator_pages_link_each_other(as_operator, operator):
    for url in ("/operator/sellers/", "/operator/scans/", LIST, EARNINGS):
        page = as_operator.get(url).content.decode()
        assert f'href="{LIST}"' in page and f'href="{EARNINGS}"' in page, url


def test_the_operator_pages_speak_chinese_first(operator, paid):
    client = browser(operator)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-Hans"
    page = client.get(page_of(paid)).content.decode()
    assert "召回此批次" in page and "退款或取消" in page
    assert "按商家" in client.get(EARNINGS).content.decode()

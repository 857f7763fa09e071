"""The operator's verification queue: who may open it, what it shows, verifying
and rejecting through the services, and bad input answered without a 500."""

import pytest
from django.test import Client
from django.utils import timezone

from catalog import services
from catalog.models import Seller
from shop.core.errors import DomainError
from tests.helpers.api import GraphQLClient
from tests.helpers.catalog import SELLER_DATA
from tests.helpers.users import make_user

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
QUEUE = "/operator/sellers/"
PUBLIC_PRODUCTS = "{ products(first: 10) { edges { node { name } } } }"
MY_SELLERS = "{ me { sellers { name rejectionReason rejectedAt } } }"


def browser_as(user=None):
    browser = Client(HTTP_HOST="127.0.0.1", **EN)
    if user is not None:
        browser.force_login(user)
    return browser


@pytest.fixture
def member(db):
    return make_user(phone="13979911101", email="member@example.cn", name="申请人")


@pytest.fixture
def pending(member, category):
    seller = services.create_seller(
        actor=member,
        **{**SELLER_DATA, "name": "待审核合作社", "story": "三代人种紫米。"},
        is_poverty_household=True,
    )
    services.create_farm(
        actor=member,
        seller=seller,
        name="山脚田",
        village="王龙潭村",
        latitude="27.55",
        longitude="114.2",
        area_mu="12.5",
        produce="紫米",
    )
    services.create_product(actor=member, seller=seller, category=category, name="待审核紫米")
    return seller


def public_products():
    edges = GraphQLClient().execute(PUBLIC_PRODUCTS)["products"]["edges"]
    return [edge["node"]["name"] for edge in edges]


def _row(seller):
    return Seller.objects.filter(pk=seller.pk).values().get()


def test_the_operator_sees_the_waiting_sellers_with_their_details(operator, pending, seller):
    page = browser_as(operator).get(QUEUE)
    assert page.status_code == 200
    html = page.content.decode()
    for shown in (
        "待审核合作社",
        "Cooperative",
        "王龙潭村",
        "360323203201",
        "三代人种紫米。",
        "+8613979911101",
        "member@example.cn",
        "山脚田",
        "12.50 mu",
        "紫米",
        timezone.localtime(pending.created_at).strftime("%Y-%m-%d %H:%M"),
    ):
        assert shown in html, shown
    assert seller.name not in html  # already verified
    assert f'action="/operator/sellers/{pending.pk}/verify/"' in html


def test_the_queue_is_paged_oldest_first(operator, member):
    for n in range(23):
        services.create_seller(actor=member, **{**SELLER_DATA, "name": f"商家{n:02d}"})
    browser = browser_as(operator)
    first = browser.get(QUEUE).content.decode()
    assert "商家00" in first and "商家19" in first and "商家20" not in first
    after = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = browser.get(QUEUE + after.replace("&amp;", "&")).content.decode()
    assert "商家20" in second and "商家22" in second and "商家00" not in second
    assert 'rel="next"' not in second


def test_a_bad_cursor_is_a_bad_request_not_a_500(operator):
    assert browser_as(operator).get(QUEUE + "?after=bm90LWpzb24").status_code == 400
    assert browser_as(operator).get(QUEUE + "?after=%00").status_code == 400


def test_verifying_lets_the_seller_publish_to_everyone(operator, member, pending):
    product = pending.products.get()
    with pytest.raises(DomainError):
        services.update_product(actor=member, product=product, is_published=True)
    browser = browser_as(operator)
    response = browser.post(f"{QUEUE}{pending.pk}/verify/", follow=True)
    assert "is verified" in response.content.decode()
    assert Seller.objects.get(pk=pending.pk).is_verified
    assert "待审核合作社" not in browser.get(QUEUE).content.decode()
    product.refresh_from_db()
    services.update_product(actor=member, product=product, is_published=True)
    assert "待审核紫米" in public_products()


def test_verifying_twice_shows_the_coded_error_as_a_message(operator, pending):
    browser = browser_as(operator)
    browser.post(f"{QUEUE}{pending.pk}/verify/")
    before = _row(pending)
    response = browser.post(f"{QUEUE}{pending.pk}/verify/", follow=True)
    assert response.status_code == 200
    assert "This seller is already verified." in response.content.decode()
    assert _row(pending) == before


def test_rejecting_with_a_reason_shows_it_to_the_seller(operator, member, pending):
    response = browser_as(operator).post(
        f"{QUEUE}{pending.pk}/reject/", {"rejection_reason": "请上传营业执照"}, follow=True
    )
    assert "was rejected" in response.content.decode()
    assert f'id="seller-{pending.pk}"' not in response.content.decode()
    [mine] = GraphQLClient(member).execute(MY_SELLERS)["me"]["sellers"]
    assert mine["rejectionReason"] == "请上传营业执照" and mine["rejectedAt"]


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("长" * 1001, "at most 1000"),
        ("坏\x00", "Null characters"),
    ],
)
def test_a_bad_reason_comes_back_beside_the_field(operator, pending, reason, says):
    before = _row(pending)
    page = browser_as(operator).post(f"{QUEUE}{pending.pk}/reject/", {"rejection_reason": reason})
    assert page.status_code == 200
    html = page.content.decode()
    error = html.split(f'id="reject-{pending.pk}-rejection_reason_error"', 1)[1]
    assert says in error.split("</div>", 1)[0]
    assert _row(pending) == before


def test_rejecting_a_verified_seller_says_why(operator, seller):
    before = _row(seller)
    page = browser_as(operator).post(f"{QUEUE}{seller.pk}/reject/", {"rejection_reason": "迟了"})
    assert page.status_code == 200
    assert "This seller is already verified." in page.content.decode()
    assert _row(seller) == before


def test_a_corrected_seller_is_back_in_the_queue(operator, member, pending):
    services.reject_seller(actor=operator, seller=pending, reason="村名不对")
    assert "待审核合作社" not in browser_as(operator).get(QUEUE).content.decode()
    services.update_seller(actor=member, seller=Seller.objects.get(pk=pending.pk), village="新村")
    html = browser_as(operator).get(QUEUE).content.decode()
    assert "待审核合作社" in html and "村名不对" in html


@pytest.mark.parametrize("who", ["customer", "member"])
@pytest.mark.parametrize("action", ["", "{pk}/verify/", "{pk}/reject/"])
def test_non_operators_get_403_and_change_nothing(who, action, customer, member, pending):
    browser = browser_as({"customer": customer, "member": member}[who])
    before = _row(pending)
    url = QUEUE + action.format(pk=pending.pk)
    response = browser.post(url, {"rejection_reason": "x"}) if action else browser.get(url)
    assert response.status_code == 403
    assert _row(pending) == before


@pytest.mark.parametrize("action", ["", "{pk}/verify/", "{pk}/reject/"])
def test_anonymous_visitors_are_sent_to_sign_in(action, pending):
    url = QUEUE + action.format(pk=pending.pk)
    before = _row(pending)
    response = (
        browser_as().post(url, {"rejection_reason": "x"}) if action else browser_as().get(url)
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/operator/sellers/")
    assert _row(pending) == before


@pytest.mark.parametrize("pk", ["0", "999999", "99999999999999999999"])
def test_an_unknown_seller_is_a_404(operator, pk):
    assert browser_as(operator).post(f"{QUEUE}{pk}/verify/").status_code == 404
    assert browser_as(operator).get(f"{QUEUE}{pk}/reject/").status_code == 404


def test_verify_and_reject_need_the_csrf_token(operator, pending):
    browser = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    browser.force_login(operator)
    before = _row(pending)
    assert browser.post(f"{QUEUE}{pending.pk}/verify/").status_code == 403
    response = browser.post(f"{QUEUE}{pending.pk}/reject/", {"rejection_reason": "x"})
    assert response.status_code == 403
    assert _row(pending) == before

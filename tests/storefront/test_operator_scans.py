"""The operators' scan pages: who may open them, the flagged serials newest
first a page at a time, and a batch's scans per province with the far ones marked."""

import pytest
from django.test import Client
from django.utils import timezone

from catalog import services as catalog_services
from shop.core.roles import SYSTEM
from tests.helpers.batches import FARM, batch_fields
from tests.helpers.users import ROLES
from traceability.models import Scan, SerialFlag
from traceability.services import batches as services
from traceability.services import scans

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
FLAGGED = "/operator/scans/"


def browser_as(user=None):
    browser = Client(HTTP_HOST="127.0.0.1", **EN)
    if user is not None:
        browser.force_login(user)
    return browser


@pytest.fixture
def batch(seller_user, seller, product):
    farm = catalog_services.create_farm(actor=seller_user, seller=seller, name="龙潭田", **FARM)
    return services.create_batch(
        actor=seller_user, variant=product.variants.get(), farm=farm, **batch_fields()
    )


@pytest.fixture
def serials(seller_user, batch):
    services.generate_serials(actor=seller_user, batch=batch, count=4)
    return list(batch.serials.order_by("id"))


@pytest.fixture
def flagged(batch, serials):
    """Serial 0 scanned at home and in Xinjiang, serial 1 scanned 25 times at home."""
    now = timezone.now()
    rows = [(serials[0], "36"), (serials[0], "65"), *[(serials[1], "36")] * 25, (None, None)]
    Scan.objects.bulk_create(
        Scan(batch=batch, serial=serial, region=region, scanned_at=now) for serial, region in rows
    )
    scans.flag_serials({serials[0].pk, serials[1].pk}, actor=SYSTEM)
    return serials


def batch_url(batch):
    return f"/operator/scans/batches/{batch.pk}/"


@pytest.mark.parametrize("role", ROLES)
def test_only_operators_open_the_scan_pages(users_by_role, batch, role):
    browser = browser_as(users_by_role[role])
    for url in (FLAGGED, batch_url(batch)):
        response = browser.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and response.url == f"/login/?next={url}"
        elif role == "operator":
            assert response.status_code == 200
        else:
            assert response.status_code == 403


def test_flagged_serials_newest_first_with_the_reason(operator, batch, flagged):
    page = browser_as(operator).get(FLAGGED).content.decode()
    far, often = flagged[0].serial, flagged[1].serial
    assert far in page and often in page
    first = SerialFlag.objects.order_by("-id").first().serial.serial
    assert page.index(first) < page.index(far if first == often else often)
    assert "scanned in regions far apart" in page and "scanned unusually often" in page
    assert batch_url(batch) in page


def test_flagged_serials_come_a_page_at_a_time(operator, batch, serials, monkeypatch):
    from storefront.views import operator_scans

    monkeypatch.setattr(operator_scans, "FLAGS_PAGE", 2)
    now = timezone.now()
    SerialFlag.objects.bulk_create(
        SerialFlag(serial=serial, batch=batch, reason="too_many", flagged_at=now)
        for serial in serials
    )
    browser = browser_as(operator)
    first = browser.get(FLAGGED)
    page = first.content.decode()
    assert [s.serial in page for s in serials] == [False, False, True, True]
    assert page.index(serials[3].serial) < page.index(serials[2].serial)
    cursor = first.context["page"].next_cursor
    second = browser.get(FLAGGED, {"after": cursor}).content.decode()
    assert serials[1].serial in second and serials[0].serial in second
    assert serials[3].serial not in second
    assert browser.get(FLAGGED, {"after": "not-a-cursor"}).status_code == 400


def test_a_batch_shows_its_scans_per_province_far_ones_marked(operator, batch, flagged):
    response = browser_as(operator).get(batch_url(batch))
    page = response.content.decode()
    assert "Jiangxi" in page and "Xinjiang" in page and "No place given" in page
    regions = response.context["stats"].regions
    assert [(r.region, r.count, r.far) for r in regions] == [
        ("36", 26, False),
        ("65", 1, True),
        (None, 1, False),
    ]
    assert page.count('class="far"') == 1
    assert "far away" in page


def test_an_unknown_batch_is_404(operator):
    assert browser_as(operator).get("/operator/scans/batches/999999/").status_code == 404


def test_the_verification_queue_links_to_the_flagged_serials(operator):
    assert FLAGGED in browser_as(operator).get("/operator/sellers/").content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_only_operators_clear_a_flag(users_by_role, flagged, role):
    flag = SerialFlag.objects.get(serial=flagged[0])
    url = f"/operator/scans/{flag.pk}/clear/"
    response = browser_as(users_by_role[role]).post(url, {"reason": "一家人分着吃"})
    if role == "operator":
        assert response.status_code == 302 and response["Location"] == FLAGGED
        assert SerialFlag.objects.get(pk=flag.pk).clearance.reason == "一家人分着吃"
    else:
        assert response.status_code == 403 or "/login/" in response["Location"]
        assert not SerialFlag.objects.filter(pk=flag.pk, clearance__isnull=False).exists()


def test_the_clear_form_says_what_is_missing_and_the_queue_shows_the_clearance(operator, flagged):
    flag = SerialFlag.objects.get(serial=flagged[0])
    browser = browser_as(operator)
    page = browser.post(f"/operator/scans/{flag.pk}/clear/", {"reason": ""})
    assert page.status_code == 200
    assert f'id="clear-{flag.pk}-reason_error"' in page.content.decode()
    assert browser.get(FLAGGED).content.decode().count("Clear the flag") == 2
    browser.post(f"/operator/scans/{flag.pk}/clear/", {"reason": "a market stall"})
    queue = browser.get(FLAGGED).content.decode()
    assert "Cleared on" in queue and "a market stall" in queue
    assert queue.count("Clear the flag") == 1

"""The provenance page a buyer opens from a QR code: Chinese first, English by
Accept-Language or the switch, the farm, the steps, the badge, the scan notice."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.test import Client

from catalog import services as catalog_services
from shop.core.roles import SYSTEM
from tests.helpers.batches import FARM, batch_fields
from tests.helpers.events import at, harvest, observe
from traceability.models import Scan, SerialFlag
from traceability.services import batches as services
from traceability.services import events as trace
from traceability.services import scans, signing


def anonymous(**headers):
    return Client(HTTP_HOST="127.0.0.1", **headers)


@pytest.fixture
def chain(seller_user, seller, product):
    catalog_services.update_seller(
        actor=seller_user, seller=seller, story="刘冬生一家三代在王龙潭种紫米。"
    )
    farm = catalog_services.create_farm(actor=seller_user, seller=seller, name="龙潭田", **FARM)
    variant = product.variants.get()
    batch = services.create_batch(actor=seller_user, variant=variant, farm=farm, **batch_fields())
    harvest(seller_user, batch, sensors=[trace.Reading("relative_humidity", 65)])
    observe(seller_user, batch, "packing", "in_progress", event_time=at(2))
    observe(seller_user, batch, "shipping", "in_transit", event_time=at(3))
    return batch


def page(path, **headers):
    response = anonymous(**headers).get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_is_chinese_first(chain):
    html = page(f"/t/{chain.code}")
    assert '<html lang="zh-Hans">' in html
    for text in ("武功山紫米", "龙潭田", "王龙潭村", "刘冬生一家三代", "ZM2026-10A", "+08:00"):
        assert text in html
    assert html.index('<ol class="timeline">') < html.index("</ol>")
    assert html.count("<li") >= 3  # harvest, packing, shipping
    assert 'href="/lang/en/' in html  # the visible switch
    assert len(html.encode()) < 100_000


def test_english_by_accept_language_and_by_the_switch(chain):
    html = page(f"/t/{chain.code}", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in html
    for text in (
        "Wugong purple rice",
        "Harvested or produced",
        "Packed",
        "Shipped",
        "Humidity 65%",
    ):
        assert text in html
    client = anonymous()
    client.get(f"/lang/en/?next=/t/{chain.code}")
    assert "Every step" in client.get(f"/t/{chain.code}").content.decode()


def test_the_badge_says_verified_or_not_yet_checkpointed(
    chain, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a beat signs, not the write
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    assert "Not yet checkpointed" in page(f"/t/{chain.code}", **english)
    with django_capture_on_commit_callbacks(execute=True):
        signing.sign_checkpoint(actor=SYSTEM)  # the beat: the waiting page is stale now
    assert "Verified" in page(f"/t/{chain.code}", **english)


def test_share_my_city_is_a_plain_get_form_of_provinces(chain):
    html = page(f"/t/{chain.code}")
    assert f'<form method="get" action="/t/{chain.code}"' in html
    assert '<select id="geo" name="geo">' in html and '<option value="36">江西省</option>' in html
    shared = page(f"/t/{chain.code}?geo=36")
    assert '<select id="geo"' not in shared
    scans.flush_scans(actor=SYSTEM)
    assert list(Scan.objects.values_list("region", flat=True)) == [None, "36"]


def test_a_flagged_serial_shows_the_calm_notice(seller_user, chain):
    services.generate_serials(actor=seller_user, batch=chain, count=1)
    serial = chain.serials.get()
    first = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.UTC)
    seen = [("36", "client-a"), ("65", "client-b"), ("65", "client-c")]  # three clients
    for region, client in seen:
        Scan.objects.create(
            batch=chain, serial=serial, scanned_at=first, region=region, client=client
        )
    assert scans.flag_serials({serial.pk}, actor=SYSTEM)
    html = page(f"/t/{serial.code}", HTTP_ACCEPT_LANGUAGE="en")
    assert "first scanned on 2026-11-02 in Jiangxi and 2 times since" in html
    assert SerialFlag.objects.filter(serial=serial).exists()


def test_the_farm_an_event_names_has_a_page(chain):
    read_point = chain.trace_events.first().document["readPoint"]["id"]
    html = page(urlsplit(read_point).path)
    assert "龙潭田" in html and "王龙潭村" in html and "刘冬生一家三代" in html
    assert anonymous().get("/farms/999999").status_code == 404

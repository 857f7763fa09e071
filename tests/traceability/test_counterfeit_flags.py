"""Threat: a competitor makes genuine goods look fake. Three anonymous GETs
with made-up `?geo=` values once flagged a genuine unit for good and put a
public notice on its page. Properties: a flag needs distinct clients (a keyed
hash of each client's network), only valid places count, the buyer's notice
needs NOTICE_CLIENTS clients, and an operator can clear a flag, saying why."""

import pytest
from django.test import Client

from shop.core.errors import DomainError, NotAllowed
from shop.core.roles import SYSTEM
from traceability.models import Scan, SerialFlag
from traceability.services import batches, scans

NANCHANG, URUMQI, HARBIN = "36", "65", "23"


@pytest.fixture(autouse=True)
def not_eager(settings):
    """As with a broker and a beat: only `flush_scans` writes scans."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


@pytest.fixture
def serial(seller_user, batch):
    batches.generate_serials(actor=seller_user, batch=batch, count=1)
    return batch.serials.get()


def resolve(serial, geo, address):
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=address)
    response = client.get(f"/t/{serial.code}?geo={geo}", HTTP_ACCEPT="application/ld+json")
    assert response.status_code == 200


def page_of(serial):
    return Client(HTTP_HOST="127.0.0.1").get(f"/t/{serial.code}").content.decode()


def flushed():
    scans.flush_scans(actor=SYSTEM)


def test_one_client_claiming_far_places_flags_nothing(serial):
    for geo in (NANCHANG, URUMQI, HARBIN, "99", "junk"):
        resolve(serial, geo, "203.0.113.7")
    flushed()
    assert Scan.objects.filter(serial=serial).count() == 5
    assert set(Scan.objects.values_list("region", flat=True)) == {NANCHANG, URUMQI, HARBIN, None}
    assert not SerialFlag.objects.exists()
    assert scans.notice_for(serial.pk) is None


def test_a_flag_needs_two_clients_and_the_notice_three(serial):
    resolve(serial, NANCHANG, "203.0.113.7")
    resolve(serial, URUMQI, "198.51.100.9")
    flushed()
    assert SerialFlag.objects.get().reason == SerialFlag.Reason.FAR_APART  # for the operators
    assert scans.notice_for(serial.pk) is None  # not yet for buyers
    resolve(serial, URUMQI, "192.0.2.44")
    flushed()
    assert scans.notice_for(serial.pk).count_since == 2


def test_an_operator_clears_a_flag_saying_why(
    serial, operator, seller_user, django_capture_on_commit_callbacks
):
    for address in ("203.0.113.7", "198.51.100.9", "192.0.2.44"):
        resolve(serial, NANCHANG if address.startswith("203") else URUMQI, address)
    flushed()
    flag = SerialFlag.objects.get()
    assert scans.notice_for(serial.pk) is not None
    assert 'class="notice" role="note"' in page_of(serial)
    with pytest.raises(NotAllowed):
        scans.clear_flag(actor=seller_user, flag=flag, reason="我的货")
    with pytest.raises(DomainError) as empty:
        scans.clear_flag(actor=operator, flag=flag, reason="  ")
    assert empty.value.code.name == "INVALID"
    with django_capture_on_commit_callbacks(execute=True):
        scans.clear_flag(actor=operator, flag=flag, reason="一家人分着吃，在两地扫了码")
    assert scans.notice_for(serial.pk) is None
    assert 'class="notice" role="note"' not in page_of(serial)
    with pytest.raises(DomainError) as again:
        scans.clear_flag(actor=operator, flag=flag, reason="again")
    assert again.value.code.name == "ALREADY_CLEARED"
    assert SerialFlag.objects.get() == flag  # the flag and its scans stay

"""Receipts: the farmer keeps each step's receipt from the workbench, and anyone
checks one at /trace/receipt/. Threat: an insider removing a recorded step
(the database alone then looks whole), or someone passing off an altered
receipt; also a flood of checks, and hostile input. Property: the receipt goes
only to the seller's members and operators; the check says included, pending,
missing (with the entry number and time the receipt promised) or invalid, in
plain words, and no input makes it fail."""

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from catalog import services as catalog_services
from shop.core.roles import SYSTEM
from tests.helpers.batches import FARM, batch_fields
from tests.helpers.events import at, harvest, observe, remove_from_log
from tests.helpers.workbench import browser, token
from tlog import note
from traceability import integrity, transparency
from traceability.models import LogAlert, TraceEvent
from traceability.services import batches as services
from traceability.services import receipts, signing

CHECK = "/trace/receipt/"


@pytest.fixture
def batch(seller_user, product):
    farm = catalog_services.create_farm(
        actor=seller_user, seller=product.seller, name="龙潭田", **FARM
    )
    return services.create_batch(
        actor=seller_user, variant=product.variants.get(), farm=farm, **batch_fields()
    )


@pytest.fixture
def signed(seller_user, batch):
    """A harvest and a packing, checkpointed."""
    events = [
        harvest(seller_user, batch),
        observe(seller_user, batch, "packing", "in_progress", event_time=at(2)),
    ]
    return events, signing.sign_checkpoint(actor=SYSTEM)


def receipt_url(batch, event):
    return f"/shop/{batch.seller_id}/batches/{batch.pk}/events/{event.pk}/receipt/"


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def text_of(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


# --- the farmer's receipts ---------------------------------------------------------------------


def test_each_step_shows_its_receipt_and_downloads_it(seller_user, batch, signed):
    events, _checkpoint = signed
    client = browser(seller_user)
    page = client.get(f"/shop/{batch.seller_id}/batches/{batch.pk}/")
    shown = text_of(page)
    for event in events:
        promised = transparency.open_receipt(event.receipt)
        entry = f"Receipt: entry {promised.index} of the public log, {local(promised.recorded_at)}"
        assert entry in shown
        assert f'href="{receipt_url(batch, event)}"' in page.content.decode()
    download = client.get(receipt_url(batch, events[1]))
    assert download.status_code == 200
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert download["Content-Disposition"] == (
        f'attachment; filename="ZM2026-10A-step-{events[1].pk}.receipt"'
    )
    assert download.content.decode() == events[1].receipt
    assert (
        receipts.check_receipt(download.content.decode()).status == receipts.ReceiptStatus.INCLUDED
    )


def test_after_recording_a_step_the_farmer_is_told_to_keep_its_receipt(seller_user, batch):
    client = browser(seller_user)
    url = f"/shop/{batch.seller_id}/batches/{batch.pk}/events/new/"
    post = {"step": "harvest", "event_time": "2026-10-08T09:30", "submission": token(client, url)}
    page = client.post(url, post, follow=True)
    assert "The step was recorded. Download its receipt below and keep it" in text_of(page)
    assert "Download the receipt" in page.content.decode()


def test_the_receipt_goes_only_to_the_sellers_members_and_operators(
    users_by_role, operator, other_seller, batch, signed
):
    """Signed out: sign in first; a buyer, a station's staff or another seller's
    member: refused (403) under this seller, not found under their own."""
    events, _checkpoint = signed
    url = receipt_url(batch, events[0])
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    for role in ("customer", "station_staff", "other_seller"):
        response = browser(users_by_role[role]).get(url)
        assert response.status_code == 403, role
        assert events[0].receipt not in response.content.decode()
    under_own = url.replace(f"/shop/{batch.seller_id}/", f"/shop/{other_seller.pk}/")
    assert browser(users_by_role["other_seller"]).get(under_own).status_code == 404
    assert browser(operator).get(url).content.decode() == events[0].receipt


def test_a_step_of_another_batch_is_not_found_under_this_one(seller_user, batch, signed):
    events, _checkpoint = signed
    other = services.create_batch(
        actor=seller_user, variant=batch.variant, farm=batch.farm, **batch_fields(lot="OTHER")
    )
    assert browser(seller_user).get(receipt_url(other, events[0])).status_code == 404


# --- the public check --------------------------------------------------------------------------


def checked(data=None, **files):
    """Post a check as an anonymous visitor (no CSRF token: the form needs none)."""
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    return client.post(CHECK, {**(data or {}), **files})


def test_a_receipt_in_the_newest_checkpoint_is_included(signed):
    events, checkpoint = signed
    response = checked({"receipt": events[1].receipt})
    assert response.status_code == 200
    promised = transparency.open_receipt(events[1].receipt)
    assert (
        f"Kept in the public log Entry {promised.index} of the log, recorded on "
        f"{local(promised.recorded_at)}, is in the platform's signed checkpoint of "
        f"{local(checkpoint.signed_at)}."
    ) in text_of(response)
    proof = f"/trace/log/proof/inclusion?index={promised.index}&amp;size={checkpoint.size}"
    assert proof in response.content.decode()


def test_a_receipt_file_and_a_pasted_copy_with_crlf_are_read_alike(signed):
    events, _checkpoint = signed
    receipt = events[0].receipt
    upload = SimpleUploadedFile("ZM-step.receipt", receipt.encode(), "text/plain")
    assert "Kept in the public log" in text_of(checked(upload=upload))
    pasted = "  " + receipt.replace("\n", "\r\n").rstrip() + "  "
    assert "Kept in the public log" in text_of(checked({"receipt": pasted}))


def test_a_step_newer_than_the_checkpoint_is_pending(seller_user, batch, signed):
    late = observe(seller_user, batch, "shipping", "in_transit", event_time=at(3))
    index = transparency.open_receipt(late.receipt).index
    shown = text_of(checked({"receipt": late.receipt}))
    assert f"Recorded, not yet checkpointed The log holds entry {index}," in shown
    assert "within minutes" in shown


def test_a_step_removed_with_its_leaf_is_proven_missing(seller_user, batch, signed, settings):
    """The insider deletes the step recorded after the checkpoint, its leaf and the
    nodes above it: the database alone looks whole, the receipt does not."""
    late = observe(seller_user, batch, "shipping", "in_transit", event_time=at(3))
    promised = transparency.open_receipt(late.receipt)
    assert remove_from_log(late) == promised.index
    assert not TraceEvent.objects.filter(pk=late.pk).exists()
    shown = text_of(checked({"receipt": late.receipt}))
    assert (
        f"Missing from the log This receipt is genuine: on {local(promised.recorded_at)} the "
        f"platform promised to keep this step as entry {promised.index} of its log. The log no "
        "longer holds it: a record was removed."
    ) in shown
    assert f"write to {settings.RESOLVER_CONTACT_EMAIL}" in shown
    alert = LogAlert.objects.get(kind=LogAlert.Kind.RECEIPT_MISSING)  # the operators know
    assert alert.leaf_index == promised.index
    text_of(checked({"receipt": late.receipt}))  # checked again: still one alert
    assert LogAlert.objects.filter(kind=LogAlert.Kind.RECEIPT_MISSING).count() == 1


def another_entry(receipt):
    """The receipt with its entry number changed, its signature kept."""
    lines = receipt.split("\n")
    lines[2] = str(int(lines[2]) + 1)
    return "\n".join(lines)


@pytest.mark.parametrize(
    "tamper",
    [
        another_entry,
        lambda text: text.split("\n\n")[0] + "\n",  # the signature cut off
        lambda text: "hello\n",
        lambda text: "\u2014 " * 500,
    ],
    ids=["altered", "unsigned", "junk", "dashes"],
)
def test_anything_else_is_not_a_valid_receipt(signed, tamper):
    events, _checkpoint = signed
    response = checked({"receipt": tamper(events[0].receipt)})
    assert response.status_code == 200
    assert "Not a valid receipt" in text_of(response)


def test_a_receipt_signed_with_another_key_is_not_valid(signed):
    events, _checkpoint = signed
    impostor = note.Ed25519Signer.generate(transparency.origin())
    forged = note.sign(note.parse(events[0].receipt).text, impostor)
    assert "Not a valid receipt" in text_of(checked({"receipt": forged}))


def test_bad_input_is_said_beside_the_field_and_never_fails(db):
    shown = text_of(checked({"receipt": "   "}))
    assert "Paste a receipt or choose its file." in shown
    binary = SimpleUploadedFile("photo.receipt", b"\xff\xd8\xff\xe0" * 10, "image/jpeg")
    assert "This file is not a receipt: it is not text." in text_of(checked(upload=binary))
    big = SimpleUploadedFile("big.receipt", b"a" * 5000, "text/plain")
    assert "This file is too large to be a receipt." in text_of(checked(upload=big))
    assert "Ensure this value has at most 4000 characters" in text_of(
        checked({"receipt": "a" * 4001})
    )
    nul = checked({"receipt": "a\x00b"})
    assert nul.status_code == 200 and "Null characters are not allowed." in text_of(nul)


def test_a_body_too_large_for_a_receipt_is_refused_unread(db):
    response = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en").generic(
        "POST", CHECK, b"x" * 30_000, content_type="application/octet-stream"
    )
    assert response.status_code == 413
    assert "This is too large to be a receipt." in text_of(response)


def test_checks_are_limited_per_network(signed):
    events, _checkpoint = signed
    for _check in range(receipts.CHECKS.count):
        assert checked({"receipt": events[0].receipt}).status_code == 200
    refused = checked({"receipt": events[0].receipt})
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(receipts.CHECKS.seconds)
    assert "Too many receipts were checked from your address" in text_of(refused)
    assert "Kept in the public log" not in text_of(refused)


def test_the_page_explains_the_log_and_links_the_key_and_the_checkpoints(signed):
    _events, checkpoint = signed
    response = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en").get(CHECK)
    html = response.content.decode()
    assert response.status_code == 200 and len(html.encode()) < 100_000
    assert "<script" not in html and "csrfmiddlewaretoken" not in html
    assert 'enctype="multipart/form-data"' in html
    for href in ("/.well-known/trace-log-key", "/trace/log/checkpoint", "/trace/log/checkpoints"):
        assert f'href="{href}"' in html
    shown = text_of(response)
    assert f"fingerprint {integrity.fingerprint()}" in shown
    for heading in ("The log", "Receipts", "Witnesses"):
        assert f"<h3>{heading}</h3>" in html
    assert f"The log holds {checkpoint.size} steps" in shown

"""What a buyer and a machine learn of the trace log from a record's page and
answers. Threat: a record edited, forged or cut behind the platform's back, or
a platform showing a history no witness saw. Property: the page says plainly
which step failed and why, says how many independent witnesses cosigned a
verified record, and every answer leads to the key that checks it all."""

import json
from html import unescape
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client

from catalog import services as catalog_services
from shop.core.cache_tags import invalidate
from shop.core.roles import SYSTEM
from tests.helpers.batches import FARM, batch_fields
from tests.helpers.events import (
    at,
    configured_witness,
    create_triggers,
    drop_triggers,
    harvest,
    observe,
    witness_cosigns,
    write,
)
from traceability import cache
from traceability.integrity import Reason
from traceability.resolver.provenance import FAILURES
from traceability.services import batches as services
from traceability.services import signing

KEY = "/.well-known/trace-log-key"
KEY_REL = "https://c2sp.org/signed-note#verifier-keys"


def anonymous():
    return Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def chain(seller_user, product):
    """A batch harvested, packed and shipped, checkpointed."""
    farm = catalog_services.create_farm(
        actor=seller_user, seller=product.seller, name="龙潭田", **FARM
    )
    batch = services.create_batch(
        actor=seller_user, variant=product.variants.get(), farm=farm, **batch_fields()
    )
    events = [
        harvest(seller_user, batch),
        observe(seller_user, batch, "packing", "in_progress", event_time=at(2)),
        observe(seller_user, batch, "shipping", "in_transit", event_time=at(3)),
    ]
    return batch, events, signing.sign_checkpoint(actor=SYSTEM)


def verdict(batch):
    """The badge's text, whitespace folded."""
    html = anonymous().get(f"/t/{batch.code}").content.decode()
    start = html.index('<p class="verdict')
    return " ".join(unescape(html[start : html.index("</p>", start)]).split())


def test_a_verified_record_says_how_many_witnesses_cosigned_it(
    chain, settings, django_capture_on_commit_callbacks
):
    """Nothing is said of witnesses until one cosigned; a verified page still
    waiting for a configured witness hangs on the checkpoints' tag, which the
    witnesses' service bumps on each cosignature, so the count is never stale."""
    batch, _events, checkpoint = chain
    county = configured_witness(settings, "county.example/witness")
    coop = configured_witness(settings, "coop.example/witness")
    shown = verdict(batch)
    assert "Record verified" in shown and "itness" not in shown

    def bump():
        with django_capture_on_commit_callbacks(execute=True):
            invalidate(cache.CHECKPOINTS)  # what witnesses.ask does once it stored one

    witness_cosigns(county, checkpoint)
    bump()
    shown = verdict(batch)
    assert "Record verified" in shown and "Witnessed by 1 independent witness, who" in shown
    witness_cosigns(coop, checkpoint)
    assert "Witnessed by 1 " in verdict(batch)  # the cached page, until the bump
    bump()
    assert "Witnessed by 2 independent witnesses, who" in verdict(batch)


def test_the_page_links_the_key_and_the_explanation_and_stays_small(chain):
    batch, _events, _checkpoint = chain
    html = anonymous().get(f"/t/{batch.code}").content.decode()
    assert f'href="{KEY}"' in html and 'href="/trace/receipt/#how"' in html
    assert "<script" not in html and len(html.encode()) < 100_000
    key = anonymous().get(KEY).json()
    assert key["vkey"].startswith(key["origin"] + "+")


def edit_document(event):
    write(event.pk, document=json.dumps({**event.document, "disposition": "non_conformant"}))


def edit_column(event):
    write(event.pk, biz_step="receiving")


def delete_event(event):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM traceability_traceeventbatch WHERE event_id = %s", [event.pk])
        cursor.execute("DELETE FROM traceability_traceevent WHERE id = %s", [event.pk])


@pytest.mark.parametrize(
    ("tamper", "sentence"),
    [
        (
            edit_document,
            "The record of “Packed” (2026-10-10 09:00) was changed after it was written.",
        ),
        (
            edit_column,
            "What this page shows of “Received” (2026-10-10 09:00) differs from what was recorded.",
        ),
        (
            delete_event,
            "A step of this lot was removed from the record: the platform's public log still "
            "lists it.",
        ),
    ],
    ids=["document", "column", "deleted"],
)
def test_a_failure_is_said_in_a_buyers_words_naming_the_step(chain, tamper, sentence):
    """The insider edits or deletes the packing step (triggers dropped): the badge
    names the step and says what happened to it, or, deleted, that one was."""
    batch, events, _checkpoint = chain
    drop_triggers()
    tamper(events[1])
    create_triggers()
    shown = verdict(batch)
    assert shown.startswith('<p class="verdict failed" role="status"> <strong>Verification failed')
    assert sentence in shown and shown.endswith("Do not rely on this page.")


def test_every_reason_has_a_sentence():
    assert set(FAILURES) == set(Reason)


def test_the_linkset_and_the_resolver_description_name_the_key(chain, settings):
    batch, _events, _checkpoint = chain
    key_url = f"{settings.PUBLIC_BASE_URL}{KEY}"
    response = anonymous().get(f"/t/{batch.code}?linkType=all")
    (context,) = response.json()["linkset"]
    assert context[KEY_REL] == [
        {"href": key_url, "title": "The trace log's public key", "type": "application/json"}
    ]
    assert f'<{key_url}>; rel="{KEY_REL}"; type="application/json"' in response["Link"]
    redirect = anonymous().get(f"/t/{batch.code}?{urlencode({'linkType': KEY_REL})}")
    assert redirect.status_code == 307 and redirect["Location"] == key_url
    assert anonymous().get("/.well-known/gs1resolver").json()["traceLogKey"] == key_url

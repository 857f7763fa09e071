"""The public EPCIS answer carries what anyone needs to check the record
(`traceability.resolver.evidence`, `docs/trace-log.md`).

Threat: a record that only the platform can check, so a buyer must take its
word; or evidence that costs a query per event, so a long chain slows every
scan. Property: every event carries its sequence number, hash, previous links
as hashed, chains, leaf and receipt; the document, each batch's logged record
with its leaf and receipt, every event the log holds on its chains, and where
the log is; all of it true to the stored rows, inside a document that still
validates against GS1's EPCIS 2.0 schema, at a cost that does not grow with
the number of events.
"""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gs1.epcis import EPCIS_CONTEXT
from shop.core.roles import SYSTEM
from tests.helpers.batches import batch_fields
from tests.helpers.events import VALIDATOR, at, drop_triggers, harvest, observe
from traceability import transparency
from traceability.models import Batch, LogLeaf, TraceEvent
from traceability.services import batches as services
from traceability.services import signing

NS = "trace:"


def epcis(batch):
    response = Client(HTTP_HOST="127.0.0.1").get(f"/t/{batch.code}?format=epcis")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def paddy(seller_user, batch):
    harvest(seller_user, batch)
    observe(seller_user, batch)
    return batch


def test_each_event_carries_its_hash_links_chains_leaf_and_receipt(milled, paddy):
    document = epcis(milled)
    assert [error.message for error in VALIDATOR.iter_errors(document)] == []
    stored = list(TraceEvent.objects.order_by("pk"))
    leaves = {leaf.event_id: leaf.index for leaf in LogLeaf.objects.exclude(event_id=None)}
    shown = document["epcisBody"]["eventList"]
    assert len(shown) == len(stored) == 4
    for entry, event in zip(shown, stored, strict=True):
        assert entry[NS + "sequence"] == event.pk
        assert entry[NS + "hash"] == event.content_hash
        assert entry[NS + "previous"] == [[c, event.previous[c]] for c in sorted(event.previous)]
        assert entry[NS + "chains"] == sorted(event.batches.values_list("pk", flat=True))
        assert entry[NS + "leaf"] == leaves[event.pk]
        assert entry[NS + "receipt"] == event.receipt
        assert {k: v for k, v in entry.items() if not k.startswith(NS)} == event.document
    transformation = shown[2]
    assert transformation[NS + "chains"] == [paddy.pk, milled.pk]


def test_the_document_carries_the_batch_records_the_logged_events_and_the_log(milled, paddy):
    document = epcis(milled)
    namespace = f"{settings.PUBLIC_BASE_URL}/ns/trace#"
    assert document["@context"][0] == EPCIS_CONTEXT
    assert document["@context"][1]["trace"] == namespace
    assert document[NS + "log"] == {
        NS + "origin": transparency.origin(),
        NS + "key": f"{settings.PUBLIC_BASE_URL}/.well-known/trace-log-key",
        NS + "checkpoint": f"{settings.PUBLIC_BASE_URL}/trace/log/checkpoint",
    }
    batches = Batch.objects.filter(pk__in=[paddy.pk, milled.pk]).order_by("pk")
    leaves = {leaf.batch_id: leaf.index for leaf in LogLeaf.objects.exclude(batch_id=None)}
    assert document[NS + "batches"] == [
        {
            NS + "record": transparency.batch_record(batch),
            NS + "leaf": leaves[batch.pk],
            NS + "receipt": batch.receipt,
        }
        for batch in batches
    ]
    assert document[NS + "logged"] == [
        {NS + "leaf": leaf.index, NS + "sequence": leaf.event_id}
        for leaf in LogLeaf.objects.exclude(event_id=None).order_by("index")
    ]


def test_the_evidence_costs_the_same_queries_however_long_the_chain(
    seller_user, milled, django_capture_on_commit_callbacks
):
    signing.sign_checkpoint(actor=SYSTEM)
    with CaptureQueriesContext(connection) as short:
        epcis(milled)
    with django_capture_on_commit_callbacks(execute=True):  # the new events renew the answer
        for day in range(14, 20):
            observe(seller_user, milled, "storing", "sellable_not_accessible", event_time=at(day))
    with CaptureQueriesContext(connection) as long:
        document = epcis(milled)
    assert len(document["epcisBody"]["eventList"]) == 10
    # The long chain's proofs read some stored nodes, in one query, that the short
    # chain's, all its own leaves, did not.
    assert len(short) <= len(long) <= len(short) + 1, [query["sql"] for query in long]


def test_a_cold_answer_reads_each_row_once(milled):
    signing.sign_checkpoint(actor=SYSTEM)
    with CaptureQueriesContext(connection) as cold:
        epcis(milled)
    # What verification needs: the batch by its code, its upstream batches (one query
    # per level of milling and one finding none), the events' links, the events, the
    # leaves on the chains, the upstream batch, the newest checkpoint; and the
    # product's photos, which the view shared with the page reads. The evidence shows
    # the links, leaves and batches verification read, and reads none of them again.
    assert len(cold) == 9, [query["sql"] for query in cold]


def test_an_event_moved_to_another_batch_still_shows_its_leaf(seller_user, variant, farm, paddy):
    """Its leaf is on the chain it was logged on, which verification of the other
    batch does not read: the evidence looks it up, so the verifier sees the event
    was logged with other chains."""
    other = services.create_batch(
        actor=seller_user, variant=variant, farm=farm, **batch_fields(lot="OTHER-1")
    )
    moved = paddy.trace_events.order_by("pk").last()
    drop_triggers()  # inside the test's transaction: they come back after it
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE traceability_traceeventbatch SET batch_id = %s WHERE event_id = %s",
            [other.pk, moved.pk],
        )
    (entry,) = epcis(other)["epcisBody"]["eventList"]
    assert entry[NS + "sequence"] == moved.pk
    assert entry[NS + "chains"] == [other.pk]
    assert entry[NS + "leaf"] == LogLeaf.objects.get(event_id=moved.pk).index

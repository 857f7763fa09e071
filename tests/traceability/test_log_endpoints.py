"""The trace log's public endpoints answer as docs/trace-log.md shows them.

Threat: a third party who follows the documentation cannot check the log (an
answer shaped otherwise, a leaf that does not say what it logs). Property: a
leaf names its event or its batch record and its chains, and its hash is the
one computed from that record as the documentation says.
"""

from django.test import Client

from shop.core.roles import SYSTEM
from tests.helpers.events import harvest
from tlog import note
from traceability import transparency
from traceability.services import signing


def test_a_leaf_names_the_event_or_the_batch_record_it_logs(seller_user, batch):
    event = harvest(seller_user, batch)
    signing.sign_checkpoint(actor=SYSTEM)
    client = Client(HTTP_HOST="127.0.0.1")
    record, logged = (client.get(f"/trace/log/leaves/{i}").json() for i in (0, 1))
    assert record == {
        "index": 0,
        "event": None,
        "batch": batch.pk,
        "chains": [batch.pk],
        "hash": note.b64encode(transparency.batch_leaf_hash(batch)),
    }
    assert logged == {
        "index": 1,
        "event": event.pk,
        "batch": None,
        "chains": [batch.pk],
        "hash": note.b64encode(transparency.leaf_hash(event.content_hash, [batch.pk])),
    }
    assert client.get("/trace/log/leaves/2").status_code == 404  # not in a signed tree

"""The trace log through GraphQL: how many witnesses cosigned a verified record
(`traceVerify`, `provenance`), and each event's receipt. Threat: a receipt read
by someone it does not belong to (it names the seller's private steps and
entries), or a verdict claiming witnesses it has not. Property: the count is
that of configured witnesses whose cosignature covers the record, and the
receipt is the seller's members' and operators' only."""

import pytest

from shop.core.roles import SYSTEM
from tests.helpers.events import configured_witness, harvest, observe, witness_cosigns
from tests.helpers.ids import gid
from tests.helpers.users import ROLES
from traceability.services import receipts, signing

VERIFY = "query($code: String!) { traceVerify(code: $code) { ok checkpointAt witnesses } }"
PROVENANCE = """query($code: String!) {
  provenance(code: $code) { verification { status witnesses } } }"""
EVENT = "query($id: ID!) { node(id: $id) { ... on TraceEvent { id receipt } } }"
EVENTS = """query($id: ID) {
  batch(id: $id) { events(first: 10) { edges { node { receipt } } } } }"""


def test_the_verdict_counts_the_witnesses_that_cosigned_it(client_as, settings, seller_user, batch):
    harvest(seller_user, batch)
    checkpoint = signing.sign_checkpoint(actor=SYSTEM)
    county = configured_witness(settings, "county.example/witness")
    witness_cosigns(county, checkpoint)
    witness_cosigns(configured_witness(settings, "coop.example/witness"), checkpoint)
    settings.TRACE_WITNESSES = settings.TRACE_WITNESSES[:1]  # the coop's is no longer trusted
    _status, body = client_as("anonymous").post(VERIFY, {"code": batch.code})
    assert body["data"]["traceVerify"] == {
        "ok": True,
        "checkpointAt": checkpoint.signed_at.isoformat(),
        "witnesses": 1,
    }
    _status, body = client_as("anonymous").post(PROVENANCE, {"code": batch.code})
    assert body["data"]["provenance"]["verification"] == {"status": "VERIFIED", "witnesses": 1}


def test_a_record_newer_than_the_cosigned_checkpoint_has_no_witness_yet(
    client_as, settings, seller_user, batch
):
    harvest(seller_user, batch)
    witness_cosigns(configured_witness(settings), signing.sign_checkpoint(actor=SYSTEM))
    observe(seller_user, batch)
    _status, body = client_as("customer").post(VERIFY, {"code": batch.code})
    assert body["data"]["traceVerify"] == {"ok": True, "checkpointAt": None, "witnesses": 0}


@pytest.mark.parametrize("role", ROLES)
def test_the_receipt_is_the_sellers_members_and_operators_only(client_as, seller_user, batch, role):
    event = harvest(seller_user, batch)
    _status, body = client_as(role).post(EVENT, {"id": gid(event)})
    node = body["data"]["node"]
    if role in ("seller", "operator"):
        assert node == {"id": gid(event), "receipt": event.receipt}
        assert receipts.check_receipt(node["receipt"]).status == receipts.ReceiptStatus.PENDING
    else:
        assert node is None
    _status, body = client_as(role).post(EVENTS, {"id": gid(batch)})
    listed = body["data"]["batch"]
    if role in ("seller", "operator"):
        assert listed["events"]["edges"] == [{"node": {"receipt": event.receipt}}]
    else:
        assert listed is None

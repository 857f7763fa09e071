"""The insider: someone with write access to the database (the tables' owner,
triggers dropped, as in CI on PostgreSQL) edits, deletes and forges trace
records. Threat: a seller or an employee making a record say what it did not,
or hiding a step. Property: every such edit is caught, the right event is
named, the signer refuses to sign over it (so no checkpoint launders it), and a
farmer's receipt proves a step removed before its checkpoint.

The attacker drops the append-only triggers inside the test's transaction, so
they come back afterwards.
"""

import datetime
import json

import pytest
from django.db import DatabaseError, connection, transaction

from shop.core.errors import DomainError
from shop.core.roles import SYSTEM
from tests.helpers.batches import batch_fields
from tests.helpers.events import (
    at,
    create_triggers,
    delete_event,
    doctored,
    drop_triggers,
    forge_event,
    harvest,
    observe,
    rebuild_nodes,
    rehash_from,
    rewrite_leaves,
    write,
)
from traceability import integrity, transparency
from traceability.errors import TraceabilityErrorCode as Code
from traceability.integrity import Reason
from traceability.models import (
    LogAlert,
    LogCheckpoint,
    LogHead,
    LogLeaf,
    LogNode,
    TraceEvent,
)
from traceability.services import audit, log, receipts, signing, verification
from traceability.services import batches as services


@pytest.fixture
def attacker():
    """Triggers dropped for the test, put back after."""
    drop_triggers()
    yield connection
    create_triggers()


@pytest.fixture
def chain(seller_user, batch):
    """A harvest, an inspection, storage and shipping of one batch, checkpointed."""
    events = [
        harvest(seller_user, batch),
        observe(seller_user, batch),
        observe(seller_user, batch, "storing", "sellable_not_accessible", event_time=at(2)),
        observe(seller_user, batch, "shipping", "in_transit", event_time=at(3)),
    ]
    signing.sign_checkpoint(actor=SYSTEM)
    return events


@pytest.fixture
def elsewhere(seller_user, variant, farm):
    """Another batch, where honest work goes on after the edit."""
    fields = batch_fields(lot="OTHER-1", harvest_date=datetime.date(2026, 10, 20))
    return services.create_batch(actor=seller_user, variant=variant, farm=farm, **fields)


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def named(batch):
    verdict = verification.verify_batch(batch).verdict
    return verdict.ok, verdict.reason, verdict.event_id


def signer_refuses_and_names(seller_user, elsewhere, event_id):
    """Honest work goes on, the beat audits and the signer runs: it signs nothing
    and its alert names the event."""
    harvest(seller_user, elsewhere, event_time=at(13))
    before = LogCheckpoint.objects.count()
    audit.audit(actor=SYSTEM)
    assert signing.sign_checkpoint(actor=SYSTEM) is None
    assert LogCheckpoint.objects.count() == before
    refused = LogAlert.objects.filter(kind=LogAlert.Kind.SIGNER_REFUSED).latest("pk")
    assert refused.event_id == event_id
    assert LogAlert.objects.filter(kind=LogAlert.Kind.AUDIT_FAILED, event_id=event_id).exists()


# --- each row of the insider table -------------------------------------------------------------


def test_a_edited_document_is_named(chain, batch, attacker, seller_user, elsewhere):
    write(chain[1].pk, document=json.dumps(doctored(chain[1])))
    assert named(batch) == (False, Reason.CONTENT_MISMATCH, str(chain[1].pk))
    signer_refuses_and_names(seller_user, elsewhere, chain[1].pk)
    assert named(batch) == (False, Reason.CONTENT_MISMATCH, str(chain[1].pk))


@pytest.mark.parametrize(
    "column",
    ["event_time", "biz_step", "read_point"],
)
def test_a2_an_edited_column_alone_is_named(
    chain, batch, attacker, seller_user, elsewhere, column, other_farm
):
    """The page shows columns; each is checked against the hashed document (the
    place moved to another seller's farm, the time by three days, the step)."""
    if column == "event_time":
        value = chain[1].event_time + datetime.timedelta(days=3)
    elif column == "biz_step":
        value = "shipping"
    else:
        value = other_farm.pk
        column = "read_point_id"
    write(chain[1].pk, **{column: value})
    assert named(batch) == (False, Reason.COLUMNS_MISMATCH, str(chain[1].pk))
    signer_refuses_and_names(seller_user, elsewhere, chain[1].pk)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("harvest_date", "2026-09-01"),
        ("best_before", "2028-01-01"),
        ("quantity", "999.000"),
        ("farm_id", None),
    ],
)
def test_a3_an_edited_batch_row_is_named(
    chain, batch, attacker, seller_user, elsewhere, other_farm, column, value
):
    """The batch's facts (dates, quantity, farm) are the record logged with it."""
    sql(
        f"UPDATE traceability_batch SET {column} = %s WHERE id = %s",  # noqa: S608 - our columns
        [other_farm.pk if value is None else value, batch.pk],
    )
    verdict = verification.verify_batch(batch).verdict
    assert (verdict.ok, verdict.reason, verdict.chain_id) == (
        False,
        Reason.BATCH_MISMATCH,
        str(batch.pk),
    )
    harvest(seller_user, elsewhere, event_time=at(13))
    audit.audit(actor=SYSTEM)
    assert signing.sign_checkpoint(actor=SYSTEM) is None


def test_b_an_edit_with_every_later_hash_rewritten_names_the_edited_event(
    chain, batch, attacker, seller_user, elsewhere
):
    rehash_from(chain, 1)
    records = verification.records_from(*verification.chain_events({batch.pk}))
    assert integrity.verify_chain(records).ok  # the chain alone looks sound
    assert named(batch) == (False, Reason.NOT_AS_LOGGED, str(chain[1].pk))
    signer_refuses_and_names(seller_user, elsewhere, chain[1].pk)


def test_b2_leaves_rewritten_too_are_named_by_the_receipts(chain, batch, attacker):
    rewrite_leaves(rehash_from(chain, 1))
    assert named(batch) == (False, Reason.NOT_AS_LOGGED, str(chain[1].pk))


def test_b3_the_whole_tree_rewritten_no_longer_has_the_signed_root(
    chain, batch, attacker, seller_user, elsewhere
):
    """Nothing more is appended to the rewritten tree (its end is not the one the
    log's head knows), and the signer names the rewrite."""
    rewrite_leaves(rehash_from(chain, 1))
    rebuild_nodes()
    assert named(batch) == (False, Reason.NOT_AS_LOGGED, str(chain[1].pk))
    before = TraceEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        harvest(seller_user, elsewhere, event_time=at(13))
    assert refused.value.code == Code.TRACE_LOG_DAMAGED
    assert TraceEvent.objects.count() == before
    assert (
        signing.sign_checkpoint(actor=SYSTEM) is None
    )  # the tree no longer extends the signed one
    assert LogAlert.objects.latest("pk").reason == "log_rewritten"


def test_b3_with_the_head_rewritten_too_appends_go_on_and_the_signer_still_refuses(
    chain, batch, attacker, seller_user, elsewhere
):
    rewrite_leaves(rehash_from(chain, 1))
    rebuild_nodes(head=True)
    harvest(seller_user, elsewhere, event_time=at(13))
    assert named(batch) == (False, Reason.NOT_AS_LOGGED, str(chain[1].pk))
    assert verification.verify_batch(elsewhere).checkpoint_at is None  # never signed
    assert signing.sign_checkpoint(actor=SYSTEM) is None
    assert LogAlert.objects.latest("pk").reason == "log_rewritten"


def test_c_deleting_the_newest_event_names_it(chain, batch, attacker, seller_user, elsewhere):
    delete_event(chain[-1].pk)
    assert named(batch) == (False, Reason.MISSING_EVENTS, str(chain[-1].pk))
    signer_refuses_and_names(seller_user, elsewhere, chain[-1].pk)


def test_c_deleting_an_event_in_the_middle_names_it(chain, batch, attacker):
    delete_event(chain[1].pk)
    assert named(batch) == (False, Reason.MISSING_EVENTS, str(chain[1].pk))


def test_c_deleting_the_event_and_its_leaf_leaves_the_log_damaged(
    chain, batch, attacker, seller_user, elsewhere
):
    """The insider also deletes the leaf: the audit finds the hole in the signed
    log, every batch says the log is damaged, and the signer signs nothing."""
    index = delete_event(chain[-1].pk, with_leaf=True)
    harvest(seller_user, elsewhere, event_time=at(13))
    audit.audit(actor=SYSTEM)
    assert named(batch)[:2] == (False, Reason.LOG_DAMAGED)
    assert named(elsewhere)[:2] == (False, Reason.LOG_DAMAGED)  # no batch can say it was not on it
    assert signing.sign_checkpoint(actor=SYSTEM) is None
    refused = LogAlert.objects.filter(kind=LogAlert.Kind.SIGNER_REFUSED).latest("pk")
    assert (refused.reason, refused.leaf_index) == (Reason.LOG_DAMAGED, index)


def test_nothing_is_appended_to_a_log_cut_at_its_end(chain, batch, attacker, seller_user):
    """Threat: the newest signed leaf deleted, so the next record would take its
    place. Property: the append is refused with a code and writes nothing."""
    delete_event(chain[-1].pk, with_leaf=True)
    before = TraceEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        observe(seller_user, batch, "receiving", "in_progress", event_time=at(4))
    assert refused.value.code == Code.TRACE_LOG_DAMAGED
    assert TraceEvent.objects.count() == before


@pytest.mark.parametrize(
    "edit",
    ["size_back", "size_ahead", "edge", "origin"],
)
def test_an_edited_head_refuses_appends_until_the_signer_restores_it(
    chain, batch, attacker, seller_user, edit
):
    """Threat: the log's head (its size and right edge, the one row appends read)
    edited, so the next record would take a used index or complete wrong nodes.
    Property: the append is refused with a code and writes nothing; the signer's
    next run restores the head from the stored log and alerts; recording resumes
    and verifies."""
    head = LogHead.objects.get()
    if edit == "edge":
        sql("UPDATE traceability_loghead SET edge = %s", [bytes(len(head.edge))])
    elif edit == "origin":
        sql("UPDATE traceability_loghead SET origin = %s", ["elsewhere.example/trace"])
    else:
        sql(
            "UPDATE traceability_loghead SET size = %s",
            [head.size + (1 if "ahead" in edit else -1)],
        )
    before = (TraceEvent.objects.count(), LogLeaf.objects.count(), LogNode.objects.count())
    with pytest.raises(DomainError) as refused:
        observe(seller_user, batch, "receiving", "in_progress", event_time=at(4))
    assert refused.value.code == Code.TRACE_LOG_DAMAGED
    assert (TraceEvent.objects.count(), LogLeaf.objects.count(), LogNode.objects.count()) == before
    assert signing.sign_checkpoint(actor=SYSTEM) is not None
    assert LogAlert.objects.get(kind=LogAlert.Kind.HEAD_RESTORED).leaf_index == head.size
    restored = LogHead.objects.get()
    assert (restored.size, bytes(restored.edge), restored.origin) == (
        head.size,
        bytes(head.edge),
        transparency.origin(),
    )
    observe(seller_user, batch, "receiving", "in_progress", event_time=at(4))
    signing.sign_checkpoint(actor=SYSTEM)
    assert named(batch) == (True, None, None)


def test_a_deleted_head_is_made_again_from_the_stored_log(chain, batch, attacker, seller_user):
    head = LogHead.objects.get()
    sql("DELETE FROM traceability_loghead")
    observe(seller_user, batch, "receiving", "in_progress", event_time=at(4))
    assert LogHead.objects.get().size == head.size + 1
    assert signing.sign_checkpoint(actor=SYSTEM).size == head.size + 1
    assert named(batch) == (True, None, None)


def test_c2_a_step_deleted_before_its_checkpoint_is_proven_missing_by_its_receipt(
    chain, batch, attacker, seller_user
):
    late = observe(seller_user, batch, "receiving", "in_progress", event_time=at(4))
    receipt = late.receipt  # what the farmer downloaded
    assert receipts.check_receipt(receipt).status == receipts.ReceiptStatus.PENDING
    index = delete_event(late.pk, with_leaf=True)
    sql('DELETE FROM traceability_lognode WHERE ("index" + 1) * (1 << level) > %s', [index])
    assert named(batch)[0]  # the database alone now looks whole …
    checked = receipts.check_receipt(receipt)
    assert checked.status == receipts.ReceiptStatus.MISSING  # … the receipt proves it is not
    assert checked.receipt.index == index


def test_d_a_forged_event_at_the_end_is_named(chain, batch, attacker, seller_user):
    forged = forge_event(chain, batch, seller_user)
    assert named(batch) == (False, Reason.NOT_IN_LOG, str(forged.pk))


def test_d2_a_forged_event_with_a_forged_leaf_has_no_receipt(chain, batch, attacker, seller_user):
    forged = forge_event(chain, batch, seller_user)
    hashed = transparency.leaf_hash(forged.content_hash, [batch.pk])
    leaf = LogLeaf.objects.create(
        index=log.leaf_count(), event_id=forged.pk, hash=hashed, chains=str(batch.pk)
    )
    leaf.on_chains.create(chain=batch.pk)
    assert named(batch) == (False, Reason.BAD_RECEIPT, str(forged.pk))
    assert signing.sign_checkpoint(actor=SYSTEM) is None
    refused = LogAlert.objects.filter(kind=LogAlert.Kind.SIGNER_REFUSED).latest("pk")
    assert (refused.reason, refused.event_id) == ("bad_receipt", forged.pk)


# --- what the database itself refuses ----------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "statement"),
    [
        ("traceability_traceevent", "UPDATE {} SET content_hash = 'x'"),
        ("traceability_traceevent", "DELETE FROM {}"),
        ("traceability_traceeventbatch", "UPDATE {} SET role = 'input'"),
        ("traceability_traceeventbatch", "DELETE FROM {}"),
        ("traceability_logleaf", "UPDATE {} SET chains = '1'"),
        ("traceability_lognode", "DELETE FROM {}"),
        ("traceability_logcheckpoint", "UPDATE {} SET note = 'x'"),
        ("traceability_logcheckpoint", "DELETE FROM {}"),
    ],
)
def test_the_database_refuses_updates_and_deletes(chain, table, statement):
    assert connection.vendor in ("postgresql", "sqlite")
    refused = pytest.raises(DatabaseError, match="append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table))
    assert TraceEvent.objects.count() == len(chain)
    assert verification.verify_batch(chain[0].batches.get()).verdict.ok


def test_an_untouched_record_verifies_and_says_when_it_was_signed(chain, batch):
    result = verification.verify_batch(batch)
    assert result.verdict.ok
    assert result.checkpoint_at == LogCheckpoint.objects.get().signed_at


def test_a_checkpoint_edited_in_the_database_is_refused(chain, batch, attacker):
    stored = LogCheckpoint.objects.get()
    sql("UPDATE traceability_logcheckpoint SET root = %s", [bytes(32)])
    assert named(batch)[:2] == (False, Reason.BAD_CHECKPOINT)
    sql("UPDATE traceability_logcheckpoint SET root = %s, note = %s", [stored.root, "x\n\n"])
    assert named(batch)[:2] == (False, Reason.BAD_CHECKPOINT)


def test_a_node_rewritten_alone_is_caught(chain, batch, attacker, seller_user, elsewhere):
    """A node is read only by the proofs that need it, so the batch's own check
    may pass; the audit, recomputing every node, finds it, and then no batch
    shows verified and the signer signs nothing."""
    assert LogNode.objects.filter(level=1, index=1).exists()
    sql('UPDATE traceability_lognode SET hash = %s WHERE level = 1 AND "index" = 1', [bytes(32)])
    harvest(seller_user, elsewhere, event_time=at(13))
    audit.audit(actor=SYSTEM)
    assert named(batch)[:2] == (False, Reason.LOG_DAMAGED)
    assert signing.sign_checkpoint(actor=SYSTEM) is None
    refused = LogAlert.objects.filter(kind=LogAlert.Kind.SIGNER_REFUSED).latest("pk")
    assert (refused.reason, refused.leaf_index) == (Reason.LOG_DAMAGED, 2)


def test_nodes_proven_before_are_a_shortcut_never_a_verdict(chain, batch, attacker, elsewhere):
    """Threat: a verification that trusts the nodes its process proved earlier
    after the database changed, or a memory that was never right (another log's,
    before a restore). Property: remembered nodes only ever speed up a
    verification that holds: with every one of them wrong the record still
    verifies, and a rewritten record is still named."""
    signing.sign_checkpoint(actor=SYSTEM)  # the batch's check now reads the other batch's leaf
    verification.PROVEN_NODES.clear()
    assert named(batch) == (True, None, None)
    proven = verification.PROVEN_NODES
    assert proven
    proven.update(dict.fromkeys(proven, bytes(32)))
    assert named(batch) == (True, None, None)
    rewrite_leaves(rehash_from(chain, 1))
    assert named(batch) == (False, Reason.NOT_AS_LOGGED, str(chain[1].pk))

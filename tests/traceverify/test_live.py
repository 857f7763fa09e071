"""The verifier against a live market, as anyone runs it: `python -m traceverify`
in its own process, reading only the public answers.

Threat: an insider with write access to the database makes a record say what
it did not (an edited step, a chain rewritten after it, a step deleted or
forged, a batch's facts changed), or the market shows a buyer a history other
than the one it signed. Property: the independent verifier reaches the
market's own verdict (`verification.verify_batch`, what `traceVerify`
answers): both pass an untouched record, both fail a tampered one and name the
same event (or batch) for the same reason; a log that no longer extends the
checkpoint a verifier remembers is reported as a fork, with both signed
checkpoints as evidence; a farmer's receipt is included, pending, or proves
that the log broke its promise.

After each edit the audit runs, as the beat does, so that the cached public
answers of the changed batches are renewed.
"""

import json

import pytest
from django.db import connection

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
    rehash_from,
    write,
)
from tests.helpers.services import free_port
from tests.helpers.traceverify import named, run, verifier
from tests.helpers.witness import WitnessProcess
from tlog import checkpoint as tlog_checkpoint
from tlog import note
from tlog.cosignature import CosignatureSigner
from traceability import transparency
from traceability.integrity import Reason
from traceability.models import LogLeaf
from traceability.services import audit, signing, verification
from traceability.services import batches as services


@pytest.fixture
def market(live_server):
    return live_server.url


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state.json"


@pytest.fixture
def attacker():
    """Triggers dropped for the test, put back after."""
    drop_triggers()
    yield
    create_triggers()


def market_says(batch):
    """`traceVerify`'s verdict as the verifier names it: None, or (reason, event, batch)."""
    verdict = verification.verify_batch(batch).verdict
    if verdict.ok:
        return None
    if verdict.event_id is not None:
        return str(verdict.reason), int(verdict.event_id), None
    return str(verdict.reason), None, int(verdict.chain_id)


def verifier_says(answer):
    if answer["ok"]:
        return None
    reason, sequence, batch = named(answer)
    return reason, sequence, None if sequence is not None else batch


def check(batch, market, state, *arguments):
    """Both verdicts, after the audit has renewed the public answers."""
    audit.audit(actor=SYSTEM)
    status, answer, errors = run(batch.digital_link(), *arguments, base=market, state=state)
    assert status in (0, 1), errors
    assert status == (0 if answer["ok"] else 1)
    return market_says(batch), verifier_says(answer), answer


# --- untouched records -------------------------------------------------------------------------


def test_an_untouched_record_verifies_by_its_qr_url_and_its_short_code(batch, chain, market, state):
    ours, theirs, answer = check(batch, market, state)
    assert ours is theirs is None
    assert (answer["events"], answer["batches"], answer["pending"]) == (4, 1, 0)
    signed = signing.newest_checkpoint()
    assert answer["log"]["checkpoint"] == {
        "size": signed.size,
        "signed_at": signed.signed_at.isoformat(),
    }
    assert answer["log"]["origin"] == transparency.origin()
    status, by_code, _errors = run(batch.code, base=market, state=state)
    assert status == 0 and by_code["events"] == 4


def test_a_record_made_from_another_batch_verifies_with_it(milled, market, state):
    ours, theirs, answer = check(milled, market, state)
    assert ours is theirs is None
    assert (answer["events"], answer["batches"]) == (6, 2)


def test_the_human_answer_says_ok_with_the_checkpoint(batch, chain, market, state):
    done = verifier(batch.digital_link(), base=market, state=state)
    assert done.returncode == 0, done.stderr
    size = signing.newest_checkpoint().size
    assert done.stdout.startswith("OK: ") and f"checkpoint of {size} leaves" in done.stdout


# --- the insider's edits -----------------------------------------------------------------------


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def edit_document(chain, batch, actor):
    write(chain[1].pk, document=json.dumps(doctored(chain[1])))
    return Reason.CONTENT_MISMATCH, chain[1].pk, None


def edit_and_rehash(chain, batch, actor):
    rehash_from(chain, 1)
    return Reason.NOT_AS_LOGGED, chain[1].pk, None


def delete_newest(chain, batch, actor):
    delete_event(chain[-1].pk)
    return Reason.MISSING_EVENTS, chain[-1].pk, None


def forge_at_the_end(chain, batch, actor):
    return Reason.NOT_IN_LOG, forge_event(chain, batch, actor).pk, None


def edit_harvest_date(chain, batch, actor):
    sql("UPDATE traceability_batch SET harvest_date = %s WHERE id = %s", ["2026-09-01", batch.pk])
    return Reason.BATCH_MISMATCH, None, batch.pk


def edit_quantity(chain, batch, actor):
    sql("UPDATE traceability_batch SET quantity = %s WHERE id = %s", ["999.000", batch.pk])
    return Reason.BATCH_MISMATCH, None, batch.pk


@pytest.mark.parametrize(
    "tamper",
    [
        edit_document,
        edit_and_rehash,
        delete_newest,
        forge_at_the_end,
        edit_harvest_date,
        edit_quantity,
    ],
)
def test_both_fail_an_insiders_edit_and_name_the_same_event(
    batch, chain, market, state, attacker, seller_user, tamper
):
    expected = tamper(chain, batch, seller_user)
    ours, theirs, _answer = check(batch, market, state)
    assert ours == theirs == (str(expected[0]), *expected[1:])


def test_an_edit_upstream_is_named_from_the_batch_made_of_it(
    milled, chain, market, state, attacker
):
    write(chain[2].pk, document=json.dumps(doctored(chain[2])))
    ours, theirs, answer = check(milled, market, state)
    assert ours == theirs == (Reason.CONTENT_MISMATCH, chain[2].pk, None)
    assert answer["failure"]["event_id"] == chain[2].document["eventID"]


# --- the log, remembered -----------------------------------------------------------------------


def sign_other_history(size):
    """A checkpoint of `size` leaves with another root, signed with the log's key: what
    a market that forked its log shows one of its visitors."""
    body = tlog_checkpoint.Checkpoint(transparency.origin(), size, bytes(32))
    return tlog_checkpoint.sign_checkpoint(body, transparency.signer())


def remember(state, market, **entry):
    stored = json.loads(state.read_text())
    stored["sites"][market].update(entry)
    state.write_text(json.dumps(stored))


def test_the_next_run_checks_that_the_log_extends_the_checkpoint_remembered(
    seller_user, batch, chain, market, state
):
    assert run(batch.code, base=market, state=state)[0] == 0
    first = signing.newest_checkpoint()
    observe(seller_user, batch, "receiving", "in_progress", event_time=at(4))
    newest = signing.newest_checkpoint()
    assert newest.size > first.size
    status, answer, _errors = run(batch.code, base=market, state=state)
    assert status == 0 and answer["events"] == 5
    assert json.loads(state.read_text())["sites"][market]["checkpoint"] == newest.note


@pytest.mark.parametrize("offset", [0, -1, 3], ids=["same size", "smaller", "larger"])
def test_a_remembered_checkpoint_the_log_does_not_extend_is_a_fork(
    batch, chain, market, state, offset
):
    """The verifier saw another history before (same key, another root), or a larger
    tree than the log now shows: the log has forked, and both notes are the evidence."""
    assert run(batch.code, base=market, state=state)[0] == 0
    newest = signing.newest_checkpoint()
    other = sign_other_history(newest.size + offset)
    remember(state, market, checkpoint=other)
    status, answer, _errors = run(batch.code, base=market, state=state)
    assert (status, answer["failure"]["reason"]) == (1, "fork")
    assert answer["evidence"] == [other, newest.note]
    assert json.loads(state.read_text())["sites"][market]["checkpoint"] == other  # kept


def test_another_log_key_than_the_one_trusted_first_fails(batch, chain, market, state):
    assert run(batch.code, base=market, state=state)[0] == 0
    stranger = note.Ed25519Signer.generate(transparency.origin()).verifier().vkey()
    remember(state, market, vkey=stranger)
    status, answer, _errors = run(batch.code, base=market, state=state)
    assert (status, answer["failure"]["reason"]) == (1, "key_changed")
    status, answer, _errors = run(batch.code, "--key", stranger, base=market, state=state)
    assert (status, answer["failure"]["reason"]) == (1, "key_changed")


def test_the_witnesses_cosignatures_are_checked(
    tmp_path, settings, seller_user, batch, chain, market, state
):
    logs = {transparency.origin(): [transparency.verifier().vkey()]}
    county = WitnessProcess(tmp_path / "county", logs)
    county.start()
    try:
        settings.TRACE_WITNESSES = [f"http://127.0.0.1:{county.port} {county.vkey}"]
        observe(seller_user, batch, "receiving", "in_progress", event_time=at(4))
    finally:
        county.kill()
    status, answer, _errors = run(batch.code, "--witness", county.vkey, base=market, state=state)
    assert status == 0
    assert [w["key"] for w in answer["log"]["witnesses"]] == [county.vkey]
    stranger = CosignatureSigner.generate("other.example/witness").verifier().vkey()
    status, answer, _errors = run(batch.code, "--witness", stranger, base=market, state=state)
    assert (status, answer["failure"]["reason"]) == (1, "unwitnessed")


# --- a farmer's receipts -----------------------------------------------------------------------


def receipt_file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_farmers_receipts_are_included_pending_or_proof_of_a_broken_promise(
    tmp_path, seller_user, variant, farm, batch, chain, market, state, attacker
):
    included = receipt_file(tmp_path, "included.txt", chain[1].receipt)
    elsewhere = services.create_batch(
        actor=seller_user, variant=variant, farm=farm, **batch_fields(lot="OTHER-1")
    )
    late = services.create_batch(
        actor=seller_user, variant=variant, farm=farm, **batch_fields(lot="LATE-1")
    )
    kept = receipt_file(tmp_path, "late.txt", late.receipt)  # what the farmer downloaded
    arguments = ("--receipt", included, "--receipt", kept)
    status, answer, _errors = run(batch.code, *arguments, base=market, state=state)
    assert status == 0
    assert [r["status"] for r in answer["receipts"]] == ["included", "pending"]
    # The insider removes the late batch's leaf before a checkpoint covers it, and
    # the log's head (made again from what is left), so that honest work takes its
    # place in the log, which is then signed.
    index = LogLeaf.objects.get(batch_id=late.pk).index
    sql("DELETE FROM traceability_logleafchain WHERE leaf_id = %s", [index])
    sql('DELETE FROM traceability_logleaf WHERE "index" = %s', [index])
    sql('DELETE FROM traceability_lognode WHERE ("index" + 1) * (1 << level) > %s', [index])
    sql("DELETE FROM traceability_loghead")
    harvest(seller_user, elsewhere, event_time=at(13))
    assert signing.newest_checkpoint().size > index
    status, answer, _errors = run(batch.code, *arguments, base=market, state=state)
    assert (status, answer.get("failure")) == (1, None)  # the record itself is sound
    assert [r["status"] for r in answer["receipts"]] == ["included", "missing"]
    forged = receipt_file(tmp_path, "forged.txt", late.receipt.replace(f"\n{index}\n", "\n0\n"))
    status, answer, _errors = run(batch.code, "--receipt", forged, base=market, state=state)
    assert status == 1 and [r["status"] for r in answer["receipts"]] == ["invalid"]


# --- usage and network errors ------------------------------------------------------------------


def test_usage_and_network_errors_conclude_nothing(batch, market, state):
    assert run(batch.code, state=state)[:2] == (2, None)  # a short code needs --base
    assert run(batch.code, "--key", "nonsense", base=market, state=state)[:2] == (2, None)
    unreachable = f"http://127.0.0.1:{free_port()}"
    status, answer, errors = run(batch.code, base=unreachable, state=state)
    assert (status, answer) == (2, None) and unreachable in errors
    status, answer, errors = run("NOSUCHCODE", base=market, state=state)
    assert (status, answer) == (2, None) and "404" in errors
    assert not state.exists()


def test_the_human_answer_names_the_failing_event_and_why(batch, chain, market, state, attacker):
    edit_document(chain, batch, None)
    audit.audit(actor=SYSTEM)
    done = verifier(batch.code, base=market, state=state)
    assert done.returncode == 1, done.stderr
    named_event = f"event {chain[1].pk} ({chain[1].document['eventID']}): content_mismatch"
    assert done.stdout.startswith(f"FAILED: {market}/t/{batch.code}: {named_event}")


def test_evidence_written_into_a_stored_document_vouches_for_nothing(
    batch, chain, market, state, attacker
):
    """Threat: an insider writes the evidence keys into a stored document, hoping a
    verifier strips them and hashes what remains. Property: the answer carries no
    evidence for that event, so the verifier fails as traceVerify does."""
    injected = {**chain[1].document, "trace:hash": chain[1].content_hash}
    write(chain[1].pk, document=json.dumps(injected))
    ours, theirs, _answer = check(batch, market, state)
    assert ours == (str(Reason.CONTENT_MISMATCH), chain[1].pk, None)
    assert theirs is not None

"""The platform's trace log witnessed by county offices: each witness is its own
process with its own key and state file (`python -m witness`), asked over HTTP
by the signing task (c2sp.org/tlog-witness, add-checkpoint).

Threat: the platform, or an insider who also holds its signing key, rewrites
history and signs a checkpoint of the rewritten tree, so that buyers see a
record that verifies. Property: a witness cosigns only checkpoints that extend
what it cosigned before, so the forged checkpoint gets no cosignature, the
refusal is an alert for the operators and a log line (with the signed
checkpoint as evidence) at the county office, and a batch covered only by the
forged checkpoint counts no witness. An honest log is cosigned at every
checkpoint, across witness restarts and a platform that lost its record of
cosignatures; a witness outage never stops recording or signing.
"""

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from shop.core.roles import SYSTEM
from tests.helpers.batches import batch_fields
from tests.helpers.events import (
    at,
    create_triggers,
    drop_triggers,
    harvest,
    observe,
    rebuild_nodes,
    rehash_from,
    rewrite_leaves,
)
from tests.helpers.services import free_port
from tests.helpers.witness import WitnessProcess
from tlog import checkpoint as tlog_checkpoint
from tlog import merkle, note
from tlog.cosignature import CosignatureSigner, CosignatureVerifier
from traceability import tasks, transparency
from traceability.models import LogAlert, LogCheckpoint, LogCosignature
from traceability.services import batches as services
from traceability.services import log, signing, verification, witnesses


@pytest.fixture
def start_witness(tmp_path, settings):
    """Start a county office's witness of the platform's log (its own process, key
    and state) and add it to the platform's TRACE_WITNESSES."""
    started = []

    def start(name="county.example/witness"):
        logs = {transparency.origin(): [transparency.verifier().vkey()]}
        witness = WitnessProcess(tmp_path / f"witness-{len(started)}", logs, name)
        witness.start()
        started.append(witness)
        settings.TRACE_WITNESSES = [configured_as(w) for w in started]
        return witness

    yield start
    for witness in started:
        witness.kill()


@pytest.fixture
def witness(start_witness):
    return start_witness()


@pytest.fixture
def elsewhere(seller_user, batch):
    return another_batch(seller_user, batch, "OTHER-1")


def another_batch(actor, batch, lot):
    """Another batch of the same variant and farm as `batch`."""
    fields = batch_fields(lot=lot)
    return services.create_batch(actor=actor, variant=batch.variant, farm=batch.farm, **fields)


def configured_as(witness):
    return f"http://127.0.0.1:{witness.port} {witness.vkey}"


def record(actor, batch, *days):
    """An inspection of `batch` on each of `days` (distinct facts, so distinct events)."""
    return [observe(actor, batch, event_time=at(day)) for day in days]


def served(client, *cosigners):
    """The checkpoint /trace/log/checkpoint serves, opened as anyone would: with the
    log's key and the witnesses' verifier keys; and who verifiably signed it."""
    response = client.get(reverse("trace-log-checkpoint"))
    assert response.status_code == 200
    verifiers = [
        transparency.verifier(),
        *(CosignatureVerifier.from_vkey(w.vkey) for w in cosigners),
    ]
    opened = note.open_note(response.content.decode(), verifiers)
    found = tlog_checkpoint.Checkpoint.parse(opened.text)
    return found, {f"{s.name}+{s.key_id.hex()}" for s in opened.verified}


def signed_by(*keys):
    """How `served` names the signers: each verifier key's name and key id."""
    return {"+".join(key.split("+")[:2]) for key in keys}


def as_tables_owner(statement, params=()):
    """Run SQL the triggers refuse, as someone with the tables' owner's rights does."""
    drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))
    create_triggers()


def insider_deletes(table):
    as_tables_owner(f"DELETE FROM {table}")  # noqa: S608 - our table names


# --- an honest log ------------------------------------------------------------------------------


def test_a_checkpoint_is_cosigned_and_anyone_can_check_the_cosignature(
    witness, seller_user, batch, client
):
    """Threat: a cosignature nobody can check, or a checkpoint the county office never
    saw. Property: the signing task gets the witness's cosignature, the served
    checkpoint carries it, it verifies with the witness's key, and the batch counts
    the witness."""
    harvest(seller_user, batch)
    record(seller_user, batch, 1)
    size = log.leaf_count()  # the batch's record and its two events
    assert tasks.sign_trace_checkpoint() == size
    stored = LogCosignature.objects.get()
    assert (stored.checkpoint.size, stored.witness) == (size, witnesses.configured()[0].name)
    found, signers = served(client, witness)
    assert (found.origin, found.size) == (transparency.origin(), size)
    assert signers == signed_by(transparency.verifier().vkey(), witness.vkey)
    assert witness.stored()[transparency.origin()]["size"] == size
    assert verification.verify_batch(batch).witnesses == 1


def test_the_witness_follows_the_log_with_consistency_proofs(witness, seller_user, batch, client):
    """Threat: a witness that can only cosign a log's first checkpoint is no witness.
    Property: each new checkpoint is asked from the size the witness last cosigned,
    with the proof from it, and its state file holds the new size."""
    harvest(seller_user, batch)
    record(seller_user, batch, 1)
    first = tasks.sign_trace_checkpoint()
    record(seller_user, batch, 2, 3, 4)
    assert tasks.sign_trace_checkpoint() == first + 3
    cosigned = LogCosignature.objects.order_by("checkpoint__size")
    assert [c.checkpoint.size for c in cosigned] == [first, first + 3]
    assert witness.stored()[transparency.origin()]["size"] == first + 3
    assert f" old {first} size {first + 3} " in witness.log()
    assert served(client, witness)[0].size == first + 3
    assert verification.verify_batch(batch).witnesses == 1
    assert not LogAlert.objects.filter(kind=LogAlert.Kind.WITNESS_REFUSED).exists()


def test_a_witness_killed_and_restarted_goes_on_from_its_state(witness, seller_user, batch):
    """Threat: a witness that forgets what it cosigned when its process dies would
    cosign a fork afterwards. Property: after SIGKILL and a restart, it follows the
    log from the size its state file kept."""
    harvest(seller_user, batch)
    first = tasks.sign_trace_checkpoint()
    witness.kill()
    witness.start()
    record(seller_user, batch, 1, 2)
    assert tasks.sign_trace_checkpoint() == first + 2
    assert LogCosignature.objects.filter(checkpoint__size=first + 2).exists()
    assert witness.stored()[transparency.origin()]["size"] == first + 2
    assert f" old {first} size {first + 2} " in witness.log()


def test_a_platform_that_lost_its_cosignatures_is_told_the_size_and_retries(
    witness, seller_user, batch
):
    """Threat: the platform's record of cosignatures is lost (an insider deleted the
    rows), so it asks from size 0. Property: the witness answers 409 with the size it
    cosigned, the platform asks again from there with the proof, and is cosigned."""
    harvest(seller_user, batch)
    record(seller_user, batch, 1)
    first = tasks.sign_trace_checkpoint()
    insider_deletes("traceability_logcosignature")
    record(seller_user, batch, 2)
    assert tasks.sign_trace_checkpoint() == first + 1
    assert LogCosignature.objects.get().checkpoint.size == first + 1
    assert "refused 409" in witness.log() and f" old {first} size {first + 1} " in witness.log()
    assert not LogAlert.objects.filter(kind=LogAlert.Kind.WITNESS_REFUSED).exists()
    assert verification.verify_batch(batch).witnesses == 1


# --- the fork -----------------------------------------------------------------------------------


def signed_with_the_platform_key(size):
    """A checkpoint of the stored tree signed directly with the log's key, bypassing
    the signer's checks: what someone who stole the key can do."""
    root = merkle.root(log.DatabaseStore(size), size)
    body = tlog_checkpoint.Checkpoint(transparency.origin(), size, root)
    return LogCheckpoint.objects.create(
        size=size,
        root=root,
        note=tlog_checkpoint.sign_checkpoint(body, transparency.signer()),
        signed_at=timezone.now(),
    )


@pytest.mark.parametrize(
    ("fork", "status"),
    [
        ("grown", 422),  # the rewritten tree, grown by a batch: the proof fails
        ("same size", 409),  # the checkpoint replaced by one of the rewritten tree
    ],
)
def test_a_rewritten_history_signed_with_the_stolen_key_is_refused(
    witness, seller_user, batch, elsewhere, fork, status
):
    """Threat: an insider edits an inspection already cosigned, recomputes every hash,
    leaf and node, and signs the rewritten tree with the platform's key (the signer's
    checks bypassed). Property: the witness refuses it and keeps its state, the
    platform records the refusal as an alert naming the witness, stores no
    cosignature, counts no witness for a batch the forged checkpoint alone covers,
    and the county office's log keeps the forged checkpoint as evidence."""
    chain = [harvest(seller_user, batch), *record(seller_user, batch, 1, 2, 3)]
    harvest(seller_user, elsewhere)
    assert tasks.sign_trace_checkpoint() == log.leaf_count()
    honest = witness.stored()[transparency.origin()]
    drop_triggers()
    rewrite_leaves(rehash_from(chain, 1))
    rebuild_nodes(head=True)
    create_triggers()
    if fork == "grown":
        covered = another_batch(seller_user, batch, "LATER-1")
        harvest(seller_user, covered)
    else:
        covered = elsewhere
        insider_deletes("traceability_logcosignature")
        insider_deletes("traceability_logcheckpoint")
    forged = signed_with_the_platform_key(log.leaf_count())

    assert witnesses.ask_all(actor=SYSTEM) == 0

    alert = LogAlert.objects.get(kind=LogAlert.Kind.WITNESS_REFUSED)
    assert alert.reason == f"witness_{status}"
    assert alert.detail.startswith(witnesses.configured()[0].name)
    assert not LogCosignature.objects.filter(checkpoint=forged).exists()
    assert witness.stored()[transparency.origin()] == honest
    assert f"refused {status}: FORK" in witness.log()
    assert repr(forged.note) in witness.log()  # the log's own signature on the fork
    seen = verification.verify_batch(covered)  # a batch only the forged checkpoint covers
    assert seen.verdict.ok  # the forged checkpoint makes it look verified …
    assert seen.witnesses == 0  # … but no witness vouches for it


# --- outages and configuration ------------------------------------------------------------------


def test_a_witness_outage_never_blocks_recording_or_signing(witness, seller_user, batch):
    """Threat: a county office's server down stops farmers recording, or the log
    signing. Property: the platform records and signs, asks in vain without raising
    or alerting, and is cosigned again from the last size once the witness is back."""
    harvest(seller_user, batch)
    first = tasks.sign_trace_checkpoint()
    witness.kill()
    record(seller_user, batch, 1)
    assert tasks.sign_trace_checkpoint() == first + 1
    assert witnesses.ask_all(actor=SYSTEM) == 0
    assert not LogCosignature.objects.filter(checkpoint__size=first + 1).exists()
    assert not LogAlert.objects.filter(kind=LogAlert.Kind.WITNESS_REFUSED).exists()
    witness.start()
    assert witnesses.ask_all(actor=SYSTEM) == 1
    assert f" old {first} size {first + 1} " in witness.log()


def test_a_witness_never_reachable_is_no_obstacle(settings, seller_user, batch):
    """Property as above, for a witness configured on a port nothing listens on."""
    key = CosignatureSigner.generate("county.example/witness").verifier().vkey()
    settings.TRACE_WITNESSES = [f"http://127.0.0.1:{free_port()} {key}"]
    harvest(seller_user, batch)
    assert tasks.sign_trace_checkpoint() == log.leaf_count()
    assert witnesses.ask_all(actor=SYSTEM) == 0
    assert not LogCosignature.objects.exists()
    assert verification.verify_batch(batch).witnesses == 0


def test_two_witnesses_are_counted_on_the_page(start_witness, seller_user, batch, client):
    """Threat: one county office alone could collude with the platform. Property: two
    witnesses both cosign, the served checkpoint carries both cosignatures, and the
    verification the provenance page makes counts two."""
    first, second = start_witness(), start_witness("coop.example/witness")
    harvest(seller_user, batch)
    assert tasks.sign_trace_checkpoint() == log.leaf_count()
    assert LogCosignature.objects.count() == 2
    signers = served(client, first, second)[1]
    assert signers == signed_by(transparency.verifier().vkey(), first.vkey, second.vkey)
    chains = verification.upstream_batches(batch)
    assert verification.verify_events(chains, *verification.chain_events(chains)).witnesses == 2


def test_a_witness_is_its_name_and_key(start_witness, settings, seller_user, batch):
    """Threat: two offices that both kept the example name taken for one (the second
    never asked), or a witness that got a new key after losing its state credited
    with what its old key cosigned. Property: a witness is its name and its key."""
    first, second = start_witness(), start_witness()
    harvest(seller_user, batch)
    tasks.sign_trace_checkpoint()
    assert LogCosignature.objects.count() == 2
    assert verification.verify_batch(batch).witnesses == 2
    renewed = start_witness()  # the first office's new key, under the same name
    settings.TRACE_WITNESSES = [configured_as(renewed), configured_as(second)]
    assert verification.verify_batch(batch).witnesses == 1
    assert witnesses.ask_all(actor=SYSTEM) == 1
    assert verification.verify_batch(batch).witnesses == 2
    same = ("size", "root_hash")
    assert [first.stored()[transparency.origin()][k] for k in same] == [
        renewed.stored()[transparency.origin()][k] for k in same
    ]


def test_only_a_witness_s_own_cosignature_is_served(
    start_witness, settings, seller_user, batch, client
):
    """Threat: a witness that answers with more than its cosignature, here a line in
    another witness's name, so that the served checkpoint no longer opens for anyone
    checking that other witness. Property: only the line its key verifies is kept."""
    county, coop = start_witness(), start_witness("coop.example/witness")
    coop_key_id = CosignatureVerifier.from_vkey(coop.vkey).key_id
    forged = f"— coop.example/witness {note.b64encode(coop_key_id + bytes(72))}\n"
    with appending(county, forged) as port:
        settings.TRACE_WITNESSES = [
            f"http://127.0.0.1:{port} {county.vkey}",
            configured_as(coop),
        ]
        harvest(seller_user, batch)
        assert tasks.sign_trace_checkpoint() == log.leaf_count()
    assert forged not in "".join(LogCosignature.objects.values_list("line", flat=True))
    signers = served(client, county, coop)[1]
    assert signers == signed_by(transparency.verifier().vkey(), county.vkey, coop.vkey)


@contextlib.contextmanager
def appending(witness, extra):
    """A proxy in front of `witness` that adds `extra` to the witness's 200 answers."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            status, _type, text = witness.post(self.rfile.read(int(self.headers["Content-Length"])))
            answer = (text + extra if status == 200 else text).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "entry",
    [
        "http://127.0.0.1:7380",  # no key
        "http://127.0.0.1:7380 county.example/witness+00000000+AQ",  # not a key
        "county.example/witness+1a2b3c4d+BA http://127.0.0.1:7380",  # the wrong way round
        "127.0.0.1:7380 {vkey}",  # not a URL
        "http://127.0.0.1:7380 {log_key}",  # the log's own key, not a cosignature key
    ],
)
def test_a_malformed_witness_entry_is_refused_naming_it(settings, entry):
    """Threat: a mistyped TRACE_WITNESSES that silently asks no one. Property:
    `configured()` refuses it, naming the entry."""
    vkey = CosignatureSigner.generate("county.example/witness").verifier().vkey()
    entry = entry.format(vkey=vkey, log_key=transparency.verifier().vkey())
    settings.TRACE_WITNESSES = [entry]
    with pytest.raises(ImproperlyConfigured, match="TRACE_WITNESSES") as refused:
        witnesses.configured()
    assert repr(entry) in str(refused.value)


@pytest.mark.parametrize("how", ["added", "moved"])
def test_a_cosignature_row_an_insider_adds_is_not_counted(witness, seller_user, batch, how):
    """Threat: an insider inserts a cosignature row, or points a real one at a newer
    checkpoint, to show "witnessed" for events no witness saw. Property: only a line
    that verifies with the witness's key over that checkpoint counts."""
    harvest(seller_user, batch)
    tasks.sign_trace_checkpoint()
    real = LogCosignature.objects.get()
    assert verification.verify_batch(batch).witnesses == 1
    record(seller_user, batch, 1)
    newest = signing.sign_checkpoint(actor=SYSTEM)  # not asked: no cosignature yet
    assert newest.size == log.leaf_count() > real.checkpoint.size
    if how == "added":
        LogCosignature.objects.create(
            checkpoint=newest, witness=real.witness, line=real.line, cosigned_at=real.cosigned_at
        )
    else:
        as_tables_owner(
            "UPDATE traceability_logcosignature SET checkpoint_id = %s WHERE id = %s",
            [newest.pk, real.pk],
        )
    assert LogCosignature.objects.filter(checkpoint=newest, witness=real.witness).exists()
    assert verification.verify_batch(batch).verdict.ok
    assert verification.verify_batch(batch).witnesses == 0

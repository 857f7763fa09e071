"""The witness as a county office runs it: its own process, key and state, driven
over HTTP by a log built in memory (c2sp.org/tlog-witness, add-checkpoint).

Each test names the threat it covers. The specification fixes the answers: 409
for a stale old size and for the same size with another root, 422 for a proof
that does not verify, 403 for a checkpoint no trusted key signed, 404 for an
unknown origin, 400 for a malformed body.
"""

import http.client
import subprocess
import threading
import time

import pytest

from tests.helpers.witness import MemoryLog
from tlog import note
from tlog.checkpoint import open_checkpoint
from tlog.cosignature import CosignatureVerifier, timestamp_of

SIZE_TYPE = "text/x.tlog.size"


def cosigned_by(witness, log, checkpoint, lines):
    """The witness's verified cosignatures on `checkpoint`, read as a client of the spec does:
    the response appended to the checkpoint, opened with the log's and the witness's keys."""
    verifiers = [
        note.Ed25519Verifier.from_vkey(log.vkey),
        CosignatureVerifier.from_vkey(witness.vkey),
    ]
    _, opened = open_checkpoint(checkpoint + lines, verifiers, origin=log.origin)
    return [s for s in opened.verified if s.name == witness.vkey.split("+")[0]]


def test_a_first_checkpoint_is_cosigned_and_the_cosignature_verifies(witness, log):
    """Threat: a cosignature nobody can check, or one made without the log's signature."""
    status, content_type, body = witness.post(log.request(old=0))
    assert status == 200, witness.log()
    assert body.startswith("— county.example/witness ") and body.endswith("\n")
    (cosignature,) = cosigned_by(witness, log, log.checkpoint(), body)
    assert abs(timestamp_of(cosignature) - time.time()) < 60
    assert witness.stored()[log.origin]["size"] == 4


def test_growth_with_a_valid_consistency_proof_is_cosigned(witness, log):
    """Threat: a witness that cannot follow an honest log is no witness at all."""
    assert witness.post(log.request(old=0))[0] == 200
    log.append(b"event 4", b"event 5", b"event 6")
    status, _, body = witness.post(log.request(old=4))
    assert status == 200, witness.log()
    assert cosigned_by(witness, log, log.checkpoint(), body)
    assert witness.stored()[log.origin]["size"] == 7


def test_the_same_checkpoint_is_cosigned_again(witness, log):
    """Threat: a log that lost the witness's answer could never get its cosignature."""
    assert witness.post(log.request(old=0))[0] == 200
    status, _, body = witness.post(log.request(old=4))
    assert status == 200
    assert cosigned_by(witness, log, log.checkpoint(), body)


def test_a_fork_at_the_same_size_is_refused_and_changes_nothing(witness, log):
    """Threat: the platform shows one history to the witness and another to buyers
    (a split view): same size, another root."""
    assert witness.post(log.request(old=0))[0] == 200
    before = witness.stored()
    fork = MemoryLog(log.origin)
    fork.signer = log.signer
    fork.append(b"event 0", b"event 1", b"forged event 2", b"event 3")
    status, content_type, body = witness.post(fork.request(old=4))
    assert (status, content_type, body) == (409, SIZE_TYPE, "4\n")
    assert witness.stored() == before
    assert "FORK" in witness.log() and "same size, another root" in witness.log()


def test_a_rewritten_earlier_leaf_is_refused_and_the_honest_log_goes_on(witness, log):
    """Threat: an insider edits an event already cosigned and grows the log from there;
    the proof from the cosigned size cannot match the root the witness holds."""
    assert witness.post(log.request(old=0))[0] == 200
    before = witness.stored()
    fork = MemoryLog(log.origin)
    fork.signer = log.signer
    fork.append(b"event 0", b"edited event 1", b"event 2", b"event 3", b"event 4", b"event 5")
    status, _, _ = witness.post(fork.request(old=4))
    assert status == 422
    assert witness.stored() == before
    assert "the consistency proof does not verify" in witness.log()
    log.append(b"event 4", b"event 5")
    assert witness.post(log.request(old=4))[0] == 200


def test_a_proof_of_another_size_is_refused(witness, log):
    """Threat: a valid-looking proof that proves growth from a size the witness never saw."""
    assert witness.post(log.request(old=0))[0] == 200
    log.append(*(f"event {i}".encode() for i in range(4, 9)))
    body = log.request(old=3).replace(b"old 3\n", b"old 4\n", 1)
    assert witness.post(body)[0] == 422


@pytest.mark.parametrize("old", [0, 2, 7])
def test_a_stale_old_size_gets_409_and_the_latest_size(witness, log, old):
    """Threat: rolling the witness back to an earlier tree (two racing checkpoints, or a
    log replaying an old one) would let it cosign a fork of what it cosigned."""
    assert witness.post(log.request(old=0))[0] == 200
    log.append(*(f"event {i}".encode() for i in range(4, 9)))
    status, content_type, body = witness.post(log.request(old=old))
    assert (status, content_type, body) == (409, SIZE_TYPE, "4\n")
    assert witness.stored()[log.origin]["size"] == 4


def test_a_smaller_tree_is_refused(witness, log):
    """Threat: a log that shrinks (deleted events) after a larger tree was cosigned."""
    assert witness.post(log.request(old=0))[0] == 200
    assert witness.post(log.request(old=2, size=2))[:3] == (409, SIZE_TYPE, "4\n")
    assert witness.post(b"old 4\n\n" + log.checkpoint(size=2).encode())[0] == 400


def test_a_checkpoint_signed_by_another_key_gets_403(witness, log):
    """Threat: anyone but the log (a thief of the database, not of the key) moving the
    witness to a tree of their choosing."""
    impostor = note.Ed25519Signer.generate(log.origin)
    assert witness.post(log.request(old=0, signer=impostor))[0] == 403
    assert witness.stored() == {}
    assert "refused 403" in witness.log()


def test_an_unknown_origin_gets_404(witness):
    """Threat: a witness cosigning logs it was never asked to watch, with keys of any kind."""
    other = MemoryLog("other.example/log").append(b"x")
    assert witness.post(other.request(old=0))[0] == 404


CHECKPOINT = b"<the log's signed checkpoint>"
HASH = b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"old 0\n", id="no-checkpoint"),
        pytest.param(b"old 0\n" + CHECKPOINT, id="no-empty-line"),
        pytest.param(b"old 00\n\n" + CHECKPOINT, id="leading-zero"),
        pytest.param(b"old -1\n\n" + CHECKPOINT, id="negative"),
        pytest.param(b"old 0x1\n\n" + CHECKPOINT, id="hex"),
        pytest.param(b"new 0\n\n" + CHECKPOINT, id="not-old"),
        pytest.param(b"old 9223372036854775808\n\n" + CHECKPOINT, id="old-too-large"),
        pytest.param(b"\xff\xfe\n\n" + CHECKPOINT, id="not-utf8"),
        pytest.param(b"old 0\nnot base64!\n\n" + CHECKPOINT, id="proof-not-base64"),
        pytest.param(b"old 0\nAAAA\n\n" + CHECKPOINT, id="proof-not-a-hash"),
        pytest.param(b"old 0\n" + HASH * 64 + b"\n" + CHECKPOINT, id="64-proof-lines"),
        pytest.param(b"old 0\n\nmarket.example/trace\n4\nnot a hash\n\n", id="bad-root"),
        pytest.param(b"old 0\n\nmarket.example/trace\n4\n", id="unsigned"),
    ],
)
def test_a_malformed_body_gets_400(witness, log, body):
    """Threat: a parser that guesses; a body it does not understand is refused, never a 500."""
    status, _, _ = witness.post(body.replace(CHECKPOINT, log.checkpoint().encode()))
    assert status == 400
    assert witness.stored() == {}


def test_an_old_size_above_the_new_size_gets_400(witness, log):
    assert witness.post(b"old 9\n\n" + log.checkpoint().encode())[0] == 400


def test_only_add_checkpoint_is_served_and_bodies_are_bounded(witness, log):
    """Threat: a client tying up the witness with a huge body, or probing other paths."""
    assert witness.post(log.request(old=0), path="/other")[0] == 404
    assert witness.post(b"x" * (64 * 1024 + 1))[0] == 413
    assert witness.post(log.request(old=0))[0] == 200


def test_the_state_survives_a_crash(witness, log):
    """Threat: a witness that forgets what it cosigned after a restart (or a crash, here
    SIGKILL) would cosign a fork of it."""
    assert witness.post(log.request(old=0))[0] == 200
    witness.kill()
    witness.start()
    fork = MemoryLog(log.origin)
    fork.signer = log.signer
    fork.append(b"forged event 0", b"event 1", b"event 2", b"event 3")
    assert witness.post(fork.request(old=0))[:3] == (409, SIZE_TYPE, "4\n")
    assert witness.post(fork.request(old=4))[0] == 409
    fork.append(b"event 4")
    assert witness.post(fork.request(old=4))[0] == 422
    log.append(b"event 4")
    assert witness.post(log.request(old=4))[0] == 200


@pytest.mark.parametrize("damage", ["corrupt", "lost"])
def test_a_damaged_or_lost_state_stops_the_witness(witness, log, damage):
    """Threat: a damaged or lost state file taken as "nothing cosigned yet" would let the
    witness cosign a fork of everything it cosigned; `init` never starts one afresh."""
    assert witness.post(log.request(old=0))[0] == 200
    witness.kill()
    if damage == "corrupt":
        witness.state_file.write_text("{")
    else:
        witness.state_file.unlink()
    with pytest.raises(AssertionError, match="witness.json"):
        witness.start()
    if damage == "corrupt":
        with pytest.raises(subprocess.CalledProcessError, match="exit status 2"):
            witness.run("--config", str(witness.config), "init")
        assert witness.state_file.read_text() == "{"


@pytest.mark.parametrize("processes", [1, 2], ids=["one-process", "two-processes"])
def test_of_concurrent_requests_from_one_size_exactly_one_advances(witness, log, processes):
    """Threat: two requests checked against the same size, both stored, the later one
    rolling back the earlier (c2sp.org/tlog-witness); with two processes on one state
    file the file lock, not only the thread lock, must keep them apart."""
    witnesses = [witness] if processes == 1 else [witness, witness.twin()]
    for process in witnesses[1:]:
        process.start()
    try:
        assert witness.post(log.request(old=0))[0] == 200
        log.append(*(f"event {i}".encode() for i in range(4, 16)))
        bodies = [log.request(old=4, size=size) for size in range(5, 17)]
        results: list = [None] * len(bodies)
        start = threading.Barrier(len(bodies))

        def send(index):
            start.wait(timeout=10)
            results[index] = witnesses[index % processes].post(bodies[index])

        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(result[0] for result in results) == [200] + [409] * (len(bodies) - 1)
        winner = next(5 + i for i, result in enumerate(results) if result[0] == 200)
        assert witness.stored()[log.origin]["size"] == winner
        assert {result[2] for result in results if result[0] == 409} == {f"{winner}\n"}
    finally:
        for process in witnesses[1:]:
            process.kill()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Transfer-Encoding": "chunked"}, 411),
        ({"Content-Length": "²"}, 411),
        ({"Content-Length": "9" * 5000}, 413),
    ],
    ids=["chunked", "not-ascii-digits", "huge-length"],
)
def test_a_body_of_unknown_or_huge_length_is_refused_before_it_is_read(witness, headers, status):
    """Threat: a client holding a witness thread with a body it never finishes sending."""
    connection = http.client.HTTPConnection("127.0.0.1", witness.port, timeout=10)
    try:
        connection.putrequest("POST", "/add-checkpoint", skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        assert connection.getresponse().status == status
    finally:
        connection.close()


def test_the_command_line_prints_the_verifier_key_and_refuses_a_bad_configuration(witness, log):
    """Threat: a witness started on a typo (another log's key, a missing key file) that
    then refuses, or worse accepts, the wrong log without saying why."""
    assert witness.run("--config", str(witness.config), "vkey").stdout == witness.vkey + "\n"
    config = witness.config.read_text()
    for broken, message in [
        (config.replace(log.vkey, log.vkey[:-4] + "AAA="), "a key of the log"),
        (config.replace('"witness.key"', '"missing.key"'), "cannot read the key file"),
        ('name = "another.example/witness"\n' + config, "not 'another.example/witness'"),
        (config.split("[[log]]")[0], "at least one [[log]]"),
        (config.replace(f'"{log.vkey}"', f'"{log.vkey}", "{log.vkey}"'), "configured twice"),
    ]:
        witness.config.write_text(broken)
        with pytest.raises(subprocess.CalledProcessError) as refused:
            witness.run("--config", str(witness.config), "vkey")
        assert refused.value.returncode == 2
        assert message in refused.value.stderr

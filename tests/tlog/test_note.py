"""Signed notes, checkpoints and cosignatures.

Vectors: the PeterNeumann and EnochRoot keys, text and signatures of Go's
reference implementation (golang.org/x/mod/sumdb/note, note_test.go: TestSign,
TestOpen); the example note, checkpoint and cosigned checkpoint of the C2SP
specifications (c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature), whose
keys are not published, so they are parsed, not verified.
"""

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tlog import note
from tlog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from tlog.cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    cosign,
    cosigned_message,
    timestamp_of,
)
from tlog.merkle import EMPTY_ROOT, leaf_hash

PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

SPEC_NOTE = (
    "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n"
    "— quasimodo.example/salvatore "
    "NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
)
SPEC_CHECKPOINT = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
    "— example.com/behind-the-sofa "
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "— witness.example.com/w1 "
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)


def peter():
    return note.Ed25519Signer.from_skey(PETER_SKEY)


def test_the_go_reference_keys_and_signature_byte_for_byte():
    signer = peter()
    assert signer.key_id.hex() == "c74f20a3"
    assert signer.verifier().vkey() == PETER_VKEY
    assert signer.skey() == PETER_SKEY
    assert note.Ed25519Verifier.from_vkey(PETER_VKEY).vkey() == PETER_VKEY
    assert note.sign(TEXT, signer) == TEXT + "\n" + PETER_SIG


def test_a_note_opens_for_its_known_keys_and_ignores_the_others():
    message = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    peter_key, enoch_key = (
        note.Ed25519Verifier.from_vkey(PETER_VKEY),
        note.Ed25519Verifier.from_vkey(ENOCH_VKEY),
    )
    opened = note.open_note(message, [peter_key])
    assert opened.text == TEXT
    assert [s.name for s in opened.verified] == ["PeterNeumann"]
    assert [s.name for s in opened.unverified] == ["EnochRoot"]
    both = note.open_note(message.encode(), [peter_key, enoch_key])
    assert [s.name for s in both.verified] == ["PeterNeumann", "EnochRoot"]
    with pytest.raises(note.UnverifiedNote, match="no known key"):
        note.open_note(message, [])
    # A duplicated line counts once; a bad signature by a known key rejects the note.
    assert len(note.open_note(TEXT + "\n" + PETER_SIG + PETER_SIG, [peter_key]).verified) == 1
    with pytest.raises(note.UnverifiedNote, match="invalid"):
        note.open_note(TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:], [peter_key])


def test_a_signature_by_another_key_with_the_same_name_fails():
    impostor = note.Ed25519Signer.generate("PeterNeumann")
    with pytest.raises(note.UnverifiedNote):
        note.open_note(note.sign(TEXT, impostor), [peter().verifier()])


def test_signing_again_replaces_the_signers_own_line_and_keeps_the_others():
    other = note.Ed25519Signer.generate("example.com/other")
    first = note.parse(note.sign(TEXT, peter(), other))
    again = note.parse(note.sign(TEXT, peter(), signatures=first.signatures))
    assert [s.name for s in again.signatures] == ["example.com/other", "PeterNeumann"]


def test_round_trips_of_generated_keys_and_texts():
    signer = note.Ed25519Signer.generate("example.com/log")
    assert note.Ed25519Signer.from_skey(signer.skey()).verifier().vkey() == signer.verifier().vkey()
    for text in (
        "one line\n",
        "with\n\nan empty line\n",
        "ends in a blank line\n\n",
        "\n",
        "中文 ünïcode\n",
    ):
        message = note.sign(text, signer)
        assert note.open_note(message, [signer.verifier()]).text == text


def test_the_specification_examples_parse():
    parsed = note.parse(SPEC_NOTE)
    assert (
        parsed.text
        == "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
    )
    assert [s.name for s in parsed.signatures] == ["quasimodo.example/salvatore"]
    cosigned = note.parse(SPEC_CHECKPOINT)
    checkpoint = Checkpoint.parse(cosigned.text)
    assert (checkpoint.origin, checkpoint.size, checkpoint.extensions) == (
        "example.com/behind-the-sofa",
        20852163,
        (),
    )
    assert checkpoint.body() == cosigned.text
    witness = cosigned.signatures[1]
    assert witness.name == "witness.example.com/w1"
    assert timestamp_of(witness) == 1679315147  # the time in the specification's signed message


def tampered(message: bytes):
    for i in range(len(message)):
        yield message[:i] + bytes([message[i] ^ 0x01]) + message[i + 1 :]


def test_a_tampered_byte_anywhere_fails():
    """A changed byte in the text or a known signature fails; one in a signer's name
    makes its line unknown, so that signer no longer counts (unknown lines are ignored)."""
    signer = note.Ed25519Signer.generate("example.com/log")
    witness = CosignatureSigner.generate("example.com/witness")
    body = Checkpoint("example.com/log", 5, leaf_hash(b"x"), ("ext",)).body()
    message = cosign(note.sign(body, signer), witness)
    keys = [signer.verifier(), witness.verifier()]
    assert len(open_checkpoint(message, keys)[1].verified) == 2
    for changed in tampered(message.encode()):
        try:
            checkpoint, opened = open_checkpoint(changed, keys)
        except ValueError:
            continue
        assert checkpoint.body() == body
        assert len(opened.verified) == 1 and len(opened.unverified) == 1


@pytest.mark.parametrize(
    "message",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT
        + "\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG.replace("=", ""),
        TEXT + "\n— PeterNeumann AAAA\n",
        TEXT + "\n— PeterNeumann\n",
        TEXT + "\n" + PETER_SIG * 101,
        "",
    ],
)
def test_malformed_notes_raise_malformed_note(message):
    with pytest.raises(note.MalformedNote):
        note.open_note(message, [peter().verifier()])


def test_invalid_utf8_is_malformed():
    with pytest.raises(note.MalformedNote):
        note.open_note(b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), [peter().verifier()])


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",  # wrong length
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # key ID mismatch
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # unknown type 0x65
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a3+!!!!",
        "",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_malformed_verifier_keys(vkey):
    with pytest.raises(note.MalformedNote):
        note.Ed25519Verifier.from_vkey(vkey)


def test_every_mangling_of_the_reference_keys_is_refused():
    """As Go's TestNewVerifier/TestNewSigner: every proper substring and every byte + 1."""
    for key, read in (
        (PETER_VKEY, note.Ed25519Verifier.from_vkey),
        (PETER_SKEY, note.Ed25519Signer.from_skey),
    ):
        manglings = {key[i:j] for i in range(len(key)) for j in range(i + 1, len(key) + 1)} - {key}
        manglings |= {key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))}
        for mangled in manglings:
            with pytest.raises(ValueError):
                read(mangled)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_arbitrary_input_raises_only_value_errors(message):
    with pytest.raises(ValueError):
        note.open_note(message, [peter().verifier()])
    with pytest.raises(ValueError):
        Checkpoint.parse(message if isinstance(message, str) else message.decode("latin-1"))


ROOT = base64.b64encode(EMPTY_ROOT).decode()


@pytest.mark.parametrize(
    "body",
    [
        f"example.com/log\n0\n{ROOT}",
        f"example.com/log\n0\n{ROOT}\n\n",
        f"example.com/log\n00\n{ROOT}\n",
        f"example.com/log\n01\n{ROOT}\n",
        f"example.com/log\n-1\n{ROOT}\n",
        f"example.com/log\n+1\n{ROOT}\n",
        f"example.com/log\n1 \n{ROOT}\n",
        f"example.com/log\n٣\n{ROOT}\n",
        f"example.com/log\n{2**63}\n{ROOT}\n",
        f"\n0\n{ROOT}\n",
        "example.com/log\n0\n",
        f"example.com/log\n0\n{ROOT[:-1]}\n",
        f"example.com/log\n0\n{base64.b64encode(EMPTY_ROOT[:31]).decode()}\n",
        f"example.com/log\n0\n{ROOT}\next\n\n",
        f"example.com/log\n0\n{ROOT}\n\text\n",
    ],
)
def test_malformed_checkpoints(body):
    with pytest.raises(note.MalformedNote):
        Checkpoint.parse(body)


def test_a_checkpoint_round_trips_through_its_signed_note():
    log = note.Ed25519Signer.generate("example.com/log")
    checkpoint = Checkpoint("example.com/log", 2**63 - 1, leaf_hash(b"root"), ("one", "two"))
    assert Checkpoint.parse(checkpoint.body()) == checkpoint
    message = sign_checkpoint(checkpoint, log)
    assert open_checkpoint(message, [log.verifier()], origin="example.com/log")[0] == checkpoint
    with pytest.raises(note.UnverifiedNote, match="not 'example.com/other'"):
        open_checkpoint(message, [log.verifier()], origin="example.com/other")
    with pytest.raises(note.MalformedNote):
        Checkpoint("example.com/log", -1, EMPTY_ROOT)


def test_a_witness_cosigns_a_checkpoint():
    log = note.Ed25519Signer.generate("example.com/log")
    witness = CosignatureSigner(
        "witness.example/w1", CosignatureSigner.generate("x").private_key, clock=lambda: 1679315147
    )
    body = Checkpoint("example.com/log", 3, leaf_hash(b"root")).body()
    message = cosign(sign_checkpoint(Checkpoint.parse(body), log), witness)
    checkpoint, opened = open_checkpoint(message, [log.verifier(), witness.verifier()])
    assert checkpoint.size == 3
    assert [s.name for s in opened.verified] == ["example.com/log", "witness.example/w1"]
    cosignature = opened.verified[1]
    assert timestamp_of(cosignature) == 1679315147
    assert cosigned_message(body, 1679315147) == f"cosignature/v1\ntime 1679315147\n{body}".encode()
    # The witness's key is type 0x04 and its ID commits to that type.
    vkey = witness.verifier().vkey()
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == 0x04
    assert CosignatureVerifier.from_vkey(vkey).key_id == cosignature.key_id
    with pytest.raises(note.MalformedNote, match="type"):
        CosignatureVerifier.from_vkey(log.verifier().vkey())
    with pytest.raises(note.MalformedNote, match="type"):
        note.Ed25519Verifier.from_vkey(vkey)
    # A cosignature is no plain signature of the text, nor valid at another time.
    plain = note.Ed25519Verifier(witness.name, note.raw_public(witness.private_key))
    assert not plain.verify(body.encode(), cosignature.signature[8:])
    later = (1679315148).to_bytes(8, "big") + cosignature.signature[8:]
    assert not witness.verifier().verify(body.encode(), later)
    assert not witness.verifier().verify(
        body.encode(), (2**63).to_bytes(8, "big") + cosignature.signature[8:]
    )
    # Cosigning again renews the witness's line, keeping the log's.
    renewed = note.parse(cosign(message, witness))
    assert [s.name for s in renewed.signatures] == ["example.com/log", "witness.example/w1"]
    with pytest.raises(note.MalformedNote):
        cosign(note.sign("not a checkpoint\n", log), witness)

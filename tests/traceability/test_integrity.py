"""Hash chains and signed checkpoints: every tamper the issue names is caught and named.

The events are built as the recording service will build them (each event's
previous links are the current heads of its chains), then tampered with the
way someone with database access could: edit a row, rewrite every later hash,
delete rows, cut a chain and grow it again, edit or forge a checkpoint.
"""

import base64
import dataclasses
import hashlib
import json
import os
import stat
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from traceability import integrity
from traceability.integrity import (
    Checkpoint,
    EventRecord,
    Reason,
    SignedCheckpoint,
    chain_heads,
    check_against_checkpoint,
    event_hash,
    key_id,
    load_private_key,
    platform_key,
    public_key_document,
    sign_checkpoint,
    verify,
    verify_chain,
    verify_checkpoint,
)

KEY = Ed25519PrivateKey.generate()
SIGNED_AT = datetime(2026, 1, 31, 10, 0, tzinfo=timezone(timedelta(hours=8)))


def record(log, event_id, chains, content):
    """Append an event to ``log`` linked to the current heads of its chains."""
    heads = {chain: head.head_hash for chain, head in chain_heads(log).items()}
    previous = {chain: heads.get(chain) for chain in chains}
    event = EventRecord(
        event_id, frozenset(chains), content, event_hash(content, previous), previous
    )
    log.append(event)
    return event


def rehash(events):
    """What an attacker with the database does after an edit: recompute every link and hash."""
    log = []
    for event in events:
        record(log, event.id, event.chains, event.content)
    return log


def harvest_chain(n=5, chain="lot-1"):
    log = []
    for i in range(n):
        record(log, f"e{i}", [chain], {"bizStep": "commissioning", "step": i, "note": "紫米"})
    return log


def checkpoint_of(events, key=KEY):
    checkpoint = Checkpoint(chain_heads(events), SIGNED_AT, key_id(key.public_key()))
    return sign_checkpoint(checkpoint, key)


def edit(events, index, **content):
    events = list(events)
    events[index] = dataclasses.replace(events[index], content={**events[index].content, **content})
    return events


# The documented bytes


def test_event_hash_is_sha256_over_the_documented_canonical_json():
    content = {"type": "ObjectEvent", "b": 1, "a": "紫米"}
    previous = {"lot-2": "ab" * 32, "lot-1": None}
    text = '{"content":{"a":"紫米","b":1,"type":"ObjectEvent"},"previous":[["lot-1",null],["lot-2","%s"]]}'
    expected = hashlib.sha256((text % ("ab" * 32)).encode()).hexdigest()
    assert event_hash(content, previous) == expected


def test_checkpoint_signs_the_documented_object():
    events = harvest_chain(2)
    signed = checkpoint_of(events)
    document = signed.to_json()
    assert document == {
        "chains": {"lot-1": {"head": "e1", "hash": events[1].hash, "length": 2}},
        "key_id": key_id(KEY.public_key()),
        "signed_at": "2026-01-31T02:00:00+00:00",
        "signature": signed.signature,
    }
    # A third party verifies the published document with the published key alone.
    published_key = public_key_document(KEY)
    raw = base64.urlsafe_b64decode(published_key["public_key"] + "=")
    assert hashlib.sha256(raw).hexdigest() == published_key["key_id"] == document["key_id"]
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    payload = json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    Ed25519PublicKey.from_public_bytes(raw).verify(
        base64.urlsafe_b64decode(document["signature"] + "=="), payload.encode()
    )


# The chain alone


def test_an_untouched_chain_verifies():
    events = harvest_chain()
    assert verify_chain(events).ok
    assert verify(events, checkpoint_of(events), public_key=KEY.public_key()).ok


def test_an_edited_content_field_names_that_event():
    events = edit(harvest_chain(), 2, note="白米")
    verdict = verify_chain(events)
    assert (verdict.ok, verdict.reason, verdict.event_id) == (False, Reason.CONTENT_MISMATCH, "e2")


def test_an_edited_previous_link_names_that_event():
    events = harvest_chain()
    events[3] = dataclasses.replace(events[3], previous={"lot-1": events[1].hash})
    assert verify_chain(events).reason == Reason.CONTENT_MISMATCH
    assert verify_chain(events).event_id == "e3"


def test_a_deleted_middle_event_is_caught_by_the_chain():
    events = harvest_chain()
    del events[2]
    verdict = verify_chain(events)
    assert (verdict.reason, verdict.event_id, verdict.chain_id) == (
        Reason.BROKEN_LINK,
        "e3",
        "lot-1",
    )


def test_a_deleted_first_event_is_caught_by_the_chain():
    verdict = verify_chain(harvest_chain()[1:])
    assert (verdict.reason, verdict.event_id) == (Reason.BROKEN_LINK, "e1")


def test_reordered_events_are_caught_by_the_chain():
    events = harvest_chain()
    events[1], events[2] = events[2], events[1]
    assert (verify_chain(events).reason, verify_chain(events).event_id) == (
        Reason.BROKEN_LINK,
        "e2",
    )


def test_an_event_taken_out_of_one_of_its_chains_is_named():
    events = transformation_log()
    milling = events[4]
    events[4] = dataclasses.replace(milling, chains=milling.chains - {"paddy-2"})
    verdict = verify_chain(events)
    assert (verdict.reason, verdict.event_id) == (Reason.CHAINS_MISMATCH, "mill")


# The checkpoint catches what the chain cannot


def test_a_recomputed_chain_verifies_internally_but_not_against_the_checkpoint():
    events = harvest_chain()
    signed = checkpoint_of(events)
    forged = rehash(edit(events, 1, note="白米"))
    assert verify_chain(forged).ok
    verdict = check_against_checkpoint(forged, signed, public_key=KEY.public_key())
    assert (verdict.ok, verdict.reason, verdict.event_id, verdict.chain_id) == (
        False,
        Reason.HEAD_MISMATCH,
        "e4",
        "lot-1",
    )
    assert verify(forged, signed, public_key=KEY.public_key()) == verdict


def test_a_deleted_last_event_is_caught_by_the_checkpoint():
    events = harvest_chain()
    signed = checkpoint_of(events)
    assert verify_chain(events[:-1]).ok
    verdict = check_against_checkpoint(events[:-1], signed, public_key=KEY.public_key())
    assert (verdict.reason, verdict.event_id) == (Reason.MISSING_EVENTS, "e4")


def test_a_whole_deleted_chain_is_caught_when_the_caller_names_it():
    signed = checkpoint_of(harvest_chain())
    verdict = check_against_checkpoint([], signed, public_key=KEY.public_key(), chains={"lot-1"})
    assert (verdict.reason, verdict.event_id) == (Reason.MISSING_EVENTS, "e4")


def test_a_truncated_then_extended_chain_is_caught_by_the_checkpoint():
    events = harvest_chain()
    signed = checkpoint_of(events)
    regrown = events[:3]
    record(regrown, "x3", ["lot-1"], {"bizStep": "shipping"})
    record(regrown, "x4", ["lot-1"], {"bizStep": "receiving"})
    record(regrown, "x5", ["lot-1"], {"bizStep": "storing"})
    assert verify_chain(regrown).ok
    verdict = check_against_checkpoint(regrown, signed, public_key=KEY.public_key())
    assert (verdict.reason, verdict.event_id) == (Reason.HEAD_MISMATCH, "x4")


def test_events_appended_after_the_checkpoint_pass():
    events = harvest_chain()
    signed = checkpoint_of(events)
    record(events, "later", ["lot-1"], {"bizStep": "shipping"})
    record(events, "new-lot", ["lot-9"], {"bizStep": "commissioning"})
    assert verify(events, signed, public_key=KEY.public_key()).ok


# A transformation links its inputs' chains to its output's


def transformation_log():
    log = []
    record(log, "harvest-1", ["paddy-1"], {"bizStep": "commissioning", "lot": "P1"})
    record(log, "harvest-2", ["paddy-2"], {"bizStep": "commissioning", "lot": "P2"})
    record(log, "dry-1", ["paddy-1"], {"bizStep": "storing", "lot": "P1"})
    record(log, "dry-2", ["paddy-2"], {"bizStep": "storing", "lot": "P2"})
    record(log, "mill", ["paddy-1", "paddy-2", "rice"], {"type": "TransformationEvent"})
    record(log, "pack", ["rice"], {"bizStep": "packing", "lot": "R"})
    return log


def test_a_transformation_joins_two_input_chains_into_the_output_chain():
    events = transformation_log()
    milling = events[4]
    assert milling.previous == {"paddy-1": events[2].hash, "paddy-2": events[3].hash, "rice": None}
    assert verify_chain(events).ok
    heads = chain_heads(events)
    assert heads["paddy-1"] == ("mill", milling.hash, 3)
    assert heads["rice"] == ("pack", events[5].hash, 2)
    assert verify(events, checkpoint_of(events), public_key=KEY.public_key()).ok


def test_an_input_chain_edited_before_the_transformation_breaks_the_output_chain():
    events = transformation_log()
    signed = checkpoint_of(events)
    del events[3]  # dry-2, in paddy-2, before the milling
    verdict = verify_chain(events)
    assert (verdict.reason, verdict.event_id, verdict.chain_id) == (
        Reason.BROKEN_LINK,
        "mill",
        "paddy-2",
    )
    forged = rehash(events)  # every later hash rewritten: the rice's head moves too
    assert verify_chain(forged).ok
    verdict = check_against_checkpoint(forged, signed, public_key=KEY.public_key())
    assert (verdict.reason, verdict.event_id, verdict.chain_id) == (
        Reason.HEAD_MISMATCH,
        "mill",
        "paddy-1",
    )
    verdict = check_against_checkpoint(
        forged, signed, public_key=KEY.public_key(), chains={"paddy-2"}
    )
    assert (verdict.reason, verdict.event_id) == (Reason.MISSING_EVENTS, "mill")
    verdict = check_against_checkpoint(forged, signed, public_key=KEY.public_key(), chains={"rice"})
    assert (verdict.reason, verdict.event_id) == (Reason.HEAD_MISMATCH, "pack")


def test_the_output_chain_verifies_alone_when_the_caller_names_it():
    events = transformation_log()
    rice = [event for event in events if "rice" in event.chains]
    assert not verify_chain(rice).ok  # the milling's input links point at unloaded events
    assert verify(rice, checkpoint_of(events), public_key=KEY.public_key(), chains={"rice"}).ok


# Signatures


def test_a_modified_checkpoint_fails_its_signature():
    events = harvest_chain()
    signed = checkpoint_of(events)
    chains = {"lot-1": signed.checkpoint.chains["lot-1"]._replace(length=4)}
    tampered = dataclasses.replace(
        signed, checkpoint=dataclasses.replace(signed.checkpoint, chains=chains)
    )
    assert verify_checkpoint(signed, KEY.public_key()).ok
    assert verify_checkpoint(tampered, KEY.public_key()).reason == Reason.BAD_SIGNATURE
    verdict = check_against_checkpoint(events[:-1], tampered, public_key=KEY.public_key())
    assert verdict.reason == Reason.BAD_SIGNATURE


def test_a_wrong_public_key_fails():
    other = Ed25519PrivateKey.generate()
    signed = checkpoint_of(harvest_chain())
    assert verify_checkpoint(signed, other.public_key()).reason == Reason.WRONG_KEY
    # A checkpoint signed with another key that claims the platform's key id.
    claimed = Checkpoint(signed.checkpoint.chains, SIGNED_AT, key_id(other.public_key()))
    forged = dataclasses.replace(
        sign_checkpoint(claimed, other),
        checkpoint=signed.checkpoint,
    )
    assert verify_checkpoint(forged, KEY.public_key()).reason == Reason.BAD_SIGNATURE


@pytest.mark.parametrize("signature", ["", "not base64!", "AAAA"])
def test_a_garbled_signature_fails(signature):
    signed = dataclasses.replace(checkpoint_of(harvest_chain()), signature=signature)
    assert verify_checkpoint(signed, KEY.public_key()).reason == Reason.BAD_SIGNATURE


def test_signing_refuses_a_key_other_than_the_checkpoints():
    checkpoint = Checkpoint({}, SIGNED_AT, "0" * 64)
    with pytest.raises(ValueError, match="key_id"):
        sign_checkpoint(checkpoint, KEY)


def test_a_naive_signing_time_is_refused():
    with pytest.raises(ValueError, match="timezone"):
        Checkpoint({}, datetime(2026, 1, 1), key_id(KEY.public_key())).to_json()  # noqa: DTZ001


def test_a_signed_checkpoint_round_trips_through_its_document():
    signed = checkpoint_of(transformation_log())
    again = SignedCheckpoint.from_json(json.loads(json.dumps(signed.to_json())))
    assert again.to_json() == signed.to_json()
    assert again.checkpoint.signed_at == SIGNED_AT.astimezone(UTC)
    assert verify_checkpoint(again, KEY.public_key()).ok


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"chains": []}, None),
        ({"chains": {"lot-1": {"head": "e1"}}}, None),
        ({"chains": {"lot-1": {"head": "e1", "hash": "h", "length": "two"}}}, None),
        ({"signed_at": "yesterday"}, None),
        ({"signed_at": "2026-01-31T02:00:00"}, None),
        ({}, "signature"),
        ({}, "key_id"),
    ],
)
def test_a_malformed_checkpoint_document_is_refused(change, missing):
    document = {**checkpoint_of(harvest_chain()).to_json(), **change}
    document.pop(missing, None)
    with pytest.raises(ValueError, match="not a signed checkpoint document"):
        SignedCheckpoint.from_json(document)


# Keys


def raw_key(key):
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def pem_key(key, encryption=None):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        encryption or serialization.NoEncryption(),
    ).decode()


@pytest.mark.parametrize(
    "text",
    [
        base64.b64encode(raw_key(KEY)).decode(),
        base64.urlsafe_b64encode(raw_key(KEY)).decode().rstrip("="),
        f"  {pem_key(KEY)}\n",
    ],
    ids=["base64", "base64url-unpadded", "pem"],
)
def test_keys_load_from_base64_and_pem(text):
    assert key_id(load_private_key(text).public_key()) == key_id(KEY.public_key())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("correct horse battery staple", "neither PEM nor base64"),
        (base64.b64encode(os.urandom(16)).decode(), "base64 of 16 bytes"),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "not an unencrypted PEM"),
        (
            pem_key(KEY, serialization.BestAvailableEncryption(b"secret")),
            "not an unencrypted PEM",
        ),
        (pem_key(ec.generate_private_key(ec.SECP256R1())), "not an Ed25519 private key"),
    ],
    ids=["words", "short", "bad-pem", "encrypted-pem", "ec-pem"],
)
def test_a_bad_key_string_gives_a_clear_error(text, message):
    with pytest.raises(ValueError, match=message):
        load_private_key(text)


def test_the_platform_key_comes_from_the_setting(settings):
    settings.TRACE_SIGNING_KEY = base64.b64encode(raw_key(KEY)).decode()
    assert key_id(platform_key().public_key()) == key_id(KEY.public_key())
    document = public_key_document()
    assert document["algorithm"] == "Ed25519"
    assert document["key_id"] == hashlib.sha256(KEY.public_key().public_bytes_raw()).hexdigest()
    assert base64.urlsafe_b64decode(document["public_key"] + "=") == (
        KEY.public_key().public_bytes_raw()
    )
    assert document["jwk"] == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": document["public_key"],
        "kid": document["key_id"],
    }


def test_a_bad_setting_is_refused_without_echoing_it(settings):
    settings.TRACE_SIGNING_KEY = "c2VjcmV0LXZhbHVl"
    with pytest.raises(ImproperlyConfigured, match="TRACE_SIGNING_KEY: base64 of 12 bytes") as info:
        platform_key()
    assert "c2VjcmV0LXZhbHVl" not in str(info.value)


def test_no_key_with_debug_off_is_refused(settings, tmp_path):
    settings.TRACE_SIGNING_KEY = ""
    settings.DEBUG = False
    settings.TRACE_SIGNING_KEY_FILE = tmp_path / "key.pem"
    with pytest.raises(ImproperlyConfigured, match="must be set when DEBUG is off"):
        platform_key()
    assert not (tmp_path / "key.pem").exists()


def test_the_embedded_default_generates_one_key_and_keeps_it(settings, tmp_path):
    settings.TRACE_SIGNING_KEY = ""
    settings.DEBUG = True
    path = tmp_path / "private" / "key.pem"
    settings.TRACE_SIGNING_KEY_FILE = str(path)
    first = platform_key()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert key_id(platform_key().public_key()) == key_id(first.public_key())
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_a_second_first_use_keeps_the_key_already_written(tmp_path):
    path = tmp_path / "key.pem"
    integrity._create_key_file(path)
    written = path.read_text()
    integrity._create_key_file(path)  # as a process that lost the race does
    assert path.read_text() == written
    assert list(tmp_path.iterdir()) == [path]


def test_the_default_key_file_is_under_base_dir_var(settings, tmp_path):
    settings.TRACE_SIGNING_KEY = ""
    settings.DEBUG = True
    settings.BASE_DIR = tmp_path
    settings.TRACE_SIGNING_KEY_FILE = ""
    platform_key()
    assert (tmp_path / "var" / "trace-signing-key.pem").exists()


# Properties

chain_ids = st.sampled_from(["lot-a", "lot-b", "lot-c"])
contents = st.dictionaries(
    st.sampled_from(["bizStep", "note", "readPoint", "lot"]),
    st.text(st.characters(min_codepoint=0, max_codepoint=127), min_size=1, max_size=12),
    min_size=1,
)
logs = st.lists(st.tuples(st.sets(chain_ids, min_size=1), contents), min_size=1, max_size=12)


def build(entries):
    log = []
    for i, (chains, content) in enumerate(entries):
        record(log, f"ev{i}", chains, content)
    return log


@given(logs)
def test_random_chains_verify(entries):
    events = build(entries)
    assert verify_chain(events).ok
    assert verify(events, checkpoint_of(events), public_key=KEY.public_key()).ok


@given(logs, st.data())
def test_any_single_byte_change_of_content_is_caught(entries, data):
    events = build(entries)
    index = data.draw(st.integers(0, len(events) - 1))
    content = events[index].content
    field = data.draw(st.sampled_from(sorted(content)))
    value = content[field].encode()
    position = data.draw(st.integers(0, len(value) - 1))
    byte = data.draw(st.integers(0, 127).filter(lambda b: b != value[position]))
    changed = value[:position] + bytes([byte]) + value[position + 1 :]
    tampered = edit(events, index, **{field: changed.decode("ascii")})
    verdict = verify_chain(tampered)
    assert (verdict.reason, verdict.event_id) == (Reason.CONTENT_MISMATCH, f"ev{index}")

"""Hash chains and the platform key: every edit a chain can see is caught and named.

The events are built as the recording service builds them (each event's
previous links are the current heads of its chains), then tampered with the
way someone with database access could: edit a row, delete or reorder rows.
What a chain cannot see (every later hash rewritten, the newest event
deleted, a forged event) the log catches: test_tamper.py.
"""

import base64
import dataclasses
import hashlib
import os
import stat
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from traceability import integrity
from traceability.integrity import (
    EventRecord,
    Reason,
    event_hash,
    key_id,
    load_private_key,
    platform_key,
    public_key_document,
    verify_chain,
)

KEY = Ed25519PrivateKey.generate()
SIGNED_AT = datetime(2026, 1, 31, 10, 0, tzinfo=timezone(timedelta(hours=8)))


def record(log, event_id, chains, content):
    """Append an event to ``log`` linked to the current heads of its chains."""
    heads = {chain: event.hash for event in log for chain in event.chains}
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


# The chain alone


def test_an_untouched_chain_verifies():
    events = harvest_chain()
    assert verify_chain(events).ok


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
    assert events[5].previous == {"rice": milling.hash}


def test_an_input_chain_edited_before_the_transformation_breaks_the_output_chain():
    events = transformation_log()
    del events[3]  # dry-2, in paddy-2, before the milling
    verdict = verify_chain(events)
    assert (verdict.reason, verdict.event_id, verdict.chain_id) == (
        Reason.BROKEN_LINK,
        "mill",
        "paddy-2",
    )
    assert verify_chain(rehash(events)).ok  # the log catches a rewrite (test_tamper.py)


def test_the_output_chain_verifies_alone_when_the_caller_names_it():
    events = transformation_log()
    rice = [event for event in events if "rice" in event.chains]
    assert not verify_chain(rice).ok  # the milling's input links point at unloaded events
    assert verify_chain(rice, chains={"rice"}).ok


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

"""The verifier's own implementation of the formats, checked against the market's.

Threat: a verifier that agrees with the market's code only because it shares
its bugs, or one that accepts what the formats forbid. Property: written apart
(`traceverify` imports nothing of ours), it computes the same roots, accepts
exactly the proofs `tlog.merkle` makes and no altered one, accepts notes,
checkpoints, cosignatures and receipts that `tlog` signs and rejects any
altered byte, and hashes documents as `gs1.epcis.canonical_json` does.
"""

import datetime
import hashlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gs1.epcis import canonical_json
from tlog import checkpoint as tlog_checkpoint
from tlog import merkle as tlog_merkle
from tlog import note as tlog_note
from tlog.cosignature import CosignatureSigner, cosign
from traceability import integrity, transparency
from traceverify import canonical, merkle, notes

ORIGIN = "market.example/trace"


def tree(count):
    store = tlog_merkle.MemoryStore()
    leaves = [tlog_merkle.leaf_hash(f"leaf {i}".encode()) for i in range(count)]
    for hashed in leaves:
        store.append(hashed)
    return store, leaves


def flipped(hashes, position):
    changed = list(hashes)
    changed[position] = bytes([changed[position][0] ^ 1]) + changed[position][1:]
    return changed


@settings(max_examples=200, deadline=None)
@given(data=st.data(), size=st.integers(1, 300))
def test_inclusion_proofs_lead_to_tlogs_root_and_altered_ones_do_not(data, size):
    store, leaves = tree(size)
    index = data.draw(st.integers(0, size - 1))
    proof = tlog_merkle.inclusion_proof(store, index, size)
    root = tlog_merkle.root(store, size)
    assert merkle.root_from_inclusion(index, size, leaves[index], proof) == root
    assert merkle.included(index, size, leaves[index], proof, root)
    if proof:
        assert not merkle.included(index, size, leaves[index], flipped(proof, 0), root)
        assert not merkle.included(index, size, leaves[index], proof[:-1], root)
    assert not merkle.included(index, size, leaves[index], [*proof, root], root)
    other = data.draw(st.integers(0, size - 1))
    assume(other != index)
    assert not merkle.included(other, size, leaves[index], proof, root)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), new=st.integers(1, 300))
def test_consistency_proofs_agree_with_tlog_both_ways(data, new):
    store, _leaves = tree(new)
    old = data.draw(st.integers(0, new))
    proof = tlog_merkle.consistency_proof(store, old, new)
    old_root, new_root = tlog_merkle.root(store, old), tlog_merkle.root(store, new)
    assert merkle.consistent(old, new, old_root, new_root, proof)
    if proof:
        position = data.draw(st.integers(0, len(proof) - 1))
        altered = flipped(proof, position)
        assert not merkle.consistent(old, new, old_root, new_root, altered)
        assert not tlog_merkle.verify_consistency(old, new, old_root, new_root, altered)
        assert not merkle.consistent(old, new, old_root, new_root, proof[:-1])
    forked = flipped([old_root], 0)[0]
    assert not merkle.consistent(old, new, forked, new_root, proof)
    assert merkle.consistent(new, new, new_root, new_root, [])
    if old < new:
        assert not merkle.consistent(new, old, new_root, old_root, proof)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=8), max_size=40))
def test_leaf_and_node_hashes_are_rfc_9162s(items):
    hashes = [merkle.leaf_hash(item) for item in items]
    assert hashes == [tlog_merkle.leaf_hash(item) for item in items]
    if len(hashes) > 1:
        assert merkle.node_hash(hashes[0], hashes[1]) == tlog_merkle.node_hash(*hashes[:2])


# --- notes -------------------------------------------------------------------------------------


@pytest.fixture
def log_key():
    return tlog_note.Ed25519Signer.generate(ORIGIN)


@pytest.fixture
def witness():
    return CosignatureSigner.generate("county.example/witness")


def test_a_tlog_signed_checkpoint_with_a_cosignature_is_accepted(log_key, witness):
    body = tlog_checkpoint.Checkpoint(ORIGIN, 12, hashlib.sha256(b"root").digest())
    signed = cosign(tlog_checkpoint.sign_checkpoint(body, log_key), witness)
    key = notes.Key.parse(log_key.verifier().vkey())
    witness_key = notes.Key.parse(witness.verifier().vkey())
    text, cosigned = notes.open_signed(signed, key, (witness_key,))
    assert notes.checkpoint(text) == notes.Checkpoint(ORIGIN, 12, body.root_hash)
    stamped = tlog_note.parse(signed).signatures[-1]
    assert cosigned == {witness_key: int.from_bytes(stamped.signature[:8], "big")}


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.replace("\n12\n", "\n13\n"),  # another size
        lambda s: s.replace(ORIGIN, "other.example/trace", 1),  # another origin, same key name
        lambda s: s.replace("— ", "— x", 1),  # a signature by an unknown name only
        lambda s: s[:-6] + ("A" if s[-6] != "A" else "B") + s[-5:],  # the witness's signature
        lambda s: s.replace("\n\n", "\n"),  # no blank line
        lambda s: s.rstrip("\n"),  # no final newline
    ],
)
def test_an_altered_checkpoint_is_rejected(log_key, witness, change):
    body = tlog_checkpoint.Checkpoint(ORIGIN, 12, hashlib.sha256(b"root").digest())
    signed = cosign(tlog_checkpoint.sign_checkpoint(body, log_key), witness)
    altered = change(signed)
    assert altered != signed
    key = notes.Key.parse(log_key.verifier().vkey())
    with pytest.raises(notes.BadNote):
        notes.open_signed(altered, key, (notes.Key.parse(witness.verifier().vkey()),))


def test_a_note_signed_by_another_key_of_the_same_name_is_rejected(log_key):
    impostor = tlog_note.Ed25519Signer.generate(ORIGIN)
    body = tlog_checkpoint.Checkpoint(ORIGIN, 1, bytes(32))
    with pytest.raises(notes.BadNote, match="not signed"):
        notes.open_signed(
            tlog_checkpoint.sign_checkpoint(body, impostor),
            notes.Key.parse(log_key.verifier().vkey()),
        )


@pytest.mark.parametrize(
    "text",
    [
        "market.example/trace\n012\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",  # leading zero
        "market.example/trace\n12\nAAAA\n",  # a short root
        "market.example/trace\n12\n",  # no root
    ],
)
def test_a_checkpoint_is_read_strictly(text):
    with pytest.raises(notes.BadNote):
        notes.checkpoint(text)


@pytest.mark.parametrize(
    "vkey",
    [
        "market.example/trace+00000000+AQ" + "A" * 42 + "=",  # the key ID does not match
        "market example+00000000+AQ" + "A" * 42 + "=",  # a space in the name
        "market.example/trace+1234",
    ],
)
def test_a_malformed_verifier_key_is_refused(vkey):
    with pytest.raises(notes.BadNote):
        notes.Key.parse(vkey)


def test_the_markets_receipts_open_and_an_altered_one_does_not(settings):
    settings.TRACE_LOG_ORIGIN = ORIGIN
    hashed = transparency.leaf_hash("ab" * 32, [3, 1])
    at = datetime.datetime(2026, 10, 8, 1, 0, tzinfo=datetime.UTC)
    signed = transparency.receipt(7, hashed, at)
    key = notes.Key.parse(transparency.verifier().vkey())
    assert notes.receipt(signed, key) == notes.Receipt(ORIGIN, 7, hashed, int(at.timestamp()))
    with pytest.raises(notes.BadNote):
        notes.receipt(signed.replace("\n7\n", "\n8\n"), key)


# --- canonical JSON and hashes -----------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: not d or abs(d.adjusted()) < 300
    )
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(st.characters(exclude_categories=["Cs"]), max_size=6), children, max_size=4
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_canonical_json_is_the_markets(value):
    """As a verifier reads it back from the wire (numbers as decimals), too."""
    expected = canonical_json(value)
    assert canonical.canonical(canonical.parse(expected)) == expected
    if not _has_float(value):
        assert canonical.canonical(value) == expected


def _has_float(value):
    if isinstance(value, float):
        return True
    if isinstance(value, list):
        return any(_has_float(item) for item in value)
    if isinstance(value, dict):
        return any(_has_float(item) for item in value.values())
    return False


def test_numbers_are_written_exactly():
    assert canonical.canonical(canonical.parse("[2.50, 25E-1, -0.0, 1e-7, 1E+3]")) == (
        b"[2.5,2.5,0,0.0000001,1000]"
    )
    assert canonical.canonical({"b": 1, "a": [Decimal("0.10")]}) == b'{"a":[0.1],"b":1}'


def test_event_and_leaf_hashes_are_the_markets():
    content = {"type": "ObjectEvent", "quantity": Decimal("5.000"), "名": "米\n"}
    previous = {"3": "ab" * 32, "12": None}
    pairs = [[chain, previous[chain]] for chain in sorted(previous)]
    expected = integrity.event_hash(content, previous)
    assert canonical.event_hash(content, pairs) == expected
    assert canonical.event_leaf(expected, [12, 3]) == transparency.leaf_hash(expected, [3, 12])


def test_a_batch_leaf_is_the_markets():
    batch = SimpleNamespace(
        pk=4,
        code="ABCDEFGHJK",
        lot="紫米-1",
        seller_id=2,
        variant_id=3,
        farm_id=5,
        harvest_date=datetime.date(2026, 10, 8),
        best_before=None,
        quantity=Decimal("12.5"),
        unit="kg",
    )
    record = canonical.parse(canonical.canonical(transparency.batch_record(batch)))
    assert canonical.batch_leaf(record) == transparency.batch_leaf_hash(batch)

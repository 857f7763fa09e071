"""RFC 9162 hashing and proofs against the Certificate Transparency test vectors.

The vectors are the 8-leaf reference tree shared by Google's implementations:
inputs, roots and known proofs from google/certificate-transparency
cpp/merkletree/merkle_tree_test.cc (kInputs, kSHA256Roots, kSHA256Paths,
kSHA256Proofs) and transparency-dev/merkle proof/verify_test.go (which adds the
6→7 consistency proof); the hash of every complete subtree from
transparency-dev/merkle testonly/constants.go (NodeHashes). Their paths count
leaves from 1; here indices count from 0.
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tlog.merkle import (
    EMPTY_ROOT,
    MemoryStore,
    RightEdge,
    appended_nodes,
    completed_nodes,
    consistency_proof,
    edge_nodes,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    root_from_inclusion,
    root_of,
    root_with,
    root_with_reads,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)

INPUTS = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = {
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
NODES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
# (leaf index, tree size, proof)
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (old size, new size, proof)
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def hexes(hashes):
    return [h.hex() for h in hashes]


def unhex(hashes):
    return [bytes.fromhex(h) for h in hashes]


def store_of(leaf_data):
    store = MemoryStore()
    for data in leaf_data:
        store.append(leaf_hash(data))
    return store


@pytest.fixture
def tree():
    return store_of(INPUTS)


# The definitions of RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1, written as the RFC
# states them (recursion over the list of leaves), to check the store against.
def k_of(n):
    return 1 << ((n - 1).bit_length() - 1)


def mth(leaves):
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = k_of(len(leaves))
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m, leaves):
    if len(leaves) == 1:
        return []
    k = k_of(len(leaves))
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m, leaves, whole):
    if m == len(leaves):
        return [] if whole else [mth(leaves)]
    k = k_of(len(leaves))
    if m <= k:
        return subproof(m, leaves[:k], whole) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def test_every_root_of_the_reference_tree(tree):
    assert {n: root(tree, n).hex() for n in range(9)} == ROOTS
    assert root(tree).hex() == ROOTS[8]
    assert root_of([leaf_hash(d) for d in INPUTS[:5]]).hex() == ROOTS[5]
    assert EMPTY_ROOT.hex() == ROOTS[0]


def test_every_complete_subtree_of_the_reference_tree(tree):
    for level, row in enumerate(NODES):
        assert [tree.node(level, i).hex() for i in range(len(row))] == row


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_the_known_inclusion_proofs(tree, index, size, proof):
    assert hexes(inclusion_proof(tree, index, size)) == proof
    assert verify_inclusion(
        index, size, leaf_hash(INPUTS[index]), unhex(proof), bytes.fromhex(ROOTS[size])
    )


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_the_known_consistency_proofs(tree, old, new, proof):
    assert hexes(consistency_proof(tree, old, new)) == proof
    assert verify_consistency(
        old, new, bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]), unhex(proof)
    )


def test_every_inclusion_proof_up_to_eight_leaves(tree):
    for size in range(1, 9):
        for index in range(size):
            proof = inclusion_proof(tree, index, size)
            assert proof == path(index, INPUTS[:size])
            hashed = leaf_hash(INPUTS[index])
            assert root_from_inclusion(index, size, hashed, proof).hex() == ROOTS[size]
            assert verify_inclusion(index, size, hashed, proof, bytes.fromhex(ROOTS[size]))


def test_every_consistency_proof_up_to_eight_leaves(tree):
    for new in range(0, 9):
        for old in range(0, new + 1):
            proof = consistency_proof(tree, old, new)
            expected = [] if old in (0, new) else subproof(old, INPUTS[:new], True)
            assert proof == expected
            old_root, new_root = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
            assert verify_consistency(old, new, old_root, new_root, proof)


def corrupted_inclusions(index, size, hashed, proof, root_hash):
    """The probes of transparency-dev/merkle's verify_test.go: none may verify."""
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    yield index - 1, size, hashed, proof, root_hash
    yield index + 1, size, hashed, proof, root_hash
    yield index ^ 2, size, hashed, proof, root_hash
    yield index, size * 2, hashed, proof, root_hash
    yield index, size // 2, hashed, proof, root_hash
    yield index, size, b"WrongLeaf", proof, root_hash
    yield index, size, leaf_hash(b"WrongLeaf"), proof, root_hash
    yield index, size, hashed, proof, EMPTY_ROOT
    yield index, size, hashed, proof, some
    yield index, size, hashed, [*proof, b""], root_hash
    yield index, size, hashed, [*proof, root_hash], root_hash
    yield index, size, hashed, [b"", *proof], root_hash
    yield index, size, hashed, [root_hash, *proof], root_hash
    for i in range(len(proof)):
        flipped = [*proof]
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        yield index, size, hashed, flipped, root_hash
    if proof:
        yield index, size, hashed, proof[:-1], root_hash
    if len(proof) > 1:
        yield index, size, hashed, [proof[0], some, *proof[1:]], root_hash


def corrupted_consistencies(old, new, old_root, new_root, proof):
    yield old - 1, new, old_root, new_root, proof
    yield old + 1, new, old_root, new_root, proof
    yield old ^ 2, new, old_root, new_root, proof
    yield old, new * 2, old_root, new_root, proof
    yield old, new // 2, old_root, new_root, proof
    yield old, new, b"WrongRoot", new_root, proof
    yield old, new, old_root, b"WrongRoot", proof
    yield old, new, new_root, old_root, proof
    yield old, new, old_root, new_root, []
    yield old, new, old_root, new_root, [*proof, b""]
    yield old, new, old_root, new_root, [*proof, old_root]
    yield old, new, old_root, new_root, [*proof, new_root]
    yield old, new, old_root, new_root, [b"", *proof]
    yield old, new, old_root, new_root, [old_root, *proof]
    yield old, new, old_root, new_root, [new_root, *proof]
    yield old, new, old_root, new_root, [proof[0], *proof]
    yield old, new, old_root, new_root, proof[:-1]
    for i in range(len(proof)):
        flipped = [*proof]
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        yield old, new, old_root, new_root, flipped


def test_no_corrupted_inclusion_proof_verifies(tree):
    for size in range(1, 9):
        for index in range(size):
            proof = inclusion_proof(tree, index, size)
            probes = corrupted_inclusions(
                index, size, leaf_hash(INPUTS[index]), proof, root(tree, size)
            )
            assert not any(verify_inclusion(*probe) for probe in probes), (index, size)


def test_no_corrupted_consistency_proof_verifies(tree):
    for new in range(2, 9):
        for old in range(1, new):
            proof = consistency_proof(tree, old, new)
            probes = corrupted_consistencies(old, new, root(tree, old), root(tree, new), proof)
            assert not any(verify_consistency(*probe) for probe in probes), (old, new)


def test_the_trivial_consistencies():
    some = leaf_hash(b"some")
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, some, [])
    assert verify_consistency(3, 3, some, some, [])
    assert not verify_consistency(0, 5, some, some, [])  # a size-0 tree has the empty root
    assert not verify_consistency(3, 3, some, EMPTY_ROOT, [])
    assert not verify_consistency(3, 3, some, some, [some])
    assert not verify_consistency(2, 1, some, some, [])
    assert not verify_consistency(1, 2, some, some, [])


def test_malformed_requests_raise_value_errors(tree):
    for call in (
        lambda: inclusion_proof(tree, 8, 8),
        lambda: inclusion_proof(tree, -1, 8),
        lambda: inclusion_proof(tree, 0, 9),
        lambda: consistency_proof(tree, 5, 4),
        lambda: consistency_proof(tree, 4, 9),
        lambda: root(tree, 9),
        lambda: subtree_hash(tree, 1, 3),  # not a subtree: [1, 3) straddles two
        lambda: tree.node(3, 1),
        lambda: tree.append(b"short"),
        lambda: root_from_inclusion(0, 1, b"short", []),
        lambda: root_from_inclusion(0, 2, leaf_hash(b""), []),
        lambda: root_from_inclusion(0, 1, leaf_hash(b""), [EMPTY_ROOT]),
    ):
        with pytest.raises(ValueError):
            call()


class CountingStore:
    """A store that counts node reads, to hold proofs to O(log n)."""

    def __init__(self, inner):
        self.inner, self.reads = inner, 0

    def leaf_count(self):
        return self.inner.leaf_count()

    def node(self, level, index):
        self.reads += 1
        return self.inner.node(level, index)


def test_roots_and_proofs_read_logarithmically_many_nodes():
    size = 3000
    store = CountingStore(store_of(i.to_bytes(4, "big") for i in range(size)))
    bound = 2 * math.ceil(math.log2(size)) + 2
    for n in (size, 2047, 2049, 1537):
        store.reads = 0
        root(store, n)
        assert store.reads <= bound
        for index in (0, n // 3, n - 1):
            store.reads = 0
            inclusion_proof(store, index, n)
            assert store.reads <= bound
        for old in (1, n // 2 + 1, n - 1):
            store.reads = 0
            consistency_proof(store, old, n)
            assert store.reads <= bound


@settings(max_examples=60, deadline=None)
@given(
    leaves=st.lists(st.binary(max_size=8), min_size=2, max_size=300, unique=True),
    data=st.data(),
)
def test_every_generated_proof_verifies_and_a_changed_one_does_not(leaves, data):
    """A proof binds the leaf and both roots; a size only through the proof's shape,
    so a wrong size is tried with that size's true root (and as Go's probes do, ×2 and ÷2)."""
    store = store_of(leaves)
    new = data.draw(st.integers(2, len(leaves)), label="new size")
    old = data.draw(st.integers(1, new - 1), label="old size")
    other = data.draw(st.integers(1, len(leaves)).filter(lambda n: n != new), label="other size")
    index = data.draw(st.integers(0, new - 1), label="leaf")
    new_root, old_root = root(store, new), root(store, old)
    assert new_root == mth(leaves[:new])
    hashed = leaf_hash(leaves[index])

    proof = inclusion_proof(store, index, new)
    assert verify_inclusion(index, new, hashed, proof, new_root)
    assert not verify_inclusion(index, new, leaf_hash(leaves[index] + b"!"), proof, new_root)
    assert not verify_inclusion(index, other, hashed, proof, root(store, other))
    assert not verify_inclusion(index, new * 2, hashed, proof, new_root)
    assert not verify_inclusion(index, new // 2, hashed, proof, new_root)

    proof = consistency_proof(store, old, new)
    assert verify_consistency(old, new, old_root, new_root, proof)
    changed = store_of([*leaves[: old - 1], leaves[old - 1] + b"!", *leaves[old:new]])
    assert not verify_consistency(old, new, root(changed, old), new_root, proof)
    assert not verify_consistency(old, new, old_root, root(changed, new), proof)
    if other > old:
        assert not verify_consistency(old, other, old_root, root(store, other), proof)
    assert not verify_consistency(old, new * 2, old_root, new_root, proof)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 70), st.integers(1, 40))
def test_appended_nodes_are_the_nodes_a_memory_store_completes(before, added):
    """What a database log inserts for new leaves is exactly what the memory store
    holds after appending them, reading only the existing tree's right edge."""
    leaves = [leaf_hash(str(i).encode()) for i in range(before + added)]
    existing, expected = MemoryStore(), MemoryStore()
    for hashed in leaves[:before]:
        existing.append(hashed)
    for hashed in leaves:
        expected.append(hashed)
    nodes = appended_nodes(existing, leaves[before:])
    assert {(level, index) for level, index, _h in nodes} == {
        (level, index)
        for level in range(before.bit_length() + added.bit_length() + 1)
        for index in range((before + added) >> level)
        if (index + 1) << level > before
    }
    assert all(expected.node(level, index) == hashed for level, index, hashed in nodes)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 130))
def test_the_right_edge_has_the_root_of_every_size(size):
    """An auditor streaming the leaves computes the same root as the full tree."""
    store, edge = MemoryStore(), RightEdge()
    for i in range(size):
        hashed = leaf_hash(str(i).encode())
        store.append(hashed)
        completed = edge.append(hashed)
        assert all(store.node(level, index) == node for level, index, node in completed)
        assert [(level, index) for level, index, _n in completed] == [
            (level, i >> level) for level in range(1, 64) if (i + 1) % (1 << level) == 0
        ]
        assert edge.root() == root(store)
    assert edge.root() == root(store) and edge.size == size


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 90), st.data())
def test_the_root_with_some_leaves_is_the_root_exactly_when_they_are_the_trees(size, data):
    """Verifying many leaves in one pass: the recomputed root is the tree's root
    with the genuine leaves, and differs when any given leaf is not the tree's."""
    store = MemoryStore()
    hashes = [leaf_hash(str(i).encode()) for i in range(size)]
    for hashed in hashes:
        store.append(hashed)
    chosen = data.draw(st.sets(st.integers(0, size - 1), max_size=size))
    genuine = {i: hashes[i] for i in chosen}
    assert root_with(store, size, genuine) == root(store)
    if chosen:
        wrong = data.draw(st.sampled_from(sorted(chosen)))
        forged = {**genuine, wrong: leaf_hash(b"forged")}
        assert root_with(store, size, forged) != root(store)


class _Reading:
    """A store that notes every node read from it."""

    def __init__(self, store):
        self.store, self.read = store, set()

    def leaf_count(self):
        return self.store.leaf_count()

    def node(self, level, index):
        self.read.add((level, index))
        return self.store.node(level, index)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 90), st.data())
def test_root_with_reads_names_every_node_it_reads_and_no_other(logged, data):
    """A database store fetches `root_with_reads` at once and then answers from
    memory: a node it left out would cost a query each, one too many a fetch."""
    store = MemoryStore()
    for i in range(logged):
        store.append(leaf_hash(str(i).encode()))
    size = data.draw(st.integers(1, logged))
    chosen = data.draw(st.sets(st.integers(0, size - 1), max_size=size))
    reading = _Reading(store)
    given = {i: store.node(0, i) for i in chosen}
    assert root_with(reading, size, given) == root(store, size)
    assert reading.read == root_with_reads(size, chosen)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 70), st.integers(0, 70))
def test_the_edge_and_the_completed_nodes_are_the_ones_appends_read_and_write(start, more):
    """A database log keeps its edge (`edge_nodes`) to append from and checks
    `completed_nodes` after: an edge made of those nodes has the tree's root and
    completes, as it grows, exactly the nodes `appended_nodes` writes."""
    store = MemoryStore()
    for i in range(start):
        store.append(leaf_hash(str(i).encode()))
    edge = RightEdge.of(start, [store.node(level, index) for level, index in edge_nodes(start)])
    assert edge.root() == root(store)
    added = [leaf_hash(b"more %d" % i) for i in range(more)]
    written = [node for node in appended_nodes(store, added) if node[0]]
    grown = [node for hashed in added for node in edge.append(hashed)]
    assert grown == written
    assert {(level, index) for level, index, _h in written} == set(
        completed_nodes(start, start + more)
    )


@pytest.mark.parametrize(
    ("size", "count", "length"),
    [(3, 1, 32), (3, 2, 31), (4, 2, 32), (-1, 0, 32)],
)
def test_an_edge_that_is_not_one_of_its_size_is_refused(size, count, length):
    """A log's stored head could be edited: an edge of the wrong shape is an error."""
    with pytest.raises(ValueError, match="not the edge"):
        RightEdge.of(size, [bytes(length)] * count)

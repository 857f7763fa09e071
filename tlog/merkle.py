"""RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing and proofs.

Hashing is RFC 9162 §2.1.1's, so any CT or C2SP tool computes the same roots:
a leaf is `SHA-256(0x00 ‖ data)`, an interior node `SHA-256(0x01 ‖ left ‖ right)`,
the tree of n > 1 leaves splits at the largest power of two below n.

Proofs are generated from a `HashStore` that holds the hash of every complete
subtree by (level, index), as C2SP tlog-tiles lays a log out: node (level, i)
covers leaves [i·2^level, (i+1)·2^level). Any subtree a proof needs is at most
log n complete nodes, and a proof needs at most one subtree that is not itself
complete, so a proof costs O(log n) node reads whatever the store is.
"""

import bisect
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class HashStore(Protocol):
    """Where a log keeps the hashes of its complete subtrees."""

    def leaf_count(self) -> int: ...

    def node(self, level: int, index: int) -> bytes:
        """The hash of the complete subtree of 2^level leaves starting at leaf index·2^level."""
        ...


class MemoryStore:
    """A `HashStore` in memory: each append stores the leaf and the complete nodes it closes."""

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = []

    def leaf_count(self) -> int:
        return len(self._levels[0]) if self._levels else 0

    def node(self, level: int, index: int) -> bytes:
        if (
            level < 0
            or index < 0
            or level >= len(self._levels)
            or index >= len(self._levels[level])
        ):
            raise ValueError(f"no complete node at level {level}, index {index}")
        return self._levels[level][index]

    def append(self, hash_of_leaf: bytes) -> int:
        """Append a leaf hash (see `leaf_hash`); returns its index. O(log n)."""
        if len(hash_of_leaf) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        level, current = 0, hash_of_leaf
        while True:
            if level == len(self._levels):
                self._levels.append([])
            row = self._levels[level]
            row.append(current)
            if len(row) % 2:
                return self.leaf_count() - 1
            current = node_hash(row[-2], row[-1])
            level += 1


def appended_nodes(store: HashStore, leaf_hashes: Sequence[bytes]) -> list[tuple[int, int, bytes]]:
    """The (level, index, hash) of each leaf appended to `store` and of each node it
    completes, reading only the O(log n) nodes of the store's right edge: what a
    database log inserts, so the store itself stays append-only."""
    size = store.leaf_count()
    pending = {level: store.node(level, index) for level, index in edge_nodes(size)}
    nodes: list[tuple[int, int, bytes]] = []
    for hashed in leaf_hashes:
        if len(hashed) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        level, index, current = 0, size, hashed
        nodes.append((level, index, current))
        while index & 1:
            current = node_hash(pending.pop(level), current)
            level, index = level + 1, index >> 1
            nodes.append((level, index, current))
        pending[level] = current
        size += 1
    return nodes


def completed_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """The nodes above the leaves (level ≥ 1) that leaves [start, end) completed."""
    return [
        (level, index)
        for level in range(1, end.bit_length())
        for index in range(start >> level, end >> level)
    ]


def edge_nodes(size: int) -> list[tuple[int, int]]:
    """The (level, index) of the complete subtrees the tree of `size` ends in, lowest
    level first: what an append reads."""
    return [(level, (size >> level) - 1) for level in range(size.bit_length()) if size >> level & 1]


class RightEdge:
    """A tree kept as only its right edge (one hash per level): appends and the
    root in O(log n) memory, for auditing a whole log as a stream of leaves."""

    def __init__(self) -> None:
        self.size = 0
        self._pending: dict[int, bytes] = {}

    @classmethod
    def of(cls, size: int, hashes: Sequence[bytes]) -> "RightEdge":
        """The edge of a tree of `size` leaves, from the hashes of the complete
        subtrees it ends in, lowest level first (as `hashes` gives them)."""
        levels = [level for level, _index in edge_nodes(size)]
        if size < 0 or len(hashes) != len(levels) or not all(_is_hash(h) for h in hashes):
            raise ValueError(f"not the edge of a tree of {size}")
        edge = cls()
        edge.size, edge._pending = size, dict(zip(levels, hashes, strict=True))
        return edge

    @property
    def hashes(self) -> list[bytes]:
        """The hashes of the complete subtrees the tree ends in, lowest level first."""
        return [self._pending[level] for level in sorted(self._pending)]

    def append(self, hash_of_leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Append a leaf; the (level, index, hash) of each node above it that it completes."""
        level, index, current = 0, self.size, hash_of_leaf
        completed = []
        while index & 1:
            current = node_hash(self._pending.pop(level), current)
            level, index = level + 1, index >> 1
            completed.append((level, index, current))
        self._pending[level] = current
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.size:
            return EMPTY_ROOT
        levels = sorted(self._pending)
        result = self._pending[levels[0]]
        for level in levels[1:]:
            result = node_hash(self._pending[level], result)
        return result


def subtree_hash(store: HashStore, start: int, end: int) -> bytes:
    """MTH(D[start:end]) from complete nodes, for a range a proof can name:
    `start` a multiple of the smallest power of two ≥ end − start."""
    size = end - start
    if size <= 0 or start < 0 or end > store.leaf_count():
        raise ValueError(f"no subtree [{start}, {end}) in a tree of {store.leaf_count()}")
    if start % (1 << (size - 1).bit_length()):
        raise ValueError(f"[{start}, {end}) is not a subtree of the log")
    return _fold([store.node(level, (start >> level) + i) for level, i in complete_subtrees(size)])


def complete_subtrees(size: int) -> list[tuple[int, int]]:
    """The (level, index) of the complete subtrees the tree of `size` is made of,
    largest (leftmost) first: its root is theirs folded from the right."""
    found, position = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            found.append((level, position >> level))
            position += 1 << level
    return found


def _fold(parts: list[bytes]) -> bytes:
    result = parts.pop()
    while parts:
        result = node_hash(parts.pop(), result)
    return result


def _groups(size: int, indices: Sequence[int]) -> Iterator[tuple[int, int, Sequence[int]]]:
    """Each complete subtree of the tree of `size` with the sorted `indices` it holds."""
    low = 0
    for level, index in complete_subtrees(size):
        high = bisect.bisect_left(indices, (index + 1) << level, low)
        yield level, index, indices[low:high]
        low = high


def root_with_reads(size: int, indices: Iterable[int]) -> set[tuple[int, int]]:
    """The (level, index) of every stored node `root_with` reads for these leaves:
    what a database store fetches at once beforehand."""
    reads: set[tuple[int, int]] = set()
    for top, top_index, inside in _groups(size, sorted(set(indices))):
        if not inside:
            reads.add((top, top_index))
            continue
        current = set(inside)
        for level in range(top):
            reads.update((level, i ^ 1) for i in current if i ^ 1 not in current)
            current = {i >> 1 for i in current}
    return reads


def root_with(store: HashStore, size: int, leaves: Mapping[int, bytes]) -> bytes:
    """MTH(D[0:size]) with the given leaves (index → leaf hash) in their places and
    every subtree holding none of them read from the store: one pass for many
    leaves, level by level, sharing what their inclusion proofs share. It equals a
    signed root exactly when each given leaf is in that tree (short of a SHA-256
    collision)."""
    _check_size(store, size)
    indices = sorted(leaves)
    if indices and not 0 <= indices[0] <= indices[-1] < size:
        raise ValueError(f"a leaf is not in a tree of {size}")
    if size == 0:
        return EMPTY_ROOT
    parts: list[bytes] = []
    for top, top_index, inside in _groups(size, indices):
        if not inside:
            parts.append(store.node(top, top_index))
            continue
        current = {i: leaves[i] for i in inside}
        for level in range(top):
            above: dict[int, bytes] = {}
            for i in current:
                parent = i >> 1
                if parent in above:
                    continue
                left, right = current.get(parent << 1), current.get(parent << 1 | 1)
                if left is None:
                    left = store.node(level, parent << 1)
                if right is None:
                    right = store.node(level, parent << 1 | 1)
                above[parent] = node_hash(left, right)
            current = above
        parts.append(current[top_index])
    return _fold(parts)


def root(store: HashStore, size: int | None = None) -> bytes:
    """The root hash of the tree of the first `size` leaves (all of them by default)."""
    size = store.leaf_count() if size is None else size
    if size == 0:
        return EMPTY_ROOT
    return subtree_hash(store, 0, size)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The root hash of a list of leaf hashes, for callers without a store."""
    store = MemoryStore()
    for hashed in leaf_hashes:
        store.append(hashed)
    return root(store)


def _check_size(store: HashStore, size: int) -> None:
    if not 0 <= size <= store.leaf_count():
        raise ValueError(f"tree size {size} is not within the log's {store.leaf_count()} leaves")


def inclusion_proof(store: HashStore, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf side first."""
    _check_size(store, size)
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            proof.append(subtree_hash(store, start + k, end))
            end = start + k
        else:
            proof.append(subtree_hash(store, start, start + k))
            start += k
    return proof[::-1]


def consistency_proof(store: HashStore, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) of RFC 9162 §2.1.4.1; empty when a size is 0 or both equal."""
    _check_size(store, new_size)
    if not 0 <= old_size <= new_size:
        raise ValueError(f"tree size {old_size} is not within {new_size}")
    if old_size in (0, new_size):
        return []
    proof: list[bytes] = []
    start, end, whole = 0, new_size, True
    # SUBPROOF(m, D[start:end], whole), unrolled: m counts from `start`.
    while old_size != end:
        k = _split(end - start)
        if old_size <= start + k:
            proof.append(subtree_hash(store, start + k, end))
            end = start + k
        else:
            proof.append(subtree_hash(store, start, start + k))
            start, whole = start + k, False
    if not whole:
        proof.append(subtree_hash(store, start, end))
    return proof[::-1]


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def root_from_inclusion(
    index: int, size: int, hash_of_leaf: bytes, proof: Sequence[bytes]
) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2); ValueError when it is malformed."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    if not _is_hash(hash_of_leaf) or not all(_is_hash(p) for p in proof):
        raise ValueError("hashes are 32 bytes")
    fn, sn, result = index, size - 1, hash_of_leaf
    for p in proof:
        if sn == 0:
            raise ValueError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            result = node_hash(p, result)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, p)
        fn, sn = fn >> 1, sn >> 1
    if sn:
        raise ValueError("the inclusion proof is too short")
    return result


def verify_inclusion(
    index: int, size: int, hash_of_leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    try:
        return root_from_inclusion(index, size, hash_of_leaf, proof) == root_hash
    except ValueError:
        return False


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2. The empty tree is consistent with every tree (its root must be
    EMPTY_ROOT), a tree with itself when the roots are equal; both take an empty proof."""
    if not 0 <= old_size <= new_size or not (_is_hash(old_root) and _is_hash(new_root)):
        return False
    if not all(_is_hash(p) for p in proof):
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root

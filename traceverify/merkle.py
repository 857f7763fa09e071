"""RFC 9162 §2.1 Merkle tree hashes, and proofs checked by the RFC's recursive definitions.

The proofs (PATH and SUBPROOF, §2.1.3.1 and §2.1.4.1) are lists whose last hash
is the sibling at the top of the tree; checking walks the same recursion down
from the whole tree, taking one hash from the end at each split, and must use
every hash exactly.
"""

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """k of RFC 9162: the largest power of two smaller than `size` (> 1)."""
    k = 1
    while k * 2 < size:
        k *= 2
    return k


class BadProof(ValueError):
    """A proof of the wrong length or shape for its tree."""


def _check_hashes(*hashes: bytes) -> None:
    if not all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes):
        raise BadProof("hashes are 32 bytes")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that PATH(index, D[size]) leads to from the leaf hash."""
    if not 0 <= index < size:
        raise BadProof(f"leaf {index} is not in a tree of {size}")
    _check_hashes(leaf, *proof)

    def walk(index: int, size: int, path: Sequence[bytes]) -> bytes:
        if size == 1:
            if path:
                raise BadProof("the inclusion proof is too long")
            return leaf
        if not path:
            raise BadProof("the inclusion proof is too short")
        k, sibling = _split(size), path[-1]
        if index < k:
            return node_hash(walk(index, k, path[:-1]), sibling)
        return node_hash(sibling, walk(index - k, size - k, path[:-1]))

    return walk(index, size, proof)


def included(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    try:
        return root_from_inclusion(index, size, leaf, proof) == root
    except BadProof:
        return False


def roots_from_consistency(
    old_size: int, new_size: int, old_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """The old and the new roots that PROOF(old_size, D[new_size]) leads to, for
    0 < old_size < new_size (the old root is taken as given where the proof omits it)."""
    if not 0 < old_size < new_size:
        raise BadProof("only a proof between two non-empty, different sizes has hashes")
    _check_hashes(old_root, *proof)

    def walk(old: int, size: int, path: Sequence[bytes], whole: bool) -> tuple[bytes, bytes]:
        """(MTH of the first `old` leaves of this subtree, MTH of all of it)."""
        if old == size:
            if whole:
                if path:
                    raise BadProof("the consistency proof is too long")
                return old_root, old_root
            if len(path) != 1:
                raise BadProof("the consistency proof has the wrong length")
            return path[0], path[0]
        if not path:
            raise BadProof("the consistency proof is too short")
        k, sibling = _split(size), path[-1]
        if old <= k:
            first, left = walk(old, k, path[:-1], whole)
            return first, node_hash(left, sibling)
        first, right = walk(old - k, size - k, path[:-1], False)
        return node_hash(sibling, first), node_hash(sibling, right)

    return walk(old_size, new_size, proof, True)


def consistent(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether the tree of `new_size` with `new_root` extends the one of `old_size`."""
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    try:
        return roots_from_consistency(old_size, new_size, old_root, proof) == (old_root, new_root)
    except BadProof:
        return False

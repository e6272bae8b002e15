"""RFC 6962 Merkle trees over a batch's entries, inclusion proofs, and their check.

    leaf  = sha256(0x00 || bytes.fromhex(entry.hash))
    node  = sha256(0x01 || left || right)
    MTH(D[0:n]) splits at k, the largest power of two below n: MTH(D[0:k]) and MTH(D[k:n])
    (so a lone last node is promoted, never duplicated)

`verify_inclusion(proof)` is pure and needs nothing but the proof: a patient can run it (or rewrite it
in a few lines), then look the anchor's transaction up on the ledger (`GET_TXN` of
`proof.anchor["seq_no"]` shows `raw`) to see the root was published when the log says it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from audit.records import Batch, parse_anchor_raw

__all__ = [
    "InclusionProof",
    "Side",
    "audit_path",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "prove",
    "verify_inclusion",
]

Side = Literal["left", "right"]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The root over leaf hashes (sha256 of nothing for no leaves, as RFC 6962 says)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    level = list(leaves)
    # Bottom-up pairing gives the same tree as the recursive split: a lone last node moves up as is.
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def audit_path(index: int, leaves: Sequence[bytes]) -> list[tuple[Side, bytes]]:
    """RFC 6962's PATH(index, D[n]), leaf to root, each sibling with the side it sits on."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} is not in a tree of {len(leaves)}")
    path: list[tuple[Side, bytes]] = []
    low, high = 0, len(leaves)
    while high - low > 1:
        k = _split(high - low)
        if index < low + k:
            path.append(("right", merkle_root(leaves[low + k : high])))
            high = low + k
        else:
            path.append(("left", merkle_root(leaves[low : low + k])))
            low += k
    path.reverse()
    return path


@dataclass(frozen=True)
class InclusionProof:
    """That entry `entry_hash` is leaf `leaf_index` of batch `batch`, whose `root` the ledger holds.

    `path` lists (side, sibling hash hex) from the leaf up; `anchor` is {"did", "seq_no", "raw",
    "txn_time"}: the ATTRIB transaction on the domain ledger whose raw names this root.
    """

    entry_hash: str
    leaf_index: int
    batch: int
    root: str
    path: list[tuple[Side, str]]
    anchor: dict[str, Any] = field(default_factory=dict)


def prove(batch: Batch, hashes: Sequence[str], index: int) -> InclusionProof:
    """The proof that entry `hashes[index]` is in `batch` (the root is recomputed from `hashes`)."""
    leaves = [leaf_hash(bytes.fromhex(h)) for h in hashes]
    path = [(side, sibling.hex()) for side, sibling in audit_path(index, leaves)]
    anchor = {"did": batch.did, "seq_no": batch.seq_no, "raw": batch.raw, "txn_time": batch.txn_time}
    return InclusionProof(hashes[index], index, batch.batch, merkle_root(leaves).hex(), path, anchor)


def verify_inclusion(proof: InclusionProof) -> bool:
    """The path leads from the entry to the root, and the anchor's raw names that root and batch."""
    try:
        current = leaf_hash(bytes.fromhex(proof.entry_hash))
        for side, sibling_hex in proof.path:
            sibling = bytes.fromhex(sibling_hex)
            if len(sibling) != 32:
                return False
            if side == "left":
                current = node_hash(sibling, current)
            elif side == "right":
                current = node_hash(current, sibling)
            else:
                return False
    except (ValueError, TypeError):
        return False
    if current.hex() != proof.root:
        return False
    anchored = parse_anchor_raw(str(proof.anchor.get("raw", "")))
    return anchored is not None and anchored.get("root") == proof.root and anchored.get("batch") == proof.batch

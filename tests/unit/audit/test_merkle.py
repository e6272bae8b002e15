"""RFC 6962 roots and audit paths: the published test vectors, small trees by hand, tampered proofs."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest

from audit import InclusionProof, verify_inclusion
from audit.merkle import audit_path, leaf_hash, merkle_root, node_hash
from audit.records import anchor_raw

# Certificate Transparency's reference tree (RFC 6962 test vectors): leaf data and the root of each size.
CT_DATA = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_PATHS = [  # (leaf index, tree size, audit path leaf to root)
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
]
CT_LEAVES = [leaf_hash(bytes.fromhex(data)) for data in CT_DATA]


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_rfc_6962_vectors(size: int) -> None:
    assert merkle_root(CT_LEAVES[:size]).hex() == CT_ROOTS[size]


@pytest.mark.parametrize(("index", "size", "expected"), CT_PATHS)
def test_audit_paths_match_the_rfc_6962_vectors(index: int, size: int, expected: list[str]) -> None:
    assert [sibling.hex() for _, sibling in audit_path(index, CT_LEAVES[:size])] == expected


def _entry_leaves(count: int) -> tuple[list[str], list[bytes]]:
    hashes = [hashlib.sha256(f"entry {i}".encode()).hexdigest() for i in range(count)]
    return hashes, [hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest() for h in hashes]


def test_small_trees_by_hand() -> None:
    def n(left: bytes, right: bytes) -> bytes:
        return hashlib.sha256(b"\x01" + left + right).digest()

    _, (a, b, c, d, e, f, g, h) = _entry_leaves(8)
    assert merkle_root([a]) == a
    assert merkle_root([a, b]) == n(a, b)
    assert merkle_root([a, b, c]) == n(n(a, b), c)  # the lone last node is promoted, not duplicated
    assert merkle_root([a, b, c, d, e]) == n(n(n(a, b), n(c, d)), e)
    assert merkle_root([a, b, c, d, e, f, g, h]) == n(n(n(a, b), n(c, d)), n(n(e, f), n(g, h)))
    assert audit_path(4, [a, b, c, d, e]) == [("left", n(n(a, b), n(c, d)))]
    assert audit_path(2, [a, b, c]) == [("left", n(a, b))]
    assert audit_path(0, [a, b, c]) == [("right", b), ("right", c)]


def _reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962's recursive definition, word for word."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


def _proof(hashes: list[str], leaves: list[bytes], index: int, batch: int = 1) -> InclusionProof:
    root = merkle_root(leaves).hex()
    raw = anchor_raw("issuer", batch, 1, len(leaves), root, hashes[-1])
    path = [(side, sibling.hex()) for side, sibling in audit_path(index, leaves)]
    return InclusionProof(hashes[index], index, batch, root, path, {"did": "d", "seq_no": 9, "raw": raw,
                                                                     "txn_time": 1})


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 37])
def test_every_leaf_proves_its_inclusion(size: int) -> None:
    hashes, leaves = _entry_leaves(size)
    assert merkle_root(leaves) == _reference_root(leaves)
    for index in range(size):
        assert verify_inclusion(_proof(hashes, leaves, index))


def test_a_tampered_proof_is_rejected() -> None:
    hashes, leaves = _entry_leaves(5)
    proof = _proof(hashes, leaves, 2)
    side, sibling = proof.path[0]
    flipped = ("right" if side == "left" else "left", sibling)
    altered = (side, ("0" if sibling[0] != "0" else "1") + sibling[1:])
    other_raw = json.loads(proof.anchor["raw"])
    other_raw["medcred_audit"]["root"] = "ab" * 32
    assert verify_inclusion(proof)
    for bad in (
        replace(proof, path=[altered, *proof.path[1:]]),
        replace(proof, path=[flipped, *proof.path[1:]]),
        replace(proof, path=proof.path[:-1]),
        replace(proof, path=[("up", sibling), *proof.path[1:]]),  # type: ignore[list-item]
        replace(proof, path=[(side, "not hex"), *proof.path[1:]]),
        replace(proof, entry_hash=hashes[3]),
        replace(proof, root="ab" * 32),
        replace(proof, batch=2),
        replace(proof, anchor={**proof.anchor, "raw": json.dumps(other_raw)}),
        replace(proof, anchor={}),
    ):
        assert not verify_inclusion(bad)

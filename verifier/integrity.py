"""Checking a shared record before it is shown: against its audit entry, its Merkle path and the ledger.

    checked = await check_record(item, candidates, ledger, txns)     # RecordRefusedError(reason) otherwise

`item` is what the hospital gives for a file (`GET {url}/proofs`): the audit entry that logged the
record (`details.sha256`) and the entry's inclusion proof. In order:

1. the entry's hash recomputes from its fields (canonical JSON of all but `hash`);
2. the record's SHA-256 is the entry's `details.sha256` (`candidates`: the bytes that may be the
   record, the decrypted file itself or a PDF inside a DocumentReference);
3. the entry is anchored (a record logged moments ago is not yet: "try again in a few seconds"), and
   its Merkle path leads to the root the anchor names (`verify_inclusion`);
4. the ledger holds that anchor: transaction `anchor.seq_no` on the domain ledger is an ATTRIB that
   `anchor.did` wrote on itself, whose `raw` is the anchor's.

Any failure refuses the record with the reason. What this does not prove: that `anchor.did` is the
hospital's own audit DID (any DID the ledger registered could anchor a root); only that the record has
not changed since a ledger identity anchored its hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from audit import AuditEntry, InclusionProof, verify_inclusion
from audit.records import entry_hash
from ledger.client import LedgerName
from medcred.errors import LedgerError, UnprocessableError

__all__ = ["Checked", "LedgerReader", "ProofItem", "RecordRefusedError", "check_record", "sha256_of"]

ATTRIB_TXN_TYPE = "100"
NOT_ANCHORED = "not yet anchored on the ledger: try again in a few seconds"
NO_LEDGER = "cannot check the ledger: this verifier has no ledger connection (audit anchoring is off)"
_ENTRY_FIELDS = frozenset(field.name for field in fields(AuditEntry))

type Txns = dict[int, dict[str, Any] | None]


class RecordRefusedError(UnprocessableError):
    """A shared record that failed a check: it is not shown, and `message` says why."""


class LedgerReader(Protocol):
    async def get_txn(
        self, which: LedgerName, seq_no: int, *, attempts: int = 1, pause: float = 0.05
    ) -> dict[str, Any] | None: ...


class ProofItem(BaseModel):
    """One element of the hospital's `GET {url}/proofs` answer."""

    model_config = ConfigDict(extra="ignore")

    file_id: str | None = None
    record_id: str | None = None
    sha256: str | None = None
    entry: dict[str, Any]
    proof: dict[str, Any] | None = None

    @property
    def anchored_sha256(self) -> str | None:
        details = self.entry.get("details")
        value = details.get("sha256") if isinstance(details, dict) else None
        return value.lower() if isinstance(value, str) else None


@dataclass(frozen=True)
class Checked:
    record_id: str | None
    sha256: str
    did: str
    seq_no: int


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _entry_problem(item: ProofItem) -> str | None:
    entry = item.entry
    if set(entry) != _ENTRY_FIELDS or not isinstance(entry.get("hash"), str) or not isinstance(entry["details"], dict):
        return "the record's audit entry is malformed"
    try:
        computed = entry_hash(entry)
    except (TypeError, ValueError):
        return "the record's audit entry is malformed"
    if computed != entry["hash"]:
        return "the record's audit entry was altered: its hash does not match its contents"
    named = entry["details"].get("record_id")
    if item.record_id is not None and named is not None and named != item.record_id:
        return "the audit entry given for this record is about another record"
    return None


def _inclusion_proof(raw: dict[str, Any]) -> InclusionProof:
    try:
        path = [(str(side), str(sibling)) for side, sibling in raw["path"]]
        anchor = raw["anchor"]
        proof = InclusionProof(
            entry_hash=str(raw["entry_hash"]), leaf_index=int(raw["leaf_index"]), batch=int(raw["batch"]),
            root=str(raw["root"]), path=path, anchor=dict(anchor),  # type: ignore[arg-type]
        )  # fmt: skip
    except (KeyError, TypeError, ValueError):
        raise RecordRefusedError("the record's inclusion proof is malformed") from None
    seq_no, did = proof.anchor.get("seq_no"), proof.anchor.get("did")
    if not isinstance(seq_no, int) or isinstance(seq_no, bool) or seq_no < 1 or not isinstance(did, str):
        raise RecordRefusedError("the record's inclusion proof names no ledger transaction")
    if not isinstance(proof.anchor.get("raw"), str):
        raise RecordRefusedError("the record's inclusion proof carries no anchor")
    return proof


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


async def _ledger_problem(proof: InclusionProof, ledger: LedgerReader | None, txns: Txns) -> str | None:
    if ledger is None:
        return NO_LEDGER
    seq_no, did, raw = proof.anchor["seq_no"], proof.anchor["did"], proof.anchor["raw"]
    if seq_no not in txns:
        try:
            txns[seq_no] = await ledger.get_txn(LedgerName.DOMAIN, seq_no, attempts=20)
        except LedgerError as exc:
            return f"cannot check the ledger: {exc.message}"
    txn = txns[seq_no]
    if txn is None:
        return f"the ledger has no transaction {seq_no}: the record's anchor is not on this ledger"
    body = _mapping(txn.get("txn"))
    data, meta = _mapping(body.get("data")), _mapping(body.get("metadata"))
    if body.get("type") != ATTRIB_TXN_TYPE or data.get("dest") != did or meta.get("from", did) != did:
        return f"ledger transaction {seq_no} is not an ATTRIB that {did} wrote on itself: the anchor is false"
    on_ledger = data.get("raw")
    if on_ledger is None and data.get("hash") == hashlib.sha256(raw.encode()).hexdigest():
        return None  # a ledger that keeps only the raw value's hash
    if on_ledger != raw:
        return f"ledger transaction {seq_no} does not hold this Merkle root: the audit trail was altered"
    return None


async def check_record(item: ProofItem, candidates: Sequence[bytes], ledger: LedgerReader | None,
                       txns: Txns) -> Checked:  # fmt: skip
    """The record's anchored identity once every check passes; `RecordRefusedError` with the reason otherwise."""
    if problem := _entry_problem(item):
        raise RecordRefusedError(problem)
    anchored = item.anchored_sha256
    if anchored is None:
        raise RecordRefusedError("the record's audit entry names no SHA-256")
    if anchored not in {sha256_of(data) for data in candidates}:
        raise RecordRefusedError("the record was altered after it was anchored: its SHA-256 is not the anchored one")
    if item.proof is None:
        raise RecordRefusedError(NOT_ANCHORED)
    proof = _inclusion_proof(item.proof)
    if proof.entry_hash != item.entry["hash"]:
        raise RecordRefusedError("the inclusion proof given is for another audit entry")
    if not verify_inclusion(proof):
        raise RecordRefusedError("the record's inclusion proof does not lead to the Merkle root its anchor names")
    if problem := await _ledger_problem(proof, ledger, txns):
        raise RecordRefusedError(problem)
    record_id = item.record_id or item.entry["details"].get("record_id")
    return Checked(record_id if isinstance(record_id, str) else None, anchored, proof.anchor["did"],
                   proof.anchor["seq_no"])  # fmt: skip

"""The accounting of disclosures: who received what about a patient, when, under which consent.

Each entry is the holder's own audit record of a presentation (attribute names and predicates, never
values) with its inclusion proof: the Merkle path to its batch root and the ledger transaction that
anchors that root, so a patient can check it without trusting this service (`medcred.audit`'s
`verify_inclusion`, then the ATTRIB at `anchor.seq_no` on the domain ledger). An entry not anchored
yet says so; it is anchored within `MEDCRED_HOLDER_AUDIT_MAX_WAIT` seconds.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pydantic import BaseModel

from agents.audit import ServiceAudit
from holder.models import Patient

__all__ = ["Disclosure", "disclosures"]

class Disclosure(BaseModel):
    seq: int
    at: str
    verifier_did: str | None
    verifier: str | None
    revealed: list[str]
    predicates: list[str]
    grant_id: str | None
    entry_hash: str
    anchored: bool
    proof: dict[str, Any] | None


def disclosures(audit: ServiceAudit, patient: Patient) -> list[Disclosure]:
    found = []
    for entry in audit.log.entries(subject=patient.patient_id):
        if entry.event != "proof.presented":
            continue
        proof = audit.log.proof(entry.seq)
        details = entry.details
        found.append(Disclosure(
            seq=entry.seq, at=entry.at, verifier_did=details.get("verifier_did"), verifier=details.get("verifier"),
            revealed=list(details.get("revealed", [])), predicates=list(details.get("predicates", [])),
            grant_id=details.get("grant_id"), entry_hash=entry.hash, anchored=proof is not None,
            proof=asdict(proof) if proof is not None else None,
        ))  # fmt: skip
    return found

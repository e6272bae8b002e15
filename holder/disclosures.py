"""The accounting of disclosures: who received what about a patient, when, under which consent.

Two sources, merged in time order:

- `source: "wallet"`: the holder's own audit record of each presentation (attribute names and
  predicates, never values; `event: "proof.presented"`);
- `source: "hospital"`: each opening of the patient's shared records at the hospital (`event:
  "share.manifest_fetched"` or `"share.file_downloaded"`, with `share_id`, `recipient`, `record_ids`),
  from the hospital's portal. When the hospital cannot be reached, the wallet's entries are answered
  alone and a warning is logged.

Each entry carries its inclusion proof: the Merkle path to its batch root and the ledger transaction
that anchors that root, so a patient can check it without trusting either service
(`audit.verify_inclusion`, then the ATTRIB at `anchor.seq_no` on the domain ledger). An entry
not anchored yet says so; it is anchored within its service's audit max wait (5 s by default).

    disclosures = DisclosureService(audit, portal, records)    # create_app makes it
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents.audit import ServiceAudit
from holder.models import Patient
from holder.portal import HospitalPortal
from holder.records import RecordsService
from medcred.errors import MedcredError

__all__ = ["Disclosure", "DisclosureService", "disclosures"]

log = logging.getLogger(__name__)

PRESENTED = "proof.presented"
HOSPITAL_EVENTS = frozenset({"share.manifest_fetched", "share.file_downloaded"})


class Disclosure(BaseModel):
    source: Literal["wallet", "hospital"] = "wallet"
    event: str = PRESENTED
    seq: int
    at: str
    verifier_did: str | None = None
    verifier: str | None = None
    revealed: list[str] = Field(default_factory=list)
    predicates: list[str] = Field(default_factory=list)
    grant_id: str | None = None
    share_id: str | None = None
    recipient: str | None = Field(default=None, description="who opened a shared record (as they named themselves)")
    record_ids: list[str] = Field(default_factory=list)
    entry_hash: str
    anchored: bool
    proof: dict[str, Any] | None


class _HospitalEntry(BaseModel):
    """One access the hospital's portal reports (`GET .../disclosures`)."""

    model_config = ConfigDict(extra="ignore")

    seq: int
    at: str
    event: str
    share_id: str | None = None
    recipient: str | None = None
    record_ids: list[str] = Field(default_factory=list)
    entry_hash: str
    anchored: bool = False
    proof: dict[str, Any] | None = None


def disclosures(audit: ServiceAudit, patient: Patient) -> list[Disclosure]:
    """The wallet's own entries: the patient's presentations."""
    found = []
    for entry in audit.log.entries(subject=patient.patient_id):
        if entry.event != PRESENTED:
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


def _when(disclosure: Disclosure) -> datetime:
    try:
        at = datetime.fromisoformat(disclosure.at)
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class DisclosureService:
    def __init__(self, audit: ServiceAudit, portal: HospitalPortal, records: RecordsService) -> None:
        """`audit`: the wallet's own trail; `portal` and `records` (the patient's connection to the hospital)
        reach the hospital's."""
        self._audit = audit
        self._portal = portal
        self._records = records

    async def accounting(self, patient: Patient) -> list[Disclosure]:
        """The wallet's and the hospital's entries for this patient, in time order."""
        merged = disclosures(self._audit, patient) + await self._hospital(patient)
        return sorted(merged, key=_when)

    async def _hospital(self, patient: Patient) -> list[Disclosure]:
        """The hospital's entries for this patient; none (and a warning) when it cannot say."""
        try:
            connection = await self._records.hospital_connection(patient)
            if connection is None:
                return []
            answer = await self._portal.call("GET", connection, "disclosures")
        except MedcredError as exc:
            log.warning("patient %s: the hospital's accesses are left out (%s: %s)",
                        patient.patient_id, type(exc).__name__, exc.message)  # fmt: skip
            return []
        found = []
        for item in answer if isinstance(answer, list) else []:
            try:
                entry = _HospitalEntry.model_validate(item)
            except ValidationError:
                log.warning("patient %s: a malformed disclosure from the hospital is left out", patient.patient_id)
                continue
            if entry.event in HOSPITAL_EVENTS:
                found.append(Disclosure(source="hospital", **entry.model_dump()))
        return found

"""The hospital's accounting of disclosures for a patient: every opening of their shares and every file
downloaded, from the hospital's own audit trail, each with its inclusion proof (null until anchored).

The entries hold the share, the recipient's own description of itself and the record ids: never content.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from audit import AuditLog
from issuer.sharing.models import ShareDisclosure

__all__ = ["DISCLOSURE_EVENTS", "FILE_DOWNLOADED", "MANIFEST_FETCHED", "DisclosureService", "share_disclosures"]

MANIFEST_FETCHED = "share.manifest_fetched"
FILE_DOWNLOADED = "share.file_downloaded"
DISCLOSURE_EVENTS = frozenset({MANIFEST_FETCHED, FILE_DOWNLOADED})


def share_disclosures(log: AuditLog, patient_ref: str) -> list[ShareDisclosure]:
    """Every disclosure about the patient, oldest first (reads the log: call it off the event loop)."""
    found = []
    for entry in log.entries(subject=patient_ref):
        if entry.event not in DISCLOSURE_EVENTS:
            continue
        details, proof = entry.details, log.proof(entry.seq)
        record_ids = details.get("record_ids", [details.get("record_id")] if "record_id" in details else [])
        found.append(ShareDisclosure(
            seq=entry.seq, at=entry.at, event=entry.event, share_id=details.get("share_id"),
            recipient=details.get("recipient"), record_ids=[str(r) for r in record_ids], entry_hash=entry.hash,
            anchored=proof is not None, proof=asdict(proof) if proof is not None else None,
        ))  # fmt: skip
    return found


class DisclosureService:
    """The patient portal's accounting of disclosures, read from the hospital's audit trail."""

    def __init__(self, log: AuditLog) -> None:
        self.log = log

    async def of_patient(self, patient_ref: str) -> list[ShareDisclosure]:
        """Who opened the patient's shares and downloaded which records (the log is read in a worker thread)."""
        return await asyncio.to_thread(share_disclosures, self.log, patient_ref)

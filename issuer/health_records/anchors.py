"""Where each record's sha256 is anchored: its `record.stored` audit entry, and that entry's inclusion proof.

    anchors = RecordAnchors(audit.log)
    entry = anchors.stored_entry(record_id)        # None if the audit trail has no such entry
    proof = anchors.proof(entry)                   # None until its batch is anchored on the ledger

Entries are found by their `details.record_id` (whatever their subject) and remembered: the log is read
again only for a record not seen yet. Reading is file IO: call these off the event loop.
"""

from __future__ import annotations

import threading

from audit import AuditEntry, AuditLog, InclusionProof

__all__ = ["STORED_EVENT", "RecordAnchors"]

STORED_EVENT = "record.stored"


class RecordAnchors:
    def __init__(self, log: AuditLog) -> None:
        self.log = log
        self._stored: dict[str, AuditEntry] = {}
        self._lock = threading.Lock()

    def stored_entry(self, record_id: str) -> AuditEntry | None:
        with self._lock:
            if record_id not in self._stored:
                for entry in self.log.entries():
                    stored_id = entry.details.get("record_id")
                    if entry.event == STORED_EVENT and isinstance(stored_id, str):
                        self._stored[stored_id] = entry
            return self._stored.get(record_id)

    def proof(self, entry: AuditEntry) -> InclusionProof | None:
        return self.log.proof(entry.seq)

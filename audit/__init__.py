"""The audit trail: each service's append-only, hash-chained log, anchored on the Indy ledger in batches.

    from audit import AuditLog, Anchorer, AnchorSettings, ensure_anchor_identity, verify_log

    log = FileAuditLog(home / "issuer" / "audit", "issuer")     # or TableAuditLog(pool, "issuer")
    await ensure_anchor_identity(ledger_client, signer, register_url, register_key, service="issuer")
    anchorer = Anchorer(log, ledger_client, signer, AnchorSettings())
    await anchorer.start()
    log.append("credential.issued", subject="patient-17", details={"credential_id": "c-9", "type": "vaccination"})
    ...
    await anchorer.stop()
    report = await verify_log(home / "issuer" / "audit", "issuer", ledger_client)

!!! NO HEALTH DATA: an entry's `subject` and `details` hold identifiers, attribute NAMES and states,
never attribute values (no names, dates of birth, codes, lot numbers), tokens or keys. The log is kept
forever and shown to auditors; what goes in cannot be taken out without breaking the chain. !!!

    records  AuditEntry, Batch, canonical JSON        merkle   RFC 6962 roots, proofs, verify_inclusion
    log      AuditLog, what every log does           anchor   Anchorer, AnchorSettings
    log_files FileAuditLog: the two .jsonl files      log_postgres TableAuditLog: rows, several instances
    identity ensure_anchor_identity                   verify   verify_log, VerifyReport (chain: the entries)
    commands `medcred audit verify | bench`
"""

from __future__ import annotations

from audit.anchor import Anchorer, AnchorSettings
from audit.identity import ensure_anchor_identity
from audit.log import AuditLog
from audit.log_files import FileAuditLog
from audit.log_postgres import TableAuditLog
from audit.merkle import InclusionProof, verify_inclusion
from audit.records import AuditEntry, Batch
from audit.verify import VerifyReport, verify_log

__all__ = [
    "AnchorSettings",
    "Anchorer",
    "AuditEntry",
    "AuditLog",
    "Batch",
    "FileAuditLog",
    "InclusionProof",
    "TableAuditLog",
    "VerifyReport",
    "ensure_anchor_identity",
    "verify_inclusion",
    "verify_log",
]

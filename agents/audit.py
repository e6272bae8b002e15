"""A role's audit trail: its append-only log in `<role folder>/audit` (or, with MEDCRED_DATABASE_URL, in
the database), anchored on the ledger in batches under the role's own audit DID (registered through the
ledger's `POST /register` at start).

    audit = ServiceAudit(settings)
    await audit.start()
    audit.record("credential.issued", subject=patient_ref, credential_id=..., type="vaccination")
    await audit.stop()

Details are identifiers, attribute NAMES and states, never values (see audit/).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Protocol

import httpx

from agents.registration import register_with_endorser
from agents.settings import RoleSettings
from audit import Anchorer, AnchorSettings, AuditEntry, AuditLog, FileAuditLog, TableAuditLog, ensure_anchor_identity
from ledger.client import LedgerClient
from ledger.identity import Role, Signer
from medcred.database import Database
from medcred.errors import LedgerError

__all__ = ["NO_AUDIT", "AuditRecorder", "ServiceAudit", "open_audit_log"]

log = logging.getLogger(__name__)


def open_audit_log(settings: RoleSettings, folder: Path) -> AuditLog:
    """The role's log: rows in MEDCRED_DATABASE_URL's database if set (shared by its instances), else files."""
    if settings.database_url is None:
        return FileAuditLog(folder, settings.role)
    from medcred.schema import open_pool

    return TableAuditLog(open_pool(Database.parse(settings.database_url), name=f"{settings.role}-audit"), settings.role)


class AuditRecorder(Protocol):
    """What the roles' flows need of the audit trail: append one event."""

    def record(self, event: str, *, subject: str | None = None, **details: Any) -> object: ...


class _NoAudit:
    def record(self, event: str, *, subject: str | None = None, **details: Any) -> None:
        return None


NO_AUDIT: AuditRecorder = _NoAudit()


class ServiceAudit:
    def __init__(self, settings: RoleSettings) -> None:
        self.settings = settings
        self.folder = settings.folder() / "audit"
        self.log = open_audit_log(settings, self.folder)
        # The audit key: derived from a secret generated into the role's data folder on first use.
        seed = hashlib.sha256(settings.secret("audit_seed").get_secret_value().encode()).digest()
        self.signer = Signer.from_seed(seed)
        self._client: LedgerClient | None = None
        self._anchorer: Anchorer | None = None

    @property
    def did(self) -> str:
        return self.signer.did

    @property
    def ledger(self) -> LedgerClient | None:
        """The ledger client once started with anchoring on (reads only, for the role's own checks); else None."""
        return self._client

    async def start(self) -> None:
        if not self.settings.audit_anchoring:
            log.warning("%s audit trail: anchoring is off, entries are chained but not anchored", self.settings.role)
            return
        genesis = self.settings.genesis_file or await self._fetch_genesis()
        # The client's "trustee" signs the ATTRIB anchors: here it is the role's own audit DID.
        self._client = await LedgerClient.open(genesis, self.signer)
        if self.settings.endorser_seed is not None:  # another network: the operator's endorser writes its NYM
            await register_with_endorser(genesis, self.settings.endorser_seed, did=self.signer.did,
                                         verkey=self.signer.verkey, alias=f"medcred {self.settings.role} audit",
                                         role=Role.NONE)  # fmt: skip
        else:
            key = self.settings.ledger_api_key.get_secret_value() if self.settings.ledger_api_key else ""
            await ensure_anchor_identity(self._client, self.signer, f"{self.settings.ledger_url.rstrip('/')}/register",
                                         key, service=self.settings.role)  # fmt: skip
        anchor = AnchorSettings(batch_size=self.settings.audit_batch_size, max_wait=self.settings.audit_max_wait)
        self._anchorer = Anchorer(self.log, self._client, self.signer, anchor)
        await self._anchorer.start()

    async def stop(self) -> None:
        if self._anchorer is not None:
            await self._anchorer.stop()
            self._anchorer = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def close(self) -> None:
        """Close the log (its database pool), once nothing can append any more (after the agent link closed)."""
        self.log.close()

    async def anchor_now(self) -> None:
        if self._anchorer is not None:
            await self._anchorer.anchor_now()

    def record(self, event: str, *, subject: str | None = None, **details: Any) -> AuditEntry:
        return self.log.append(event, subject=subject, details=details)

    async def _fetch_genesis(self) -> Path:
        url = f"{self.settings.ledger_url.rstrip('/')}/genesis"
        try:
            async with httpx.AsyncClient(timeout=30) as client:
                response = await client.get(url)
                response.raise_for_status()
        except httpx.HTTPError as exc:
            raise LedgerError(f"cannot fetch the ledger's genesis from {url}: {type(exc).__name__}") from exc
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # a log in the database made no folder
        path = self.folder / "pool_genesis.txn"
        path.write_text(response.text)
        return path

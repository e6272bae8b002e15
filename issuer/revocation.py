"""Revoking an issued credential: the agent revokes it in its registry and publishes the update at once.

Revocation is idempotent: a credential already revoked is answered as it is, and ACA-Py itself skips a
credential revocation id already revoked (so a retry after a crash between the two steps is harmless).
The SMART Health Cards that carry the credential are revoked with it (`CardRevocations`: their rids on
the CRL at once), also on a repeated call.
"""

from __future__ import annotations

import asyncio
import logging

from agents.admin import AdminClient
from agents.audit import NO_AUDIT, AuditRecorder
from issuer.health_cards.revocation import CardRevocations
from issuer.issued import IssuedCredentials
from issuer.registry import CredentialRecord, IssuerRegistry, now
from medcred.errors import ConflictError

__all__ = ["RevocationService"]

log = logging.getLogger(__name__)


class RevocationService:
    def __init__(
        self, admin: AdminClient, registry: IssuerRegistry, issued: IssuedCredentials, audit: AuditRecorder = NO_AUDIT,
        *, cards: CardRevocations | None = None,
    ) -> None:  # fmt: skip
        self.admin = admin
        self.cards = cards
        self.registry = registry
        self.issued = issued
        self.audit = audit
        self._lock = asyncio.Lock()  # one revocation at a time: each is a ledger write anyway

    async def revoke(self, credential_id: str) -> CredentialRecord:
        """Revoke and publish (`POST /anoncreds/revocation/revoke`, publish true); 409 if not issued yet.
        Its health cards are revoked too."""
        revoked = await self._revoke(credential_id)
        if self.cards is not None:
            await self.cards.revoke_of_credential(credential_id)
        return revoked

    async def _revoke(self, credential_id: str) -> CredentialRecord:
        async with self._lock:
            record = self.issued.require(credential_id)
            if record.revoked:
                return record
            record = await self.issued.with_revocation_ids(record)
            if record.rev_reg_id is None or record.cred_rev_id is None:
                raise ConflictError(f"credential {credential_id} has not been issued yet: there is nothing to revoke")
            await self.admin.revoke(rev_reg_id=record.rev_reg_id, cred_rev_id=record.cred_rev_id)
            revoked = self.issued.require(credential_id).model_copy(update={"revoked_at": now()})
            self.registry.save_credential(revoked)
            self.audit.record("credential.revoked", subject=revoked.patient_ref, credential_id=credential_id,
                              type=revoked.type)
            log.info("revoked credential %s (rev_reg_id %s, cred_rev_id %s)", credential_id, record.rev_reg_id,
                     record.cred_rev_id)  # fmt: skip
            return revoked

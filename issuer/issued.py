"""Issued credentials as both issuance and revocation read them: found (or a 404), with their revocation ids.

    issued = IssuedCredentials(admin, registry)
    issued.require(credential_id)          the record, `NotFoundError` if there is none
    issued.note_revocation_ids(record, p)  a webhook's or the agent's rev_reg_id and cred_rev_id, kept once
    await issued.with_revocation_ids(r)    the record with them, read from the agent if no webhook brought them

Below both `IssuanceService` (which revokes what it issued to an exchange that ran out of time) and
`RevocationService` (which needs a credential's revocation ids), so each is built with the other's needs
passed in, in order: issued, revocation, issuance.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from agents.admin import AdminClient
from issuer.registry import CredentialRecord, IssuerRegistry
from medcred.errors import NotFoundError

__all__ = ["IssuedCredentials"]

log = logging.getLogger(__name__)


class IssuedCredentials:
    def __init__(self, admin: AdminClient, registry: IssuerRegistry) -> None:
        self.admin = admin
        self.registry = registry

    def require(self, credential_id: str) -> CredentialRecord:
        record = self.registry.credential(credential_id)
        if record is None:
            raise NotFoundError(f"no credential {credential_id}")
        return record

    def note_revocation_ids(self, record: CredentialRecord, payload: Mapping[str, Any]) -> CredentialRecord:
        """The record with the payload's rev_reg_id and cred_rev_id (saved), if it had none yet."""
        rev_reg_id, cred_rev_id = payload.get("rev_reg_id"), payload.get("cred_rev_id")
        if isinstance(rev_reg_id, str) and isinstance(cred_rev_id, str) and record.cred_rev_id is None:
            record = record.model_copy(update={"rev_reg_id": rev_reg_id, "cred_rev_id": cred_rev_id})
            self.registry.save_credential(record)
        return record

    async def with_revocation_ids(self, record: CredentialRecord) -> CredentialRecord:
        """The record with its rev_reg_id and cred_rev_id, read from the agent if no webhook brought them."""
        if record.cred_rev_id is not None or record.issued_at is None or record.cred_ex_id is None:
            return record
        try:
            detail = (await self.admin.issue_credential_record(record.cred_ex_id)).get("anoncreds")
        except NotFoundError:
            log.warning("the agent no longer has exchange %s of credential %s", record.cred_ex_id, record.credential_id)
            return record
        if isinstance(detail, dict):
            current = self.require(record.credential_id)
            self.note_revocation_ids(current, {k: detail.get(k) for k in ("rev_reg_id", "cred_rev_id")})
        return self.require(record.credential_id)

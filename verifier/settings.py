"""The verifier's settings: `MEDCRED_VERIFIER_*` (the clinic or insurer controller and its agent)."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from agents.settings import RoleSettings

__all__ = ["VerifierSettings"]

# An unqualified Indy DID (a nym): what the ledger's credential definitions name as their issuer, and the
# only form anoncreds-rs accepts in an `issuer_did` restriction (it is a legacy identifier tag).
_NYM = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{21,22}$")


class VerifierSettings(RoleSettings):
    # validate_assignment: the network sets `issuer_did` once the hospital has said it, after construction.
    model_config = SettingsConfigDict(env_prefix="MEDCRED_VERIFIER_", extra="ignore", validate_assignment=True)
    role: ClassVar[str] = "verifier"

    port: int = 8003
    agent_inbound_port: int = 8040
    agent_admin_port: int = 8041
    label: str = "Riverside Clinic"
    # The hospital's public DID: every proof request is restricted to credentials it issued. If None,
    # requests restrict by schema name only (any issuer of a schema of that name would do).
    issuer_did: str | None = None
    # How long (seconds) a verification waits for the patient before it ends as timed out.
    request_timeout: float = Field(default=60.0, gt=0, le=86_400)
    # Seconds each call to a share's host (manifest, file, proofs) may take.
    share_timeout: float = Field(default=30.0, gt=0, le=300)

    @field_validator("issuer_did")
    @classmethod
    def _unqualified_nym(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        nym = value.strip().removeprefix("did:sov:")
        if not _NYM.fullmatch(nym):
            raise ValueError("issuer_did must be the hospital's Indy DID (a base58 nym, optionally did:sov:)")
        return nym

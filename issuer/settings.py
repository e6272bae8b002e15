"""Typed settings of the hospital's controller (prefix `MEDCRED_ISSUER_`)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from agents.settings import RoleSettings

__all__ = ["IssuerSettings"]


class IssuerSettings(RoleSettings):
    """The issuer controller (port 8001) and its agent (8020 DIDComm, 8021 admin)."""

    model_config = SettingsConfigDict(env_prefix="MEDCRED_ISSUER_", extra="ignore")

    role: ClassVar[str] = "issuer"

    port: int = 8001
    agent_inbound_port: int = 8020
    agent_admin_port: int = 8021
    label: str = Field(default="City Hospital", min_length=1, max_length=100)
    revocation_registry_size: int = Field(default=1000, ge=4, le=32768)
    issuance_timeout: float = Field(default=30.0, gt=0, description="seconds an issuance may take")
    onboarding_timeout: float = Field(
        default=60.0, gt=0, description="seconds a credential definition's revocation registry may take to appear"
    )
    # Patients' records kept off-chain (issuer/record_store.py). The key-encryption key is never generated:
    # losing it loses every record, so it is set on purpose (32 bytes, base64url or hex) and kept elsewhere.
    records_kek: SecretStr | None = None
    records_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0, le=1024**3, description="largest record, bytes")

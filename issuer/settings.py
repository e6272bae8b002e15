"""Typed settings of the hospital's controller (prefix `MEDCRED_ISSUER_`)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from agents.settings import RoleSettings

__all__ = ["IssuerSettings"]


class IssuerSettings(RoleSettings):
    """The issuer controller (port 8001) and its agent (8020 DIDComm, 8021 admin)."""

    model_config = SettingsConfigDict(env_prefix="MEDCRED_ISSUER_", extra="ignore")

    role: ClassVar[str] = "issuer"
    web_app: ClassVar[tuple[str, str]] = ("the hospital desk", "/desk")  # its web app (medcred.pages)

    port: int = 8001
    agent_inbound_port: int = 8020
    agent_admin_port: int = 8021
    label: str = Field(default="City Hospital", min_length=1, max_length=100)
    revocation_registry_size: int = Field(default=1000, ge=4, le=32768)
    # Seconds from an offer until an exchange the wallet has not finished ends as abandoned (issuer/issuance.py).
    issuance_timeout: float = Field(default=120.0, gt=0, le=86_400, description="seconds an issuance may take")
    onboarding_timeout: float = Field(
        default=60.0, gt=0, description="seconds a credential definition's revocation registry may take to appear"
    )
    # Patients' records kept off-chain (issuer/health_records/store.py). The key-encryption key is never generated
    # here: losing it loses every record, so it is set on purpose (32 bytes, base64url or hex) and kept
    # outside the data folder, as a value or as a key file made for this data folder (issuer/health_records/keys.py;
    # `medcred up` makes one per data folder). The value wins when both are set.
    records_kek: SecretStr | None = None
    records_kek_file: Path | None = None
    records_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0, le=1024**3, description="largest record, bytes")
    # The patient portal (/portal): the patients' wallet service calls it for an authenticated patient, with
    # this key in X-API-Key (generated into the data folder when unset; the network passes it to the wallet).
    portal_api_key: SecretStr | None = None
    # How long a patient's invitation can be used: its QR code is a bearer key to the patient's records until
    # a connection completed from it, so a connection from an older one is not linked (the desk invites again).
    invitation_ttl_hours: float = Field(default=72, gt=0, le=24 * 365, description="hours")
    # How long a portal call waits for a connection the wallet has completed but our webhook not yet linked.
    portal_link_wait: float = Field(default=5.0, ge=0, le=60, description="seconds")
    # Where recipients reach this controller: the base of every SMART Health Link's manifest URL (https, or
    # http on this machine's loopback). Empty: http://{host}:{port}.
    public_url: str = ""
    # The `iss` of the hospital's SMART Health Cards: verifiers fetch {iss}/.well-known/jwks.json. https, or http on
    # this machine's loopback (issuer/health_cards/keys.py checks it at start). Empty: the public URL.
    health_card_iss: str = ""
    share_max_passcode_attempts: int = Field(default=5, ge=1, le=100, description="wrong passcodes before a lock")

    @model_validator(mode="after")
    def _default_public_url(self) -> Self:
        self.public_url = (self.public_url or self.url).rstrip("/")
        self.health_card_iss = (self.health_card_iss or self.public_url).rstrip("/")
        return self

"""The holder controller's settings (`MEDCRED_HOLDER_*`): its ports, its agent's, and its secrets.

Every secret left unset (the staff API key, the agent's admin key, the webhook key, the base wallet's
key, the multitenancy JWT secret) is generated once into the data folder and read from there after.
The hospital portal's key is the hospital's own: it is never generated here (`hospital_portal_key`).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from agents.settings import RoleSettings

__all__ = ["HolderSettings"]


class HolderSettings(RoleSettings):
    model_config = SettingsConfigDict(env_prefix="MEDCRED_HOLDER_", extra="ignore")

    role: ClassVar[str] = "holder"
    web_app: ClassVar[tuple[str, str]] = ("the patient's wallet", "/wallet")  # its web app (medcred.pages)

    port: int = 8002
    agent_inbound_port: int = 8030
    agent_admin_port: int = 8031
    jwt_secret: SecretStr | None = None  # signs the agent's sub-wallet tokens; generated when None
    label: str = "medcred wallet"  # what verifiers and the hospital see of every patient's wallet
    proof_request_wait: float = Field(default=10.0, gt=0)  # seconds for a scanned request to reach the wallet
    max_credentials: int = Field(default=1000, ge=1, le=10_000)  # per listing (ACA-Py returns 10 unless told)
    max_candidates: int = Field(default=100, ge=1, le=10_000)  # candidate credentials per referent
    # The hospital's patient portal (issuer controller): patients' records and their shares.
    hospital_url: str = "http://127.0.0.1:8001"
    hospital_portal_key: SecretStr | None = None  # its X-API-Key for the portal (the network passes it)
    hospital_timeout: float = Field(default=30.0, gt=0, le=300)  # seconds per portal call

"""The verifier's settings: `MEDCRED_VERIFIER_*` (the clinic or insurer controller and its agent)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar, Self
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from agents.settings import RoleSettings
from medcred.identifiers import IndyDid
from verifier.models import Party
from verifier.share_hosts import origin_of

__all__ = ["VerifierSettings"]

class VerifierSettings(RoleSettings):
    # validate_assignment: the network sets `issuer_did` once the hospital has said it, after construction.
    model_config = SettingsConfigDict(env_prefix="MEDCRED_VERIFIER_", extra="ignore", validate_assignment=True)
    role: ClassVar[str] = "verifier"
    web_app: ClassVar[tuple[str, str]] = ("the clinic and insurer desk", "/desk")  # its web app (medcred.pages)

    port: int = 8003
    agent_inbound_port: int = 8040
    agent_admin_port: int = 8041
    label: str = Field(default="Riverside Clinic", min_length=1, max_length=80)  # the clinic's name (and its agent's)
    # The insurer's name: who the wallet is told asks with the insurer's templates (insurance-eligibility).
    insurer_label: str = Field(default="Riverside Health Insurance", min_length=1, max_length=80)
    # The hospital's public DID: every proof request is restricted to credentials it issued. If None,
    # requests restrict by schema name only (any issuer of a schema of that name would do). Held as its nym:
    # what the ledger's credential definitions name as their issuer, and the only form anoncreds-rs accepts
    # in an `issuer_did` restriction (a legacy identifier tag).
    issuer_did: IndyDid | None = None
    # How long (seconds) a verification waits for the patient before it ends as timed out.
    request_timeout: float = Field(default=60.0, gt=0, le=86_400)
    # Seconds each call to a share's host (manifest, file, proofs) may take.
    share_timeout: float = Field(default=30.0, gt=0, le=300)
    # Origins (scheme://host[:port]) a shared link may name although they are on a loopback, private or
    # otherwise non-public address (a hospital on this machine or the local network); every other link
    # must name a public host. Comma-separated in the environment. `medcred up` allows its own hospital.
    share_allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # SMART Health Cards (verifier/health_cards/): the issuers trusted, a JSON file in the VCI directory's or its
    # snapshot's shape (with JWKS and CRLs: offline); None trusts nobody. Live fetching of issuers' key sets and
    # CRLs only when enabled (https, or http to an allowed origin on loopback), within a time and a size limit.
    health_card_trust_list: Path | None = None
    health_card_live_keys: bool = False
    health_card_fetch_timeout: float = Field(default=5.0, gt=0, le=60, description="seconds")
    health_card_fetch_max_bytes: int = Field(default=256 * 1024, gt=0, le=16 * 1024 * 1024)
    health_card_clock_skew: float = Field(default=300.0, ge=0, le=86_400, description="seconds of nbf/exp slack")

    @field_validator("share_allowed_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in value.replace(",", " ").split() if part]
        if not isinstance(value, list | tuple):
            return value
        origins = []
        for url in value:
            try:
                origin = origin_of(str(url))
            except ValueError:
                raise ValueError(f"share_allowed_origins: {url!r} is not an http(s) origin") from None
            if urlsplit(str(url).strip()).path not in ("", "/"):
                raise ValueError(f"share_allowed_origins: {url!r} is an origin only (scheme://host[:port]), no path")
            origins.append(str(origin))
        return origins

    @model_validator(mode="after")
    def _not_our_own(self) -> Self:
        own = {origin_of(url) for url in self.own_origins()}
        if any(origin_of(url) in own for url in self.share_allowed_origins):
            raise ValueError("share_allowed_origins must not name this verifier's own API or agent")
        return self

    def party_labels(self) -> dict[Party, str]:
        """The name each party asks under: what its invitations' label says to the patient."""
        return {Party.CLINIC: self.label, Party.INSURER: self.insurer_label}

    def own_origins(self) -> list[str]:
        """This service's own origins (its API, its agent's admin API and endpoint): never fetched."""
        bound = f"http://{self.agent_host or self.host}:{self.agent_inbound_port}"
        return [self.url, self.agent_admin_url, bound, self.endpoint]

    @field_validator("issuer_did", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

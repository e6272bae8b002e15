"""The API models of the hospital's SMART Health Cards. Staff views carry ids and dates; only the portal's
view, for the patient's own wallet, carries the card (the JWS) itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from issuer.health_cards.store import CardRecord
from issuer.models import VACCINATION_EXAMPLE

__all__ = ["HealthCardRequest", "HealthCardView", "PortalHealthCard"]

MAX_DOSES = 20


class HealthCardRequest(BaseModel):
    """One card for one or more vaccinations the hospital issued: each credential with its FHIR Immunization."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"credential_ids": ["5b1f0c2e-8d3a-4e6f-9a7b-1c2d3e4f5a6b"], "immunizations": [VACCINATION_EXAMPLE["fhir"]]},
    ]})  # fmt: skip

    credential_ids: list[str] = Field(min_length=1, max_length=MAX_DOSES, description="vaccination credentials")
    immunizations: list[dict[str, Any]] = Field(
        min_length=1, max_length=MAX_DOSES, description="the FHIR R4 Immunization of each, in the same order"
    )

    @model_validator(mode="after")
    def _paired(self) -> Self:
        if len(self.credential_ids) != len(self.immunizations):
            raise ValueError("give one FHIR Immunization per credential id, in the same order")
        if len(set(self.credential_ids)) != len(self.credential_ids):
            raise ValueError("a credential id is given twice")
        return self


class HealthCardView(BaseModel):
    card_id: str
    patient_ref: str
    credential_ids: list[str]
    record_id: str = Field(description="the card as a record of the patient (shareable by SMART Health Link)")
    kid: str
    issued_at: datetime
    revoked: bool
    revoked_at: datetime | None

    @classmethod
    def of(cls, card: CardRecord) -> HealthCardView:
        return cls(card_id=card.card_id, patient_ref=card.patient_ref, credential_ids=card.credential_ids,
                   record_id=card.record_id, kid=card.kid, issued_at=card.issued_at, revoked=card.revoked,
                   revoked_at=card.revoked_at)  # fmt: skip


class PortalHealthCard(BaseModel):
    card_id: str
    record_id: str
    credential_ids: list[str]
    issued_at: datetime
    revoked: bool
    jws: str = Field(description="the card: a compact JWS (zip DEF, ES256)")

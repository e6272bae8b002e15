"""The verifier's SMART Health Card API models."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medcred.health_cards import Refusal
from verifier.models import MAX_QR_BASE64

__all__ = ["CardImmunizationView", "CardIssuerView", "CardResult", "CardVerification", "VerifyCards"]

MAX_TEXT = 1024 * 1024


class VerifyCards(BaseModel):
    """Cards to verify, in exactly one form."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"shc": "shc:/5676290952432060346029243740446031222959532654603460292540772804336028702864716745..."},
        {"shlink": "shlink:/eyJ1cmwiOiJodHRwczovL2hvc3BpdGFsLmV4YW1wbGUvc2hsLy4uLiIsImtleSI6Ii4uLiJ9"},
    ]})  # fmt: skip

    shc: str | None = Field(default=None, max_length=MAX_TEXT, description="a shc:/ numeric text, or the JWS itself")
    qr_png_base64: str | None = Field(default=None, max_length=MAX_QR_BASE64, description="a PNG of the card's QR code")
    file: str | None = Field(default=None, max_length=MAX_TEXT, description="a .smart-health-card file's JSON text")
    shlink: str | None = Field(default=None, max_length=8192, description="a SMART Health Link whose files are cards")
    passcode: str | None = Field(default=None, min_length=1, max_length=200, description="for a link with flag P")

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        given = [name for name in ("shc", "qr_png_base64", "file", "shlink") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give the cards in exactly one of shc, qr_png_base64, file and shlink")
        return self


class CardIssuerView(BaseModel):
    iss: str
    name: str | None = Field(description="its name in the trust list (None if it is not in it)")


class CardImmunizationView(BaseModel):
    vaccine_system: str | None
    vaccine_code: str | None
    date: str | None
    lot_number: str | None
    performer: str | None


class CardResult(BaseModel):
    verified: bool
    reason: Refusal | None = Field(default=None, description="why not, when not verified")
    detail: str | None = None
    issuer: CardIssuerView | None = None
    kid: str | None = None
    patient_name: str | None = None
    patient_birth_date: str | None = None
    immunizations: list[CardImmunizationView] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    issued_at: datetime | None = Field(default=None, description="the card's nbf")


class CardVerification(BaseModel):
    verification_id: str
    checked_at: datetime
    results: list[CardResult]

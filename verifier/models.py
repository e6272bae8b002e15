"""The verifier's domain objects: a verification (as stored, and as shown) and the API's bodies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CreateVerification",
    "OpenShare",
    "OpenedShare",
    "Party",
    "RefusedFile",
    "ShareAnchor",
    "SharedFile",
    "TemplateView",
    "Verification",
    "VerificationCreated",
    "VerificationState",
    "VerificationView",
]


class Party(StrEnum):
    """Who asks with a template: the clinic or the insurer (each a label of its own, `VerifierSettings`)."""

    CLINIC = "clinic"
    INSURER = "insurer"


class VerificationState(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    FAILED = "failed"
    DECLINED = "declined"
    TIMED_OUT = "timed_out"


class Verification(BaseModel):
    """One verification as stored: the template asked, the agent's record, and the result.

    `revealed` only ever holds the raw values of the attributes the template asked to reveal.
    """

    verification_id: str
    template: str
    pres_ex_id: str
    invitation_id: str | None = None  # the out-of-band invitation's @id (ACA-Py's invi_msg_id)
    invitation_url: str | None = None  # what its QR code holds (the desk shows it again)
    state: VerificationState = VerificationState.PENDING
    created_at: datetime
    expires_at: datetime
    completed_at: datetime | None = None
    revealed: dict[str, str] = Field(default_factory=dict)
    predicates: list[str] = Field(default_factory=list)
    verified: bool | None = None  # True once verified, False once failed; None otherwise
    reason: str | None = None
    issuer_did: str | None = None  # once verified: the issuer of the credential proven

    @property
    def pending(self) -> bool:
        return self.state is VerificationState.PENDING

    def view(self) -> VerificationView:
        return VerificationView.model_validate(self.model_dump())


class VerificationView(BaseModel):
    """A verification as staff see it (`GET /verifications/{id}`)."""

    model_config = ConfigDict(extra="ignore")

    verification_id: str
    template: str
    state: VerificationState
    verified: bool | None
    revealed: dict[str, str]
    predicates: list[str]
    reason: str | None
    created_at: datetime
    completed_at: datetime | None


class CreateVerification(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"template": "vaccination-status"}]})

    template: str = Field(min_length=1, max_length=64)


class VerificationCreated(BaseModel):
    verification_id: str
    invitation_url: str
    qr_svg: str = Field(description="the invitation URL as a QR code (SVG), for the patient's wallet to scan")
    template: str
    asked_by: str = Field(description="who the patient's wallet is told asks: the clinic's or the insurer's name")
    expires_at: datetime


class TemplateView(BaseModel):
    name: str
    title: str
    party: Party = Field(description="who asks with it: the clinic or the insurer")
    credential: str  # the schema name
    reveals: list[str]
    proves: list[str]


# -- shared records (SMART Health Links) -----------------------------------------------------------------

MAX_QR_BASE64 = 14 * 1024 * 1024  # a 10 MiB PNG, base64


class OpenShare(BaseModel):
    """A SMART Health Link to open: as text, or a QR code image of it (exactly one of the two)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"shlink": "shlink:/eyJ1cmwiOiJodHRwOi8vMTI3LjAuMC4xOjgwMDEvc2hsL2FiYyIsImZsYWciOiJQIn0", "passcode": "1234"},
    ]})  # fmt: skip

    shlink: str | None = Field(default=None, max_length=8192, description="shlink:/... or a viewer URL#shlink:/...")
    qr_png_base64: str | None = Field(default=None, max_length=MAX_QR_BASE64, description="a PNG of the QR code")
    passcode: str | None = Field(default=None, min_length=1, max_length=200, description="for a link with flag P")


class ShareAnchor(BaseModel):
    did: str = Field(description="the DID whose ATTRIB on the ledger holds the Merkle root")
    seq_no: int = Field(description="that ATTRIB's transaction on the domain ledger")


class SharedFile(BaseModel):
    """A record that passed every check: shown."""

    record_id: str | None
    content_type: str = "application/fhir+json"
    resource_type: str
    resource: dict[str, Any] = Field(description="the FHIR resource (a PDF comes inside a DocumentReference)")
    sha256: str = Field(description="of the record as stored (for a DocumentReference: of its attachment)")
    anchor: ShareAnchor


class RefusedFile(BaseModel):
    """A file that failed a check: never shown."""

    record_id: str | None
    reason: str


class OpenedShare(BaseModel):
    label: str | None
    files: list[SharedFile]
    refused: list[RefusedFile]

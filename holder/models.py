"""The holder's domain objects: a patient account (internal), and what the API answers.

`Patient` never leaves the controller: it carries the sub-wallet's agent token and wallet key. The
response models carry only what the patient (or staff) may see.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, model_validator

from holder.consent import ConsentStatus
from medcred.credentials import CredentialType
from medcred.identifiers import Did, IndyDid

__all__ = [
    "Consent",
    "ConsentReceipts",
    "Credential",
    "HealthCard",
    "HealthCardDose",
    "InvitationAccepted",
    "InvitationIn",
    "InvitationState",
    "Patient",
    "PatientCreated",
    "ProofAnswer",
    "ProofRequest",
    "ProofRequestConsent",
    "RecordErased",
    "RecordView",
    "ShareCreated",
    "ShareIn",
    "ShareOptions",
    "ShareView",
]

MAX_INVITATION_URL = 64 * 1024  # a proof request inside an invitation makes a URL of ~2.5 KB


class Patient(BaseModel):
    """A patient account: their ACA-Py sub-wallet, and the digest of the bearer token we gave them.

    A production deployment would keep `agent_token` and `wallet_key` in a KMS rather than in the
    controller's store (a 0600 SQLite file in the data folder).
    """

    model_config = ConfigDict(frozen=True)

    patient_id: str
    wallet_id: str
    token_sha256: str  # hex SHA-256 of the patient's bearer token; the token itself is never stored
    agent_token: SecretStr  # the sub-wallet's token on the agent (Authorization: Bearer on admin calls)
    wallet_key: SecretStr  # the sub-wallet's RAW key (base58 of 32 random bytes)
    created_at: datetime

    def to_document(self) -> dict[str, Any]:
        """The stored form, secrets included (the store is the controller's own)."""
        return {
            **self.model_dump(mode="json", exclude={"agent_token", "wallet_key"}),
            "agent_token": self.agent_token.get_secret_value(),
            "wallet_key": self.wallet_key.get_secret_value(),
        }


class PatientCreated(BaseModel):
    patient_id: str
    token: str = Field(description="The patient's bearer token; shown once, never stored")


class InvitationIn(BaseModel):
    """An out-of-band invitation: its URL (`...?oob=<base64url JSON>`) or the invitation object itself."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"invitation_url": "http://127.0.0.1:8020?oob=eyJAdHlwZSI6ICJodHRwczovL2RpZGNvbW0ub3JnL291dC1vZi1iYW5kLzEuMS9pbnZpdGF0aW9uIn0"},
    ]})  # fmt: skip

    invitation_url: str | None = Field(default=None, max_length=MAX_INVITATION_URL)
    invitation: dict[str, Any] | None = None


class InvitationState(StrEnum):
    """Where an accepted invitation stands, in the patient's words (never an agent record's own state)."""

    CONNECTED = "connected"  # a hospital's: the connection is made
    CONNECTING = "connecting"  # a hospital's: its DID Exchange has not completed yet (`reason` says so)
    ALREADY_CONNECTED = "already-connected"  # a hospital's, to which this wallet was connected: kept (`reason`)
    REQUEST_RECEIVED = "request-received"  # a verifier's: its proof request waits for the patient
    PRESENTED = "presented"  # a verifier's, answered under a consent grant
    DECLINED = "declined"  # a verifier's, declined by a consent grant (`reason` says why)
    REFUSED = "refused"  # a verifier's that a grant would answer, but no credential could


class InvitationAccepted(BaseModel):
    connection_id: str | None = None
    state: InvitationState = Field(
        description="A hospital's invitation: `connected`, `connecting` (with `reason`) while its exchange has "
        "not completed, or `already-connected` (with `reason`): this wallet was connected to that hospital before "
        "and keeps that connection; an invitation made for someone else connects nobody. A verifier's: "
        "`request-received` (its request waits for the patient), or as a consent "
        "grant judged it: `presented`, `declined` (with `reason`) or `refused` (nothing could answer)"
    )
    proof_request_id: str | None = Field(default=None, description="Set when the invitation carried a proof request")
    grant_id: str | None = Field(default=None, description="The consent grant that decided the request")
    reason: str | None = None


class Credential(BaseModel):
    credential_id: str
    type: str  # a `medcred.credentials.CredentialType`, or the schema's name for another schema
    issuer: str  # the DID of the credential definition's issuer
    attributes: dict[str, str]
    revoked: bool | None  # None: the ledger could not tell


class ProofRequestConsent(BaseModel):
    """How the patient's consents for the asking verifier see a waiting request."""

    grant_id: str | None = Field(description="The grant that governs it; None: no consent for this verifier")
    status: ConsentStatus | None = None
    covered: bool
    exceeds: list[str] = Field(description="Requested attributes outside the grant")


class ProofRequest(BaseModel):
    id: str
    verifier: str
    verifier_did: IndyDid | None = None
    name: str
    requested_at: str | None
    revealed: list[str]
    predicates: list[str]
    consent: ProofRequestConsent | None = None


class Consent(BaseModel):
    """A consent grant as the patient sees it; `status` is computed when it is read."""

    grant_id: str
    verifier_did: IndyDid
    credential_types: list[CredentialType]
    reveal: list[str]
    prove: list[str]
    purpose: str
    auto_answer: bool
    created_at: datetime
    expires_at: datetime
    withdrawn_at: datetime | None
    status: ConsentStatus
    patient_did: Did = Field(description="The did:key of the patient's wallet that signed the receipts")
    receipt: str = Field(description="The grant receipt: a compact JWS (EdDSA) by patient_did")
    withdrawal_receipt: str | None = None


class ConsentReceipts(BaseModel):
    grant: str
    withdrawal: str | None


class ProofAnswer(BaseModel):
    id: str
    state: str


# -- the patient's records at the hospital, and their shares (SMART Health Links) -----------------------

_FROM_HOSPITAL = ConfigDict(extra="ignore")  # the hospital's answers, as the wallet passes them on


class RecordView(BaseModel):
    """One of the patient's records in the hospital's encrypted store (metadata only)."""

    model_config = _FROM_HOSPITAL

    record_id: str
    patient_ref: str
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    erased_at: datetime | None = None


class ShareOptions(BaseModel):
    """How a SMART Health Link is shared: until it expires (30 days unless told), optionally guarded by a
    passcode (flag P) and good for one opening only (`single_use`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"label": "Vaccination record", "expires_in_days": 7, "passcode": "1234", "single_use": True},
    ]})  # fmt: skip

    label: str | None = Field(default=None, max_length=80, description="what the link shares, shown to the recipient")
    expires_in_days: int | None = Field(default=None, ge=1)
    expires_at: AwareDatetime | None = Field(default=None, description="instead of expires_in_days")
    passcode: str | None = Field(default=None, min_length=1, max_length=200)
    single_use: bool = False
    recipient_hint: str | None = Field(default=None, max_length=200, description="who it is for (the patient's note)")

    @model_validator(mode="after")
    def _one_expiry(self) -> Self:
        if self.expires_in_days is not None and self.expires_at is not None:
            raise ValueError("give at most one of expires_in_days or expires_at")
        return self


class ShareIn(ShareOptions):
    """A share of chosen records: a SMART Health Link the hospital serves (see `ShareOptions`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"record_ids": ["3f2c9a1e-5b7d-4c8e-9f01-2a3b4c5d6e7f"], "label": "Vaccination record", "expires_in_days": 7,
         "passcode": "1234", "single_use": True},
    ]})  # fmt: skip

    record_ids: list[str] = Field(min_length=1, max_length=100)


class ShareView(BaseModel):
    """A share as the hospital reports it; `shlink` is the link itself (the key to the files inside)."""

    model_config = _FROM_HOSPITAL

    share_id: str
    shlink: str
    label: str | None = None
    expires_at: datetime | None = None
    flags: str | list[str] | None = None
    record_ids: list[str] = Field(default_factory=list)
    status: str
    passcode_attempts_left: int | None = None
    manifest_fetches: int = 0


class ShareCreated(ShareView):
    qr_svg: str = Field(description="the link as a QR code (SVG), for the recipient to scan")


class RecordErased(BaseModel):
    model_config = _FROM_HOSPITAL

    record_id: str
    erased_at: datetime


class HealthCardDose(BaseModel):
    """One immunization on a card, as the card says it (the vaccine's code with its system)."""

    system: str | None
    code: str | None
    date: str | None
    lot: str | None
    performer: str | None


class HealthCard(BaseModel):
    """A SMART Health Card the hospital issued to the patient, with what it says (read, not verified: a
    verifier checks it against the hospital's key set). `record_id`: the card as a record at the hospital."""

    card_id: str
    record_id: str
    credential_ids: list[str] = Field(description="the AnonCreds vaccination credentials it carries")
    issued_at: datetime
    revoked: bool
    iss: str | None = Field(default=None, description="its issuer's URL")
    patient_name: str | None = None
    birth_date: str | None = None
    immunizations: list[HealthCardDose] = Field(default_factory=list)
    characters: int = Field(description="the card's length; one QR code holds up to 1195")

"""The hospital API's request and response models. Responses carry ids and states, never health data."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from issuer.registry import CredentialRecord, CredentialState, PatientRecord
from medcred.credentials import CredentialType
from medcred.identifiers import IndyDid

__all__ = [
    "PATIENT_REF",
    "CredentialRequest",
    "CredentialView",
    "FhirCredentialRequest",
    "HealthIdCredentialRequest",
    "InvitationView",
    "IssueAccepted",
    "IssuerView",
    "PatientView",
]

PATIENT_REF = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# What `/docs` shows to send: a FHIR R4 Patient, and each kind of credential request.
PATIENT_EXAMPLE: dict[str, Any] = {
    "resourceType": "Patient", "id": "p-1", "name": [{"use": "official", "family": "Rivera", "given": ["Alex"]}],
    "birthDate": "1990-04-12", "identifier": [{"system": "https://medcred.example/health-id", "value": "HID-1"}],
}  # fmt: skip
VACCINATION_EXAMPLE: dict[str, Any] = {"type": "vaccination", "fhir": {
    "resourceType": "Immunization", "status": "completed", "patient": {"reference": "Patient/p-1"},
    "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "207",
                                "display": "COVID-19, mRNA, LNP-S, PF, 100 mcg/0.5mL dose"}]},
    "occurrenceDateTime": "2026-01-15", "lotNumber": "EW0182", "protocolApplied": [{"doseNumberPositiveInt": 2}],
}}  # fmt: skip
ALLERGY_EXAMPLE: dict[str, Any] = {"type": "allergy", "fhir": {
    "resourceType": "AllergyIntolerance", "patient": {"reference": "Patient/p-1"}, "criticality": "high",
    "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                                   "code": "active"}]},
    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "91936005", "display": "Penicillin allergy"}]},
    "category": ["medication"], "recordedDate": "2025-11-02",
}}  # fmt: skip
HEALTH_ID_EXAMPLE: dict[str, Any] = {"type": "health_id", "expiry": "2030-12-31"}


class PatientView(BaseModel):
    patient_ref: str
    connected: bool = Field(description="whether the patient's wallet has accepted an invitation")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: PatientRecord) -> PatientView:
        return cls(patient_ref=record.patient_ref, connected=record.connection_id is not None,
                   created_at=record.created_at, updated_at=record.updated_at)  # fmt: skip


class InvitationView(BaseModel):
    invitation_url: str
    qr_svg: str = Field(description="the invitation URL as a QR code (SVG)")
    invitation_id: str = Field(description="the invitation message's id")


class FhirCredentialRequest(BaseModel):
    """A vaccination (FHIR Immunization) or an allergy (FHIR AllergyIntolerance)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [VACCINATION_EXAMPLE, ALLERGY_EXAMPLE]})

    type: Literal["vaccination", "allergy"]
    fhir: dict[str, Any] = Field(description="the FHIR R4 resource")
    health_card: bool = Field(default=False, description="a vaccination: also issue it as a SMART Health Card")

    @model_validator(mode="after")
    def _card_of_a_vaccination(self) -> Self:
        if self.health_card and self.type != "vaccination":
            raise ValueError("health_card: only a vaccination is issued as a SMART Health Card")
        return self


class HealthIdCredentialRequest(BaseModel):
    """A health ID credential from the stored patient, valid until `expiry`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [HEALTH_ID_EXAMPLE]})

    type: Literal["health_id"]
    expiry: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD, after today")


CredentialRequest = Annotated[FhirCredentialRequest | HealthIdCredentialRequest, Field(discriminator="type")]


class IssueAccepted(BaseModel):
    credential_id: str
    state: CredentialState
    health_card_id: str | None = Field(default=None, description="the SMART Health Card issued with it, if asked")


class CredentialView(BaseModel):
    credential_id: str
    patient_ref: str
    type: CredentialType
    state: CredentialState
    revoked: bool
    issued_at: datetime | None
    revoked_at: datetime | None
    reason: str | None = Field(default=None, description="why the exchange was abandoned, if it was")

    @classmethod
    def of(cls, record: CredentialRecord) -> CredentialView:
        return cls(
            credential_id=record.credential_id, patient_ref=record.patient_ref, type=record.type,
            state=record.state, revoked=record.revoked, issued_at=record.issued_at,
            revoked_at=record.revoked_at, reason=record.reason,
        )  # fmt: skip


class IssuerView(BaseModel):
    did: IndyDid = Field(description="the hospital's public DID (verifiers restrict proofs to it)")
    credential_definitions: dict[CredentialType, str]


class HospitalView(BaseModel):
    """Who the hospital is to the patients' wallet service: the public DID its invitations name."""

    did: IndyDid
    label: str

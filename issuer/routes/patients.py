"""Patients: their FHIR record, their wallet's invitation, the credentials issued to them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Response, status

from issuer.deps import HealthCardsDep, IssuanceDep, PatientRef, PatientsDep, staff_only
from issuer.issuance import MAX_CONNECTION_WAIT
from issuer.models import (
    ALLERGY_EXAMPLE,
    HEALTH_ID_EXAMPLE,
    PATIENT_EXAMPLE,
    VACCINATION_EXAMPLE,
    CredentialRequest,
    FhirCredentialRequest,
    InvitationView,
    IssueAccepted,
    PatientView,
)
from medcred.api_docs import errors

router = APIRouter(prefix="/patients", tags=["patients"], dependencies=[Depends(staff_only)])


@router.put("/{patient_ref}", responses={201: {"description": "created"}, 200: {"description": "updated"},
                                        **errors(400)})
async def put_patient(
    patient_ref: PatientRef,
    resource: Annotated[dict[str, Any], Body(openapi_examples={"patient": {"value": PATIENT_EXAMPLE}})],
    patients: PatientsDep,
    response: Response,
) -> PatientView:
    """Store the patient from a FHIR R4 Patient (name, birthDate and an identifier are required)."""
    record, created = patients.upsert(patient_ref, resource)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return PatientView.of(record)


@router.get("/{patient_ref}", responses=errors(400, 404))
async def read_patient(patient_ref: PatientRef, patients: PatientsDep) -> PatientView:
    """Whether the patient's wallet is connected (`connected`), and when the record was made and last changed."""
    return PatientView.of(patients.require(patient_ref))


@router.post("/{patient_ref}/invitation", status_code=status.HTTP_201_CREATED, responses=errors(400, 404, 502))
async def create_invitation(patient_ref: PatientRef, patients: PatientsDep) -> InvitationView:
    """An out-of-band invitation (URL and QR code) for the patient's wallet to connect."""
    return await patients.invite(patient_ref)


@router.post("/{patient_ref}/credentials", status_code=status.HTTP_202_ACCEPTED,
             responses=errors(400, 404, 409, 422, 502, e409="the patient's wallet has not connected, or an issuance "
                              "with this Idempotency-Key is being offered right now",
                              e422="this Idempotency-Key was sent before with another request"))
async def issue_credential(
    patient_ref: PatientRef,
    request: Annotated[CredentialRequest, Body(openapi_examples={
        "vaccination": {"value": VACCINATION_EXAMPLE}, "allergy": {"value": ALLERGY_EXAMPLE},
        "health_id": {"value": HEALTH_ID_EXAMPLE},
    })],
    issuance: IssuanceDep,
    cards: HealthCardsDep,
    wait_connection: Annotated[
        float, Query(ge=0, le=MAX_CONNECTION_WAIT, description="seconds to wait for a wallet that is still connecting")
    ] = 0,
    idempotency_key: Annotated[str | None, Header(
        min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$",
        description="any string of yours (a UUID): the request sent again with it gets the credential the first made",
    )] = None,
) -> IssueAccepted:
    """Offer a vaccination (FHIR Immunization), allergy (AllergyIntolerance) or health ID credential.

    409 if the patient's wallet has not connected (within `wait_connection` seconds, if given). With
    `health_card` (a vaccination), its SMART Health Card is issued too, revoked with it. With an
    `Idempotency-Key`, a retry (its answer was lost, or it was a 503) is safe: it gets the same credential.
    """
    record = await issuance.issue(patient_ref, request, wait_connection, idempotency_key)
    card = None
    if isinstance(request, FhirCredentialRequest) and request.health_card:
        card = await cards.issue_for(record, request.fhir)
    return IssueAccepted(credential_id=record.credential_id, state=record.state,
                         health_card_id=card.card_id if card else None)  # fmt: skip

"""`/verifications`: ask a patient for a proof with a template, and read the result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from medcred.api_docs import errors
from verifier.deps import FhirDep, ServiceDep, require_staff
from verifier.fhir_out import FHIR_BUNDLE, fhir_response
from verifier.models import CreateVerification, VerificationCreated, VerificationView

__all__ = ["router"]

MAX_WAIT = 30

router = APIRouter(prefix="/verifications", tags=["verifications"], dependencies=[Depends(require_staff)])


@router.post("", status_code=201, responses=errors(404, 502, e404="no such template"))
async def create_verification(body: CreateVerification, service: ServiceDep) -> VerificationCreated:
    """Create a proof request from a template; show `invitation_url` (as a QR code) to the patient."""
    return await service.create(body.template)


@router.get("/{verification_id}", responses=errors(404))
async def read_verification(
    verification_id: Annotated[str, Path(max_length=64)],
    service: ServiceDep,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT, description="seconds to wait while it is pending")] = 0,
) -> VerificationView:
    """The verification's state and, once verified, the revealed values the template asked for."""
    return (await service.get(verification_id, wait)).view()


@router.get("/{verification_id}/fhir", response_class=Response,
            responses=FHIR_BUNDLE | errors(404, 409, e409="not verified (pending, declined, failed or timed out)"))
async def verification_fhir(verification_id: Annotated[str, Path(max_length=64)], fhir: FhirDep) -> Response:
    """The verified proof as FHIR R4 (application/fhir+json): a Bundle with the Immunization,
    AllergyIntolerance or Patient identifier of what was revealed, and a Provenance naming the issuer, the
    method (AnonCreds proof, with the predicates proven) and when it was checked."""
    return fhir_response(await fhir.of_proof(verification_id))

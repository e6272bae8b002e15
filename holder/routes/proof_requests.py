"""`/me/proof-requests`: the patient's waiting proof requests, and their answers (`Authorization: Bearer`)."""

from __future__ import annotations

from fastapi import APIRouter

from holder.deps import CurrentPatient, ProofRequests
from holder.models import ProofAnswer, ProofRequest
from medcred.api_docs import errors

router = APIRouter(prefix="/me/proof-requests", tags=["me"])


@router.get("", responses=errors(502))
async def list_proof_requests(patient: CurrentPatient, requests: ProofRequests) -> list[ProofRequest]:
    """Proof requests waiting for the patient's answer, each with how the patient's consents see it."""
    return await requests.pending(patient)


@router.post("/{request_id}/present", responses=errors(404, 409, 502))
async def present(request_id: str, patient: CurrentPatient, requests: ProofRequests) -> ProofAnswer:
    """Answer with credentials the wallet chooses: never a revoked one, never beyond a live consent grant
    for this verifier (an attribute outside it is not revealed; a group outside it is a 409); 409 with
    the reason if it cannot."""
    return await requests.present(patient, request_id)


@router.post("/{request_id}/decline", responses=errors(404, 409, 502))
async def decline(request_id: str, patient: CurrentPatient, requests: ProofRequests) -> ProofAnswer:
    return await requests.decline(patient, request_id)

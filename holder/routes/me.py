"""The patient's own wallet (`Authorization: Bearer <token>`): invitations, credentials, proof requests."""

from __future__ import annotations

from fastapi import APIRouter, status

from holder import proofs, wallet
from holder.deps import Consents, Context, CurrentPatient
from holder.models import Credential, InvitationAccepted, InvitationIn, ProofAnswer, ProofRequest
from medcred.api_docs import errors

router = APIRouter(prefix="/me", tags=["me"])


@router.post("/invitations", status_code=status.HTTP_201_CREATED, response_model_exclude_none=True,
             responses=errors(400, 409, 502, 504, e504="the verifier's proof request did not arrive"))
async def accept_invitation(
    body: InvitationIn, patient: CurrentPatient, context: Context, consents: Consents
) -> InvitationAccepted:
    """Accept an out-of-band invitation: a hospital's (a connection) or a verifier's (a proof request)."""
    return await wallet.accept_invitation(context, consents, patient, body)


@router.get("/credentials", responses=errors(502))
async def list_credentials(patient: CurrentPatient, context: Context) -> list[Credential]:
    return await wallet.list_credentials(context, patient)


@router.get("/proof-requests", responses=errors(502))
async def list_proof_requests(patient: CurrentPatient, consents: Consents) -> list[ProofRequest]:
    """Proof requests waiting for the patient's answer, each with how the patient's consents see it."""
    return await consents.pending(patient)


@router.post("/proof-requests/{request_id}/present", responses=errors(404, 409, 502))
async def present(request_id: str, patient: CurrentPatient, consents: Consents) -> ProofAnswer:
    """Answer with credentials the wallet chooses: never a revoked one, never beyond a live consent grant
    for this verifier (an attribute outside it is not revealed; a group outside it is a 409); 409 with
    the reason if it cannot."""
    return await consents.present(patient, request_id)


@router.post("/proof-requests/{request_id}/decline", responses=errors(404, 409, 502))
async def decline(request_id: str, patient: CurrentPatient, context: Context) -> ProofAnswer:
    return await proofs.decline(context, patient, request_id)

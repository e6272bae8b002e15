"""`POST /me/invitations`: the patient's wallet accepts an invitation (`Authorization: Bearer <token>`)."""

from __future__ import annotations

from fastapi import APIRouter, status

from holder.deps import CurrentPatient, Wallet
from holder.models import InvitationAccepted, InvitationIn
from medcred.api_docs import errors

router = APIRouter(prefix="/me", tags=["me"])


@router.post("/invitations", status_code=status.HTTP_201_CREATED, response_model_exclude_none=True,
             responses=errors(400, 409, 502, 504, e504="the verifier's proof request did not arrive"))
async def accept_invitation(body: InvitationIn, patient: CurrentPatient, wallet: Wallet) -> InvitationAccepted:
    """Accept an out-of-band invitation: a hospital's (a connection) or a verifier's (a proof request)."""
    return await wallet.accept_invitation(patient, body)

"""`GET /me/credentials`: the credentials in the patient's wallet (`Authorization: Bearer <token>`)."""

from __future__ import annotations

from fastapi import APIRouter

from holder.deps import CurrentPatient, Wallet
from holder.models import Credential
from medcred.api_docs import errors

router = APIRouter(prefix="/me", tags=["me"])


@router.get("/credentials", responses=errors(502))
async def list_credentials(patient: CurrentPatient, wallet: Wallet) -> list[Credential]:
    return await wallet.list_credentials(patient)

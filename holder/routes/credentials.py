"""`GET /me/credentials`: the credentials in the patient's wallet (`Authorization: Bearer <token>`)."""

from __future__ import annotations

from fastapi import APIRouter

from holder import wallet
from holder.deps import Context, CurrentPatient
from holder.models import Credential
from medcred.api_docs import errors

router = APIRouter(prefix="/me", tags=["me"])


@router.get("/credentials", responses=errors(502))
async def list_credentials(patient: CurrentPatient, context: Context) -> list[Credential]:
    return await wallet.list_credentials(context, patient)

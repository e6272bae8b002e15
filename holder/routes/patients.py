"""Staff: opening patient accounts (`X-API-Key`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status

from holder.deps import Accounts, require_staff
from holder.models import PatientCreated
from medcred.api_docs import errors

router = APIRouter(prefix="/patients", tags=["patients"], dependencies=[Depends(require_staff)])


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors(502))
async def create_patient(accounts: Accounts) -> PatientCreated:
    """Open a patient's wallet (an ACA-Py sub-wallet); the answer holds their token, shown only once."""
    return await accounts.open_account()

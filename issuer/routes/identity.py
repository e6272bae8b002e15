"""GET /issuer: who the hospital is on the ledger (the network passes its DID to the verifier)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from issuer.deps import IdentityDep, staff_only
from issuer.models import IssuerView

router = APIRouter(prefix="/issuer", tags=["issuer"], dependencies=[Depends(staff_only)])


@router.get("")
async def get_issuer(identity: IdentityDep) -> IssuerView:
    """The hospital's public DID and its credential definition per credential type."""
    return IssuerView(did=identity.did, credential_definitions=identity.credential_definitions)

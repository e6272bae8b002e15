"""`GET /verifier`: the verifier's public DID, which its invitations name and patients consent to."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from medcred.api_docs import errors
from medcred.errors import NotFoundError
from medcred.identifiers import IndyDid
from verifier.deps import ServiceDep, require_staff

__all__ = ["router"]

router = APIRouter(tags=["identity"], dependencies=[Depends(require_staff)])


class VerifierIdentity(BaseModel):
    did: IndyDid


@router.get("/verifier", responses=errors(404, e404="no public DID yet"))
async def identity(service: ServiceDep) -> VerifierIdentity:
    if service.public_did is None:
        raise NotFoundError("the verifier has no public DID yet")
    return VerifierIdentity(did=IndyDid(service.public_did))

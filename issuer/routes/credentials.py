"""Credentials the hospital has issued: their state, waiting for it, revoking them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from issuer.deps import IssuanceDep, RevocationDep, staff_only
from issuer.models import CredentialView
from medcred.api_docs import errors

router = APIRouter(prefix="/credentials", tags=["credentials"], dependencies=[Depends(staff_only)])

MAX_WAIT = 30.0


@router.get("", responses=errors(400, 404, e404="no such patient"))
async def list_credentials(
    issuance: IssuanceDep, patient_ref: Annotated[str | None, Query()] = None
) -> list[CredentialView]:
    """Every credential issued, or those of one patient."""
    return [CredentialView.of(record) for record in issuance.credentials(patient_ref)]


@router.get("/{credential_id}", responses=errors(404, 502))
async def get_credential(
    credential_id: str,
    issuance: IssuanceDep,
    wait: Annotated[float | None, Query(ge=0, le=MAX_WAIT, description="seconds to wait for issuance")] = None,
) -> CredentialView:
    """A credential's state; with `wait`, answered once it is issued (or abandoned), or when `wait` runs out."""
    return CredentialView.of(await issuance.view(credential_id, wait))


@router.post("/{credential_id}/revoke", responses=errors(404, 409, 502, e409="not issued yet"))
async def revoke_credential(credential_id: str, revocation: RevocationDep) -> CredentialView:
    """Revoke the credential and publish the revocation on the ledger (idempotent)."""
    return CredentialView.of(await revocation.revoke(credential_id))

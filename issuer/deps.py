"""FastAPI dependencies of the issuer's routes: the service, the staff key check, a valid patient_ref."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from issuer.patients import check_patient_ref
from issuer.service import IssuerService
from medcred.web import require_api_key

__all__ = ["IssuerDep", "PatientRef", "staff_only"]


def get_issuer(request: Request) -> IssuerService:
    return cast(IssuerService, request.app.state.issuer)


async def staff_only(request: Request) -> None:
    """Admit only the hospital's staff: `X-API-Key` must be the issuer's API key (constant time)."""
    key = get_issuer(request).staff_key
    await require_api_key(lambda: key)(request)


def valid_patient_ref(patient_ref: str) -> str:
    """The path's patient_ref, or 400."""
    return check_patient_ref(patient_ref)


IssuerDep = Annotated[IssuerService, Depends(get_issuer)]
PatientRef = Annotated[str, Depends(valid_patient_ref)]

"""FastAPI dependencies of the holder's routes: the service context, the consent service, staff and patient
authentication."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from holder.accounts import authenticate
from holder.consent_service import ConsentService
from holder.context import HolderContext
from holder.models import Patient
from medcred.web import StaffKeyHeader, check_api_key

__all__ = ["Consents", "Context", "CurrentPatient", "current_patient", "require_staff"]


async def holder_context(request: Request) -> HolderContext:
    context: HolderContext = request.app.state.holder
    return context


Context = Annotated[HolderContext, Depends(holder_context)]


async def consent_service(request: Request) -> ConsentService:
    service: ConsentService = request.app.state.consents
    return service


Consents = Annotated[ConsentService, Depends(consent_service)]

_bearer = HTTPBearer(scheme_name="PatientToken", description="The patient's token (POST /patients)", auto_error=False)


async def require_staff(context: Context, given: StaffKeyHeader) -> None:
    """Staff only: `X-API-Key` must be the controller's API key (compared in constant time)."""
    check_api_key(given, context.staff_key.get_secret_value())


async def current_patient(
    context: Context, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Patient:
    """The patient whose bearer token the request carries; 401 if missing, malformed or unknown."""
    return authenticate(context, credentials.credentials if credentials is not None else None)


CurrentPatient = Annotated[Patient, Depends(current_patient)]

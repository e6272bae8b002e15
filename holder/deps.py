"""FastAPI dependencies of the holder's routes: the service context, the consent and proof request services,
the staff check (the controllers' one) and the patient check (bearer token -> patient)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from agents.controller import require_staff
from holder.accounts import authenticate
from holder.consent_service import ConsentService
from holder.context import HolderContext
from holder.models import Patient
from holder.proof_requests import ProofRequestService
from medcred.web import BearerToken

__all__ = ["Consents", "Context", "CurrentPatient", "ProofRequests", "current_patient", "require_staff"]


async def holder_context(request: Request) -> HolderContext:
    context: HolderContext = request.app.state.holder
    return context


Context = Annotated[HolderContext, Depends(holder_context)]


async def consent_service(request: Request) -> ConsentService:
    service: ConsentService = request.app.state.consents
    return service


Consents = Annotated[ConsentService, Depends(consent_service)]


async def proof_request_service(request: Request) -> ProofRequestService:
    service: ProofRequestService = request.app.state.proof_requests
    return service


ProofRequests = Annotated[ProofRequestService, Depends(proof_request_service)]


async def current_patient(context: Context, token: BearerToken) -> Patient:
    """The patient whose bearer token the request carries; 401 if missing, malformed or unknown."""
    return authenticate(context, token)


CurrentPatient = Annotated[Patient, Depends(current_patient)]

"""FastAPI dependencies of the holder's routes: the one service each route calls, the staff check (the
controllers' one) and the patient check (bearer token -> patient).

    Accounts Wallet Records HealthCards Disclosures Consents ProofRequests
        each flow's service, as `create_app` built it;  Portal: the hospital's patient portal
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from agents.controller import require_staff, state_dependency
from holder.accounts import AccountService
from holder.consent_service import ConsentService
from holder.disclosures import DisclosureService
from holder.health_cards import HealthCardService
from holder.models import Patient
from holder.portal import HospitalPortal
from holder.proof_requests import ProofRequestService
from holder.records import RecordsService
from holder.wallet import WalletService
from medcred.web import BearerToken

__all__ = [
    "Accounts",
    "Consents",
    "CurrentPatient",
    "Disclosures",
    "HealthCards",
    "Portal",
    "ProofRequests",
    "Records",
    "Wallet",
    "current_patient",
    "require_staff",
    "wallet_sign_in",
]


Accounts = Annotated[AccountService, Depends(state_dependency("accounts"))]


Wallet = Annotated[WalletService, Depends(state_dependency("wallet"))]


Records = Annotated[RecordsService, Depends(state_dependency("records"))]


HealthCards = Annotated[HealthCardService, Depends(state_dependency("health_cards"))]
# The hospital's patient portal, for what only it can say (its name).
Portal = Annotated[HospitalPortal, Depends(state_dependency("holder.portal"))]


Disclosures = Annotated[DisclosureService, Depends(state_dependency("disclosures"))]


Consents = Annotated[ConsentService, Depends(state_dependency("consents"))]


ProofRequests = Annotated[ProofRequestService, Depends(state_dependency("proof_requests"))]


async def current_patient(accounts: Accounts, token: BearerToken) -> Patient:
    """The patient whose bearer token the request carries; 401 if missing, malformed or unknown."""
    return accounts.authenticate(token)


CurrentPatient = Annotated[Patient, Depends(current_patient)]


def wallet_sign_in(accounts: AccountService) -> Callable[[str], Awaitable[str]]:
    """The wallet's web sign-in (`holder.pages`): the patient's token -> their patient id, the session's subject."""

    async def sign_in(token: str) -> str:
        return accounts.authenticate(token).patient_id

    return sign_in

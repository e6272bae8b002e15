"""FastAPI dependencies of the holder's routes: the one service each route calls, the staff check (the
controllers' one) and the patient check (bearer token -> patient).

    Accounts Wallet Records Disclosures Consents ProofRequests    each flow's service, as `create_app` built it
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from agents.controller import require_staff
from holder.accounts import AccountService
from holder.consent_service import ConsentService
from holder.disclosures import DisclosureService
from holder.models import Patient
from holder.proof_requests import ProofRequestService
from holder.records import RecordsService
from holder.wallet import WalletService
from medcred.web import BearerToken

__all__ = [
    "Accounts",
    "Consents",
    "CurrentPatient",
    "Disclosures",
    "ProofRequests",
    "Records",
    "Wallet",
    "current_patient",
    "require_staff",
]


async def account_service(request: Request) -> AccountService:
    service: AccountService = request.app.state.accounts
    return service


Accounts = Annotated[AccountService, Depends(account_service)]


async def wallet_service(request: Request) -> WalletService:
    service: WalletService = request.app.state.wallet
    return service


Wallet = Annotated[WalletService, Depends(wallet_service)]


async def records_service(request: Request) -> RecordsService:
    service: RecordsService = request.app.state.records
    return service


Records = Annotated[RecordsService, Depends(records_service)]


async def disclosure_service(request: Request) -> DisclosureService:
    service: DisclosureService = request.app.state.disclosures
    return service


Disclosures = Annotated[DisclosureService, Depends(disclosure_service)]


async def consent_service(request: Request) -> ConsentService:
    service: ConsentService = request.app.state.consents
    return service


Consents = Annotated[ConsentService, Depends(consent_service)]


async def proof_request_service(request: Request) -> ProofRequestService:
    service: ProofRequestService = request.app.state.proof_requests
    return service


ProofRequests = Annotated[ProofRequestService, Depends(proof_request_service)]


async def current_patient(accounts: Accounts, token: BearerToken) -> Patient:
    """The patient whose bearer token the request carries; 401 if missing, malformed or unknown."""
    return accounts.authenticate(token)


CurrentPatient = Annotated[Patient, Depends(current_patient)]

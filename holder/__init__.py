"""The holder controller: each patient's wallet is an ACA-Py sub-wallet on one multitenant agent.

app.py          create_app: the FastAPI app and its lifespan
settings.py     HolderSettings (`MEDCRED_HOLDER_*`)
agent.py        agent_config: how the holder's ACA-Py agent starts
deps.py         the routes' dependencies: the services, the staff check, the patient (bearer token)
routes/         one module per resource: patients (staff), invitations, credentials, proof_requests,
                consents, disclosures, records (the patient's own, under /me)
models.py       the API's models
context.py      HolderContext: the store and portal the lifespan opens and closes;
                Tenants: the patients' sub-wallet clients
accounts.py     AccountService: patient accounts and their bearer tokens
wallet.py       WalletService: accepting invitations; listing credentials
records.py      RecordsService: the patient's records and shares at the hospital, through its portal
disclosures.py  DisclosureService: the accounting of disclosures (the wallet's and the hospital's)
proof_requests.py  ProofRequestService: pending, present, decline, and answers under consent
proofs.py       Proofs: the proof exchange's steps (holder.choice picks the credentials)
consent.py      consent grants (domain): validation, status, judging a request, the limits of an answer
consent_service.py  ConsentService: granting and withdrawing consent; what it says of a request
receipts.py     consent receipts: JWS by the patient's did:key; verify_receipt() needs no agent
"""

from __future__ import annotations

from holder.agent import agent_config
from holder.app import create_app
from holder.settings import HolderSettings

__all__ = ["HolderSettings", "agent_config", "create_app"]

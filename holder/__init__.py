"""The holder controller: each patient's wallet is an ACA-Py sub-wallet on one multitenant agent.

app.py          create_app: the FastAPI app (routes/patients.py for staff, routes/me.py for patients)
agent.py        agent_config: how the holder's ACA-Py agent starts
accounts.py     patient accounts and their bearer tokens
wallet.py       accepting invitations; listing credentials
proofs.py       proof requests: list, present (holder.choice picks the credentials), decline
consent.py      consent grants (domain): validation, status, judging a request, the limits of an answer
consent_service.py  granting and withdrawing consent, judging requests by it (ConsentService)
receipts.py     consent receipts: JWS by the patient's did:key; verify_receipt() needs no agent
"""

from __future__ import annotations

from holder.agent import agent_config
from holder.app import create_app
from holder.settings import HolderSettings

__all__ = ["HolderSettings", "agent_config", "create_app"]

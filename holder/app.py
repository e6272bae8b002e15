"""The holder controller: patients' wallets on one multitenant ACA-Py agent (port 8002).

    app = create_app(HolderSettings())

Its lifespan waits for the agent, opens the store (`<data folder>/holder.db`), serves, and closes it.
`admin_transport` replaces the HTTP transport to the agent's admin API (unit tests pass an
`httpx.MockTransport`), `portal_transport` the one to the hospital's patient portal (opened in the
lifespan too). `on_consent_event(name, patient_id, details)` hears consent events (an audit trail);
`clock` replaces the consents' clock (tests).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI

from agents.audit import ServiceAudit
from agents.controller import AgentLink, create_controller_app
from holder.accounts import AccountService
from holder.consent_service import ConsentHook, ConsentService, utc_now
from holder.context import HolderAdminClient, HolderContext, Tenants
from holder.disclosures import DisclosureService
from holder.health_cards import HealthCardService
from holder.pages import wallet_site
from holder.portal import HospitalPortal
from holder.proof_requests import ProofRequestService
from holder.proofs import TOPIC as PROOF_TOPIC
from holder.proofs import Proofs
from holder.records import RecordsService
from holder.routes import (
    consents,
    credentials,
    disclosures,
    health_cards,
    invitations,
    patients,
    proof_requests,
    records,
)
from holder.settings import HolderSettings
from holder.wallet import CONNECTION_TOPIC, CREDENTIAL_TOPIC, WalletService
from medcred.settings import owner_only_files
from medcred.store import DocumentStore

__all__ = ["create_app"]

# Staff's (patients), then the patient's own (`/me`), one module per resource.
ROUTERS = (patients.router, invitations.router, credentials.router, proof_requests.router, consents.router,
           disclosures.router, records.router, health_cards.router)  # fmt: skip


def create_app(
    settings: HolderSettings | None = None,
    *,
    admin_transport: httpx.AsyncBaseTransport | None = None,
    portal_transport: httpx.AsyncBaseTransport | None = None,
    on_consent_event: ConsentHook | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    owner_only_files()  # its data folder, stores, logs and secrets: the owner's alone (also under uvicorn)
    settings = settings or HolderSettings()
    link = AgentLink.for_role(settings, transport=admin_transport, admin_class=HolderAdminClient)
    audit = ServiceAudit(settings)
    portal = HospitalPortal(settings.hospital_url, settings.hospital_portal_key,
                            timeout=settings.hospital_timeout, transport=portal_transport)  # fmt: skip
    context = HolderContext(settings=settings, portal=portal)

    def consent_event(name: str, patient_id: str, details: dict[str, Any]) -> None:
        audit.record(name, subject=patient_id, **details)
        if on_consent_event is not None:
            on_consent_event(name, patient_id, details)

    # Each flow's service with the pieces it uses; the store opens in the lifespan (`context.open`).
    tenants = Tenants(link.admin)

    def store() -> DocumentStore:
        return context.store

    accounts = AccountService(link.admin, store, settings.label)
    consent_service = ConsentService(tenants, store, on_event=consent_event, clock=clock)
    proofs = Proofs(tenants, link.events, store, settings, audit, ledger=lambda: audit.ledger)
    requests = ProofRequestService(proofs, consent_service, accounts, tenants, audit)
    wallet = WalletService(tenants, link.events, settings, requests, ledger=lambda: audit.ledger)
    records = RecordsService(portal, tenants, audit)
    disclosures = DisclosureService(audit, portal, records)
    cards = HealthCardService(portal, records)
    link.webhooks.on(PROOF_TOPIC, requests.on_proof_event)
    link.webhooks.awaited(CONNECTION_TOPIC)  # a hospital's or a clinic's connection completing
    link.webhooks.awaited(CREDENTIAL_TOPIC)  # a credential stored: the patient's open pages refresh

    app = create_controller_app(
        title="medcred holder",
        description="Patients' wallets: invitations, credentials, consents, proof requests answered with consent, "
        "the patient's records at the hospital, shared as SMART Health Links, and their SMART Health Cards.",
        link=link,
        staff_key=settings.secret("api_key"),
        routers=ROUTERS,
        on_startup=context.open,
        on_shutdown=context.aclose,
        audit=audit,
        pages=wallet_site(settings, accounts, link),
    )
    app.state.holder = context
    app.state.arrived = proofs.arrived
    app.state.consents = consent_service
    app.state.proof_requests = requests
    app.state.accounts = accounts
    app.state.wallet = wallet
    app.state.records = records
    app.state.disclosures = disclosures
    app.state.health_cards = cards
    return app

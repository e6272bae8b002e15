"""The hospital's controller app (port 8001): `create_app(settings)`.

Its lifespan (`agents.controller.create_controller_app`) opens the admin client, waits for the agent,
then runs the onboarding (public DID, schemas, credential definitions) before serving.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from agents.audit import ServiceAudit
from agents.controller import AgentLink, create_controller_app
from issuer.routes import credentials, identity, patients
from issuer.service import IssuerService
from issuer.settings import IssuerSettings
from medcred.store import DocumentStore

__all__ = ["create_app"]

DESCRIPTION = (
    "The hospital: registers patients from FHIR Patient resources, invites their wallets, issues "
    "vaccination, allergy and health ID credentials from FHIR resources, and revokes them. "
    "Every route takes the staff API key in X-API-Key."
)


def create_app(
    settings: IssuerSettings | None = None,
    *,
    admin_transport: httpx.AsyncBaseTransport | None = None,
    ledger_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The issuer controller; the transports replace the network to the agent and the ledger (tests)."""
    settings = settings or IssuerSettings()
    link = AgentLink.for_role(settings, transport=admin_transport)
    store = DocumentStore(settings.folder() / "issuer.db")
    audit = ServiceAudit(settings)
    issuer = IssuerService(settings, link, store, audit=audit, ledger_transport=ledger_transport)
    app = create_controller_app(
        title="medcred issuer",
        description=DESCRIPTION,
        link=link,
        routers=[identity.router, patients.router, credentials.router],
        on_startup=issuer.start,
        on_shutdown=issuer.stop,
        audit=audit,
    )
    app.state.issuer = issuer
    return app

"""The hospital's controller app (port 8001): `create_app(settings)`.

Its lifespan (`agents.controller.create_controller_app`) opens the admin client, waits for the agent,
then runs the onboarding (public DID, schemas, credential definitions) before serving. The encrypted
record store opens when the app is made: a missing, malformed or wrong key-encryption key
(`MEDCRED_ISSUER_RECORDS_KEK`) is a `ConfigurationError` there, before anything is served.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from agents.audit import ServiceAudit
from agents.controller import AgentLink, create_controller_app
from issuer.deps import upload_limit
from issuer.health_records.store import RecordStore
from issuer.pages import desk_site
from issuer.routes import credentials, health_cards, identity, patients, portal, records, shl, well_known
from issuer.service import IssuerService
from issuer.settings import IssuerSettings
from medcred.bounded_json import MAX_BODY_BYTES
from medcred.errors import ConfigurationError
from medcred.settings import owner_only_files
from medcred.store import open_store

__all__ = ["create_app"]

DESCRIPTION = (
    "The hospital: registers patients from FHIR Patient resources, invites their wallets, issues "
    "vaccination, allergy and health ID credentials from FHIR resources, and revokes them; keeps patients' "
    "records encrypted, which patients share as SMART Health Links. Staff routes take the staff API key in "
    "X-API-Key, /portal routes the patients' wallet service's portal key; /shl routes take the link itself."
)


def _open_record_store(settings: IssuerSettings, audit: ServiceAudit) -> RecordStore:
    try:
        return RecordStore.from_settings(settings, audit).open()
    except ConfigurationError:
        audit.log.close()
        raise


def create_app(
    settings: IssuerSettings | None = None,
    *,
    admin_transport: httpx.AsyncBaseTransport | None = None,
    ledger_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The issuer controller; the transports replace the network to the agent and the ledger (tests)."""
    owner_only_files()  # its data folder, stores, logs and secrets: the owner's alone (also under uvicorn)
    settings = settings or IssuerSettings()
    audit = ServiceAudit(settings)
    record_store = _open_record_store(settings, audit)
    link = AgentLink.for_role(settings, transport=admin_transport)
    store = open_store(settings, "issuer")
    issuer = IssuerService(settings, link, store, record_store, audit=audit, ledger_transport=ledger_transport)
    app = create_controller_app(
        title="medcred issuer",
        description=DESCRIPTION,
        link=link,
        staff_key=settings.secret("api_key"),
        routers=[identity.router, patients.router, records.router, credentials.router, health_cards.router,
                 portal.router, shl.router, well_known.router],
        on_startup=issuer.start,
        on_shutdown=issuer.stop,
        audit=audit,
        max_json_bytes=max(MAX_BODY_BYTES, upload_limit(settings)),
        pages=desk_site(settings, link),
    )
    app.state.issuer = issuer
    return app

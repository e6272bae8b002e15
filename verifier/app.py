"""The verifier controller (a clinic or an insurer): `create_app(settings)` -> the FastAPI app.

On start it opens its agent's admin API, waits for the agent, and resumes the timers of verifications
still pending in its store (those already expired end as timed out). On stop it lets webhook handlers
finish, cancels the timers and closes the store; pending verifications stay pending until the next start.
Shared records (SMART Health Links) are opened by `verifier.shares`, over one HTTP client opened in the
lifespan, and checked against the ledger through the audit trail's ledger client.
"""

from __future__ import annotations

import logging

import httpx
from fastapi import FastAPI

from agents.audit import ServiceAudit
from agents.controller import AgentLink, create_controller_app
from agents.public_did import StoredPendingDid, ensure_public_did
from medcred.settings import owner_only_files
from medcred.store import open_store
from verifier.fhir_out import FhirOut
from verifier.health_cards.checks import CardChecker
from verifier.health_cards.fetch import KeyFetcher
from verifier.health_cards.service import CardVerifications
from verifier.health_cards.trust import TrustList
from verifier.integrity import LedgerReader
from verifier.pages import desk_site
from verifier.records import VerificationRecords
from verifier.routes import health_cards, identity, shares, templates, verifications
from verifier.service import PROOF_TOPIC, VerificationService
from verifier.settings import VerifierSettings
from verifier.share_hosts import Resolver, ShareHosts, system_resolver
from verifier.shares import ShareReader
from verifier.shl_client import ShlClient

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(
    settings: VerifierSettings | None = None,
    *,
    admin_transport: httpx.AsyncBaseTransport | None = None,
    share_transport: httpx.AsyncBaseTransport | None = None,
    ledger: LedgerReader | None = None,
    share_resolver: Resolver = system_resolver,
) -> FastAPI:
    """The verifier app. Tests replace the network: `admin_transport` under the admin client,
    `share_transport` under the client of share hosts (`share_resolver` their names' DNS), and `ledger`
    the audit trail's ledger client."""
    owner_only_files()  # its data folder, stores, logs and secrets: the owner's alone (also under uvicorn)
    settings = settings or VerifierSettings()
    link = AgentLink.for_role(settings, transport=admin_transport)
    store = open_store(settings, "verifier")
    audit = ServiceAudit(settings)
    service = VerificationService(
        link.admin, link.events, VerificationRecords(store),
        labels=settings.party_labels(), issuer_did=settings.issuer_did, request_timeout=settings.request_timeout,
        audit=audit,
    )  # fmt: skip
    link.webhooks.on(PROOF_TOPIC, service.on_presentation)
    hosts = ShareHosts(allowed=settings.share_allowed_origins, own=settings.own_origins(), resolver=share_resolver)
    share_client = ShlClient(hosts, timeout=settings.share_timeout, transport=share_transport)
    reader = ShareReader(share_client, recipient=settings.label, audit=audit,
                         ledger=(lambda: ledger) if ledger is not None else (lambda: audit.ledger))  # fmt: skip
    fetcher = KeyFetcher(
        hosts, timeout=settings.health_card_fetch_timeout, max_bytes=settings.health_card_fetch_max_bytes,
        transport=share_transport,
    ) if settings.health_card_live_keys else None  # fmt: skip
    checker = CardChecker(TrustList.from_file(settings.health_card_trust_list), fetcher,
                          clock_skew=settings.health_card_clock_skew)  # fmt: skip
    cards = CardVerifications(checker, reader, store, audit)

    async def start() -> None:
        if settings.issuer_did is None:
            log.warning(
                "MEDCRED_VERIFIER_ISSUER_DID is not set: proof requests are restricted by schema name only, "
                "so a credential of any issuer using the medcred schema names would be accepted"
            )
        # Invitations name this DID, so a patient knows who asks and can consent to exactly that verifier.
        await service.start(await ensure_public_did(link.admin, settings, StoredPendingDid(store)))
        if (every := settings.deadline_sweep_every()) is not None:
            service.timers.sweep(every, service.adopt)
        await share_client.open()
        if hosts.allowed:
            log.info("shared links may also name %s", ", ".join(sorted(str(origin) for origin in hosts.allowed)))

    async def stop() -> None:
        await link.webhooks.drain()
        await service.close()
        await share_client.aclose()
        store.close()

    app = create_controller_app(
        title="medcred verifier",
        description="Clinic and insurer: proof requests from templates, and their results; "
        "records patients share as SMART Health Links, checked against the ledger.",
        link=link,
        staff_key=settings.secret("api_key"),
        routers=[verifications.router, templates.router, identity.router, shares.router, health_cards.router],
        on_startup=start,
        on_shutdown=stop,
        audit=audit,
        pages=desk_site(settings, link),
    )
    app.state.settings = settings
    app.state.verifications = service
    app.state.shares = reader
    app.state.health_cards = cards
    app.state.fhir_out = FhirOut(service, cards, verifier=settings.label)
    return app

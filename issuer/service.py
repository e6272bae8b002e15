"""The hospital's controller behind its routes: onboarding at start-up, then patients, issuance, revocation.

`IssuerService` wires the flows to the agent (`AgentLink`) and to the document store, and registers
the webhook handlers (an explicit topic -> handler table):

    connections                       PatientService.on_connection
    issue_credential_v2_0             IssuanceService.on_exchange
    issue_credential_v2_0_anoncreds   IssuanceService.on_revocation_ids
"""

from __future__ import annotations

import logging

import httpx

from agents.audit import NO_AUDIT, AuditRecorder
from agents.controller import AgentLink
from issuer.issuance import EXCHANGE_TOPIC, REVOCATION_IDS_TOPIC, IssuanceService
from issuer.onboarding import IssuerIdentity, Onboarding
from issuer.patients import PatientService
from issuer.records import IssuerRecords
from issuer.revocation import RevocationService
from issuer.settings import IssuerSettings
from medcred.errors import MedcredError
from medcred.store import DocumentStore

__all__ = ["IssuerService"]

log = logging.getLogger(__name__)


class IssuerService:
    def __init__(
        self,
        settings: IssuerSettings,
        link: AgentLink,
        store: DocumentStore,
        *,
        audit: AuditRecorder = NO_AUDIT,
        ledger_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.link = link
        self.records = IssuerRecords(store)
        self.staff_key = settings.secret("api_key").get_secret_value()
        self.onboarding = Onboarding(link.admin, self.records, settings, ledger_transport=ledger_transport)
        self.patients = PatientService(link.admin, self.records)
        self.issuance = IssuanceService(link.admin, link.events, self.records, self.patients, self.identity, audit)
        self.revocation = RevocationService(link.admin, self.records, self.issuance, audit)
        self._identity: IssuerIdentity | None = None
        link.webhooks.on("connections", self.patients.on_connection)
        link.webhooks.on(EXCHANGE_TOPIC, self.issuance.on_exchange)
        link.webhooks.on(REVOCATION_IDS_TOPIC, self.issuance.on_revocation_ids)

    def identity(self) -> IssuerIdentity:
        """The public DID and credential definitions (known once start-up has run)."""
        if self._identity is None:
            raise MedcredError("the issuer has not finished its onboarding")
        return self._identity

    async def start(self) -> None:
        """Onboarding: public DID, schemas, credential definitions with their revocation registries."""
        self._identity = await self.onboarding.run()
        log.info("issuer %s ready: %s", self._identity.did, dict(self._identity.credential_definitions))

    async def stop(self) -> None:
        """Let running webhook handlers finish (they write to the store), then close the store."""
        await self.link.webhooks.drain()
        self.records.store.close()

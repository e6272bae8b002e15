"""The hospital's controller behind its routes: onboarding at start-up, then patients, issuance, revocation,
and patients' records with the shares the patients make of them.

`IssuerService` wires the flows to the agent (`AgentLink`), the document store and the encrypted record
store, and registers the webhook handlers (an explicit topic -> handler table):

    connections                       PatientService.on_connection
    issue_credential_v2_0             IssuanceService.on_exchange
    issue_credential_v2_0_anoncreds   IssuanceService.on_revocation_ids
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx

from agents.audit import ServiceAudit
from agents.controller import AgentLink
from issuer.disclosures import share_disclosures
from issuer.issuance import EXCHANGE_TOPIC, REVOCATION_IDS_TOPIC, IssuanceService
from issuer.onboarding import IssuerIdentity, Onboarding
from issuer.patient_records import PatientRecordService
from issuer.patients import PatientService
from issuer.record_anchors import RecordAnchors
from issuer.record_models import ShareDisclosure
from issuer.record_store import RecordStore
from issuer.records import IssuerRecords
from issuer.revocation import RevocationService
from issuer.settings import IssuerSettings
from issuer.share_access import ShareAccess
from issuer.shares import ShareLocks, ShareRecords
from issuer.sharing import SharingService, manifest_url
from medcred.errors import InvalidInputError, MedcredError
from medcred.shl import new_key, parse_payload
from medcred.store import DocumentStore

__all__ = ["IssuerService"]

log = logging.getLogger(__name__)


class IssuerService:
    def __init__(
        self,
        settings: IssuerSettings,
        link: AgentLink,
        store: DocumentStore,
        record_store: RecordStore,
        *,
        audit: ServiceAudit,
        ledger_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.link = link
        self.audit = audit
        self.records = IssuerRecords(store)
        self.portal_key = settings.secret("portal_api_key").get_secret_value()
        self.onboarding = Onboarding(link.admin, self.records, settings, ledger_transport=ledger_transport)
        self.patients = PatientService(link.admin, self.records, link_wait=settings.portal_link_wait,
                                       invitation_ttl=timedelta(hours=settings.invitation_ttl_hours))
        self.issuance = IssuanceService(
            link.admin, link.events, self.records, self.patients, self.identity, audit,
            timeout=settings.issuance_timeout, revoke=lambda credential_id: self.revocation.revoke(credential_id),
        )  # fmt: skip
        self.revocation = RevocationService(link.admin, self.records, self.issuance, audit)
        self.record_store = record_store
        self.patient_records = PatientRecordService(record_store, self.patients)
        shares, locks = ShareRecords(store), ShareLocks()
        self.sharing = SharingService(settings, shares, locks, self.patient_records, audit)
        self.share_access = ShareAccess(settings, shares, locks, record_store, RecordAnchors(audit.log), audit)
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
        self._check_public_url()
        self.share_access.forget_expired_tickets()
        self._identity = await self.onboarding.run()
        self.issuance.resume()
        log.info("issuer %s ready: %s", self._identity.did, dict(self._identity.credential_definitions))

    async def stop(self) -> None:
        """Let running webhook handlers finish (they write to the store), stop the issuances' deadlines
        (re-armed at the next start), then close the stores."""
        await self.link.webhooks.drain()
        await self.issuance.close()
        self.records.store.close()
        self.record_store.close()

    async def disclosures(self, patient_ref: str) -> list[ShareDisclosure]:
        """Who opened the patient's shares and downloaded which records, from the audit trail."""
        return await asyncio.to_thread(share_disclosures, self.audit.log, patient_ref)

    def _check_public_url(self) -> None:
        try:
            parse_payload({"url": manifest_url(self.settings, "x" * 43), "key": new_key()})
        except InvalidInputError as exc:
            log.warning("MEDCRED_ISSUER_PUBLIC_URL %r cannot start a SMART Health Link (%s): sharing will fail "
                        "until it is an https URL (or http on this machine's loopback)",
                        self.settings.public_url, exc.message)  # fmt: skip

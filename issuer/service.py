"""The hospital's controller assembled: each flow's service built with its dependencies, the webhook
handlers registered, and what runs at start-up and shutdown. Routes never see this object: they take
the one service they call from `issuer.deps`.

    registry        IssuerRegistry       the bookkeeping: patients, invitations, connections, credentials
    onboarding      Onboarding           public DID, schemas, credential definitions (and the identity known)
    patients        PatientService       patients, their invitations and their wallets' connections
    issuance        IssuanceService      issue a credential, follow its exchange to the end
    revocation      RevocationService    revoke an issued credential (it and issuance read IssuedCredentials)
    health_records  HealthRecordService  patients' encrypted health records: store, list, erase
    sharing         SharingService       the patient's shares of their records (SMART Health Links)
    share_access    ShareAccess          the links' public side: manifest, files, proofs
    disclosures     DisclosureService    who opened which share, from the audit trail
    health_cards    HealthCardService    SMART Health Cards of vaccinations (revoked with their credentials)

The webhook handlers (an explicit topic -> handler table):

    connections                       PatientService.on_connection
    issue_credential_v2_0             IssuanceService.on_exchange
    issue_credential_v2_0_anoncreds   IssuanceService.on_revocation_ids
"""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx

from agents.audit import ServiceAudit
from agents.controller import AgentLink
from issuer.health_cards.keys import CardKeys
from issuer.health_cards.revocation import CardRevocations
from issuer.health_cards.service import HealthCardService
from issuer.health_cards.store import CardStore
from issuer.health_records.anchors import RecordAnchors
from issuer.health_records.service import HealthRecordService
from issuer.health_records.store import RecordStore
from issuer.issuance import EXCHANGE_TOPIC, REVOCATION_IDS_TOPIC, IssuanceService
from issuer.issued import IssuedCredentials
from issuer.onboarding import Onboarding
from issuer.patients import PatientService
from issuer.registry import IssuerRegistry
from issuer.revocation import RevocationService
from issuer.settings import IssuerSettings
from issuer.sharing.access import ShareAccess
from issuer.sharing.disclosures import DisclosureService
from issuer.sharing.service import SharingService, manifest_url
from issuer.sharing.store import ShareLocks, ShareStore
from medcred.errors import InvalidInputError
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
        self.registry = IssuerRegistry(store)
        self.portal_key = settings.secret("portal_api_key").get_secret_value()
        self.onboarding = Onboarding(link.admin, self.registry, settings, ledger_transport=ledger_transport)
        self.patients = PatientService(link.admin, self.registry, link_wait=settings.portal_link_wait,
                                       invitation_ttl=timedelta(hours=settings.invitation_ttl_hours))
        issued = IssuedCredentials(link.admin, self.registry)  # read by both: revocation first, then issuance
        card_store = CardStore(store)
        card_revocations = CardRevocations(card_store, audit)  # below revocation: a credential's cards go with it
        self.revocation = RevocationService(link.admin, self.registry, issued, audit, cards=card_revocations)
        self.issuance = IssuanceService(
            link.admin, link.events, self.registry, issued, self.patients, self.onboarding.identity, audit,
            timeout=settings.issuance_timeout, revocation=self.revocation,
        )  # fmt: skip
        self.record_store = record_store
        self.health_records = HealthRecordService(record_store, self.patients)
        shares, locks = ShareStore(store), ShareLocks()
        self.sharing = SharingService(settings, shares, locks, self.health_records, audit)
        self.share_access = ShareAccess(settings, shares, locks, record_store, RecordAnchors(audit.log), audit)
        self.disclosures = DisclosureService(audit.log)
        self.health_cards = HealthCardService(
            CardKeys(settings.folder(), settings.health_card_iss), card_store, card_revocations, self.revocation,
            issued, self.patients, record_store, audit,
        )  # fmt: skip
        link.webhooks.on("connections", self.patients.on_connection)
        link.webhooks.observe(self.patients.observe)
        link.webhooks.on(EXCHANGE_TOPIC, self.issuance.on_exchange)
        link.webhooks.on(REVOCATION_IDS_TOPIC, self.issuance.on_revocation_ids)

    async def start(self) -> None:
        """Onboarding: public DID, schemas, credential definitions with their revocation registries."""
        self._check_public_url()
        self.share_access.forget_expired_tickets()
        identity = await self.onboarding.run()
        await self.issuance.resume()
        if (every := self.settings.deadline_sweep_every()) is not None:
            self.issuance.timers.sweep(every, self.issuance.adopt)
        log.info("issuer %s ready: %s", identity.did, dict(identity.credential_definitions))

    async def stop(self) -> None:
        """Let running webhook handlers finish (they write to the store), stop the issuances' deadlines
        (re-armed at the next start), then close the stores."""
        await self.link.webhooks.drain()
        await self.issuance.close()
        self.registry.store.close()
        self.record_store.close()

    def _check_public_url(self) -> None:
        try:
            parse_payload({"url": manifest_url(self.settings, "x" * 43), "key": new_key()})
        except InvalidInputError as exc:
            log.warning("MEDCRED_ISSUER_PUBLIC_URL %r cannot start a SMART Health Link (%s): sharing will fail "
                        "until it is an https URL (or http on this machine's loopback)",
                        self.settings.public_url, exc.message)  # fmt: skip

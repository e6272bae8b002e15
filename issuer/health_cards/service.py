"""Issuing SMART Health Cards for the hospital's vaccinations, and the views of them.

    cards = HealthCardService(keys, store, revocations, revocation, issued, patients, record_store, audit)
    card = await cards.issue(patient_ref, HealthCardRequest(credential_ids=[...], immunizations=[...]))
    await cards.revoke(card_id)         # its rid on the CRL, and each of its AnonCreds credentials revoked

A card is one JWS (`medcred.health_cards`) of a minimal FHIR bundle: the patient (name, birth date) and
each dose's Immunization, signed with the hospital's key, with a fresh `rid`. Each dose must be a
vaccination credential of that patient, issued or being issued, not revoked (several doses: one card).
The card is kept as a record of the patient in the encrypted record store (`application/smart-health-card`,
the `.smart-health-card` file), so the patient's wallet reads it through the portal and can share it in
a SMART Health Link like any record; our own store keeps ids, the rid and dates only.

Revoked together: revoking a card revokes its credentials (`RevocationService.revoke`), and revoking a
credential revokes its cards (`RevocationService` calls `CardRevocations.revoke_of_credential`).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

from agents.audit import NO_AUDIT, AuditRecorder
from issuer.fhir import immunization
from issuer.health_cards.keys import CardKeys
from issuer.health_cards.models import HealthCardRequest, PortalHealthCard
from issuer.health_cards.revocation import CardRevocations
from issuer.health_cards.store import CardRecord, CardStore, now
from issuer.health_records.store import RecordStore
from issuer.issued import IssuedCredentials
from issuer.patients import PatientService
from issuer.registry import CredentialRecord, CredentialState, PatientRecord
from issuer.revocation import RevocationService
from medcred.credentials import CredentialType
from medcred.errors import ConflictError, NotFoundError, UnprocessableError
from medcred.health_cards import MEDIA_TYPE, Crl, card_file, card_payload, cards_in_file, minimal_bundle, new_rid, sign

__all__ = ["CARD_FILE_NAME", "HealthCardService"]

log = logging.getLogger(__name__)

CARD_FILE_NAME = "vaccination.smart-health-card"


def patient_resource(patient: PatientRecord) -> dict[str, Any]:
    """The card's Patient: name and birth date, nothing else (the hospital keeps the name as one string)."""
    *given, family = patient.name.split()
    name: dict[str, Any] = {"family": family, **({"given": given} if given else {})}
    return {"resourceType": "Patient", "name": [name], "birthDate": patient.birth_date.isoformat()}


class HealthCardService:
    def __init__(
        self,
        keys: CardKeys,
        store: CardStore,
        revocations: CardRevocations,
        revocation: RevocationService,
        issued: IssuedCredentials,
        patients: PatientService,
        record_store: RecordStore,
        audit: AuditRecorder = NO_AUDIT,
    ) -> None:
        self.keys = keys
        self.store = store
        self.revocations = revocations
        self.revocation = revocation
        self.issued = issued
        self.patients = patients
        self.record_store = record_store
        self.audit = audit

    # -- issuing ------------------------------------------------------------------------------------------

    async def issue(self, patient_ref: str, request: HealthCardRequest) -> CardRecord:
        """A card for these vaccinations of the patient: 404 no such patient or credential, 409 revoked or
        abandoned, 422 not a vaccination or not a completed FHIR Immunization."""
        patient = self.patients.require(patient_ref)
        for credential_id in request.credential_ids:
            self._check_dose(patient_ref, self.issued.require(credential_id))
        for index, resource in enumerate(request.immunizations):
            try:
                immunization(resource)
            except UnprocessableError as exc:
                raise UnprocessableError(f"immunizations[{index}]: {exc.message}") from None
        card_id, rid, nbf = str(uuid.uuid4()), new_rid(), int(time.time())
        bundle = minimal_bundle(patient_resource(patient), request.immunizations)
        jws = sign(card_payload(self.keys.iss, nbf, bundle, rid), self.keys.key)
        stored = await asyncio.to_thread(self.record_store.put, patient_ref, CARD_FILE_NAME, MEDIA_TYPE, card_file(jws))
        card = CardRecord(card_id=card_id, patient_ref=patient_ref, credential_ids=list(request.credential_ids),
                          record_id=stored.record_id, kid=self.keys.kid, rid=rid, nbf=nbf, issued_at=now())  # fmt: skip
        self.store.save(card)
        self.audit.record("health_card.issued", subject=patient_ref, card_id=card_id,
                          credential_ids=card.credential_ids, record_id=stored.record_id)  # fmt: skip
        log.info("issued health card %s (%d dose(s), %d characters) to patient %s", card_id,
                 len(request.credential_ids), len(jws), patient_ref)  # fmt: skip
        return card

    async def issue_for(self, credential: CredentialRecord, immunization_fhir: dict[str, Any]) -> CardRecord:
        """The card of a vaccination credential just offered, from the Immunization it was issued from; the
        one made before if there is one (a request sent again with its Idempotency-Key)."""
        for card in self.cards(credential.patient_ref):
            if card.credential_ids == [credential.credential_id]:
                return card
        request = HealthCardRequest(credential_ids=[credential.credential_id], immunizations=[immunization_fhir])
        return await self.issue(credential.patient_ref, request)

    def _check_dose(self, patient_ref: str, credential: CredentialRecord) -> None:
        if credential.patient_ref != patient_ref:
            raise NotFoundError(f"no credential {credential.credential_id}")
        if credential.type is not CredentialType.VACCINATION:
            raise UnprocessableError(f"credential {credential.credential_id} is not a vaccination")
        if credential.revoked:
            raise ConflictError(f"credential {credential.credential_id} is revoked")
        if credential.state is CredentialState.ABANDONED:
            raise ConflictError(f"credential {credential.credential_id} was abandoned, never issued")

    # -- reading ------------------------------------------------------------------------------------------

    def require(self, card_id: str) -> CardRecord:
        return self.revocations.require(card_id)

    def cards(self, patient_ref: str | None = None) -> list[CardRecord]:
        if patient_ref is not None:
            self.patients.require(patient_ref)
        return self.store.cards(patient_ref)

    async def for_portal(self, patient_ref: str) -> list[PortalHealthCard]:
        """The patient's cards, each with its JWS (read from the encrypted store)."""
        return await asyncio.to_thread(self._portal_cards, patient_ref)

    def _portal_cards(self, patient_ref: str) -> list[PortalHealthCard]:
        views = []
        for card in self.store.cards(patient_ref):
            try:
                _, data = self.record_store.get(card.record_id)
            except NotFoundError:  # the patient erased its record: the card is gone for them too
                continue
            (jws, *_) = cards_in_file(data)
            views.append(PortalHealthCard(card_id=card.card_id, record_id=card.record_id,
                                          credential_ids=card.credential_ids, issued_at=card.issued_at,
                                          revoked=card.revoked, jws=jws))  # fmt: skip
        return views

    # -- revoking -----------------------------------------------------------------------------------------

    async def revoke(self, card_id: str) -> CardRecord:
        """Revoke the card (CRL now) and each AnonCreds credential it carries (idempotent)."""
        card = await self.revocations.revoke(card_id)
        for credential_id in card.credential_ids:
            credential = self.issued.require(credential_id)
            if credential.revoked or credential.state is CredentialState.ABANDONED:
                continue
            try:
                await self.revocation.revoke(credential_id)
            except ConflictError:  # offered, not yet issued: there is nothing on the ledger to revoke
                log.warning("health card %s revoked; its credential %s is not issued yet", card_id, credential_id)
        return self.require(card_id)

    # -- discovery ----------------------------------------------------------------------------------------

    def jwks(self) -> dict[str, Any]:
        return self.keys.jwks(self.revocations.crl_version(self.keys.kid))

    def crl(self, kid: str) -> dict[str, Any]:
        """The CRL of one of our keys (ctr 0 and no rids before the first revocation); 404 for another kid."""
        if kid != self.keys.kid:
            raise NotFoundError(f"no key {kid}")
        crl = self.store.crl(kid) or Crl(kid=kid, ctr=0, rids=[])
        return crl.model_dump(mode="json")

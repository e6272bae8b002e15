"""A patient's proof requests: what waits, and every answer to one, held to the patient's consents.

    requests = ProofRequestService(proofs, consents, accounts, tenants, audit)   # create_app makes it
    pending(patient)                 waiting requests, each with how the consents see it
    present(patient, id)             the patient's own answer, never beyond a live grant for that verifier
    decline(patient, id)             the patient's refusal: a problem report `declined: the patient declined`
    judge_arrival(patient, id, did)  a request that just arrived from verifier `did`: declined at once
                                     (consent expired or withdrawn), answered (a live grant covers it and
                                     says auto_answer), or left for the patient
    on_proof_event(event)            the same for requests arriving over a connection (webhook)
    arrival(patient, thread, ...)    an invitation's request: who sent it kept, its id awaited

Every answer takes the same path: the request is found in the patient's own sub-wallet (another
patient's record id is a 404, an answered one a 409), consent says which grant holds (`ConsentService`,
the collaborator), and `holder.proofs.Proofs` does the exchange with the agent. What consent decided on its own
is heard by the consents' hook ("request auto-answered", "request declined by consent").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from agents.audit import AuditRecorder
from agents.events import WebhookEvent
from holder import consent, proofs
from holder.accounts import AccountService
from holder.consent import Action
from holder.consent_service import AUTO_ANSWERED, DECLINED_BY_CONSENT, ConsentService
from holder.context import Tenants
from holder.models import Patient, ProofAnswer, ProofRequest
from holder.proofs import Proofs
from medcred.errors import ConflictError, NotFoundError
from medcred.identifiers import IndyDid

__all__ = ["ProofRequestService", "RequestOutcome"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RequestOutcome:
    """What consent made of a request: `presented`, `declined`, `refused`; None: it waits for the patient."""

    state: str | None = None
    grant_id: str | None = None
    reason: str | None = None


class ProofRequestService:
    def __init__(
        self, proofs: Proofs, consents: ConsentService, accounts: AccountService, tenants: Tenants, audit: AuditRecorder
    ) -> None:
        self._proofs = proofs
        self._tenants = tenants
        self._audit = audit
        self._consents = consents
        self._accounts = accounts

    async def arrival(self, patient: Patient, thread_id: str, label: str | None, verifier_did: IndyDid | None) -> str:
        """The id of the request an invitation the patient scanned carries (thread `thread_id`), once it has
        arrived; who sent it (`label`, `verifier_did`) is kept first, as its record cannot name them."""
        self._proofs.remember_origin(patient, thread_id, label, verifier_did)
        return await self._proofs.await_request(patient, thread_id)

    async def pending(self, patient: Patient) -> list[ProofRequest]:
        return await self._proofs.pending(patient, self._consents.view_of(patient))

    async def present(self, patient: Patient, pres_ex_id: str) -> ProofAnswer:
        """The patient's own answer: held to the live grant for this verifier, if there is one."""
        record = await self._proofs.arrived_or_answerable(patient, pres_ex_id)
        _, request = proofs.request_of(record)
        verifier_did = await self._proofs.verifier_did(patient, record)
        grant = self._consents.live_grant(patient, verifier_did, request)
        return await self._proofs.present(patient, pres_ex_id, grant=grant, record=record)

    async def decline(self, patient: Patient, pres_ex_id: str) -> ProofAnswer:
        """The patient's refusal, whatever their consents say."""
        tenant = self._tenants.of(patient)
        self._proofs.arrived.take(patient.wallet_id, pres_ex_id)
        await proofs.answerable(tenant, pres_ex_id)  # read, not kept: a problem report would end an answered record
        await proofs.report(tenant, pres_ex_id, proofs.DECLINED)
        self._audit.record("proof.declined", subject=patient.patient_id, request_id=pres_ex_id)
        log.info("patient %s declined %s", patient.patient_id, pres_ex_id)
        return ProofAnswer(id=pres_ex_id, state="declined")

    async def judge_arrival(self, patient: Patient, pres_ex_id: str, verifier_did: str | None) -> RequestOutcome:
        """Decline, answer or leave a request that just arrived, as the patient's consents say."""
        if verifier_did is None or not self._consents.has_grants_for(patient, verifier_did):
            return RequestOutcome()  # no grant to judge by: the request waits for the patient
        tenant = self._tenants.of(patient)
        try:
            record = await proofs.answerable(tenant, pres_ex_id)
            _, request = proofs.request_of(record)
        except (ConflictError, NotFoundError):
            return RequestOutcome()  # answered or gone meanwhile, or not AnonCreds: nothing to judge
        judgement = self._consents.judge(patient, verifier_did, request)
        grant, asked = judgement.grant, consent.asked_of(request)
        if grant is None or judgement.action is Action.WAIT:
            return RequestOutcome(grant_id=grant.grant_id if grant else None)
        details = {"grant_id": grant.grant_id, "proof_request_id": pres_ex_id, "verifier_did": verifier_did,
                   "revealed": asked.revealed, "proved": asked.proved, "purpose": grant.purpose}  # fmt: skip
        if judgement.action is Action.DECLINE:
            reason = str(judgement.reason)
            await proofs.report(tenant, pres_ex_id, reason)
            log.info("patient %s: request %s declined by consent %s", patient.patient_id, pres_ex_id, grant.grant_id)
            self._consents.emit(DECLINED_BY_CONSENT, patient, {**details, "reason": reason})
            return RequestOutcome("declined", grant.grant_id, reason)
        try:
            await self._proofs.present(patient, pres_ex_id, grant=grant, record=record)
        except ConflictError as refusal:
            return RequestOutcome("refused", grant.grant_id, refusal.message)
        log.info("patient %s: request %s answered under consent %s", patient.patient_id, pres_ex_id, grant.grant_id)
        self._consents.emit(AUTO_ANSWERED, patient, details)
        return RequestOutcome("presented", grant.grant_id)

    async def on_proof_event(self, event: WebhookEvent) -> None:
        """Webhook `present_proof_v2_0`: keep a request arriving in a sub-wallet, and judge one arriving over
        a connection (a scanned one is judged where it was scanned)."""
        record = event.payload
        if event.state != proofs.REQUEST_RECEIVED or event.wallet_id is None or record.get("role") != "prover":
            return
        self._proofs.arrived.keep(event.wallet_id, record)
        if not isinstance(record.get("connection_id"), str) or not isinstance(record.get("pres_ex_id"), str):
            return
        patient = self._accounts.patient_for_wallet(event.wallet_id)
        if patient is None or self._proofs.origin_of(patient, record.get("thread_id")) is not None:
            return
        verifier_did = await self._proofs.verifier_did(patient, record)
        await self.judge_arrival(patient, record["pres_ex_id"], verifier_did)

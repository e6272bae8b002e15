"""Patient consent flows: granting and withdrawing (with signed receipts), and what they say of a request.

    service = ConsentService(tenants, store, on_event=hook)   # create_app makes it: app.state.consents
    grant(patient, GrantIn)          -> Consent, active, with its receipt signed in the patient's wallet
    list_consents, get_consent       status computed now; another patient's grant is a 404
    withdraw(patient, grant_id)      -> Consent, withdrawn, with a withdrawal receipt
    receipts_of, receipt_of          the grant's JWS and, once withdrawn, the withdrawal's
    judge(patient, did, request)     the patient's grants for verifier `did` on a request: decline, answer, wait
    live_grant(patient, did, req)    the live grant a patient's own answer is held to, if any
    view_of(patient)                 how the consents see each waiting request (`holder.proofs.pending`)

The proof requests themselves are answered by `holder.proof_requests.ProofRequestService`, which asks
this service as its collaborator.

Stored in the holder's DocumentStore: "consents" `<patient id>:<grant id>` -> Grant, "consent_index"
patient id -> grant ids, "consent_signers" patient id -> the did:key made in their sub-wallet at their
first consent. `on_event(name, patient_id, details)` hears "consent granted", "consent withdrawn",
"request auto-answered" and "request declined by consent"; details hold ids, attribute names, the
verifier DID and the purpose, never an attribute value. A failing hook is logged, never fatal.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from holder import consent, proofs, receipts
from holder.consent import Action, ConsentStatus, Grant, GrantIn, Judgement
from holder.context import HolderAdminClient, Tenants
from holder.models import Consent, ConsentReceipts, Patient, ProofRequestConsent
from medcred.errors import AgentError, ConflictError, InvalidInputError, NotFoundError
from medcred.identifiers import Did
from medcred.store import DocumentStore

__all__ = ["AUTO_ANSWERED", "DECLINED_BY_CONSENT", "ConsentHook", "ConsentService"]

log = logging.getLogger(__name__)

type ConsentHook = Callable[[str, str, dict[str, Any]], None]
type Json = dict[str, Any]

CONSENTS = "consents"
INDEX = "consent_index"
SIGNERS = "consent_signers"
GRANTED = "consent granted"
WITHDRAWN = "consent withdrawn"
AUTO_ANSWERED = "request auto-answered"
DECLINED_BY_CONSENT = "request declined by consent"
NO_CONSENT = ProofRequestConsent(grant_id=None, covered=False, exceeds=[])


def utc_now() -> datetime:
    return datetime.now(UTC)


class ConsentService:
    def __init__(
        self,
        tenants: Tenants,
        store: Callable[[], DocumentStore],
        *,
        on_event: ConsentHook | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._tenants = tenants
        self._store = store  # opened in the lifespan: read when used
        self.on_event = on_event
        self.clock = clock

    # -- grants ------------------------------------------------------------------------------------

    async def grant(self, patient: Patient, body: GrantIn) -> Consent:
        now = self.clock()
        expires_at = body.expiry(now).astimezone(UTC)
        tenant = self._tenants.of(patient)
        signer = await self._signer(patient, tenant)
        draft = Grant(
            grant_id=str(uuid.uuid4()), patient_id=patient.patient_id, patient_did=Did(signer),
            verifier_did=body.verifier_did, credential_types=tuple(body.credential_types), reveal=tuple(body.reveal),
            prove=tuple(body.prove), purpose=body.purpose, auto_answer=body.auto_answer, created_at=now,
            expires_at=expires_at, receipt="",
        )  # fmt: skip
        grant = draft.model_copy(update={"receipt": await self._sign(tenant, signer, receipts.grant_claims(draft))})
        self._save(grant)
        index = self._store().get(INDEX, patient.patient_id) or {"grant_ids": []}
        self._store().put(INDEX, patient.patient_id, {"grant_ids": [*index["grant_ids"], grant.grant_id]})
        log.info("patient %s granted consent %s to %s", patient.patient_id, grant.grant_id, grant.verifier_did)
        self.emit(GRANTED, patient, {
            "grant_id": grant.grant_id, "verifier_did": grant.verifier_did,
            "credential_types": [str(t) for t in grant.credential_types], "reveal": list(grant.reveal),
            "prove": list(grant.prove), "purpose": grant.purpose, "auto_answer": grant.auto_answer,
            "expires_at": grant.expires_at.isoformat(),
        })  # fmt: skip
        return self._view(grant)

    def list_consents(self, patient: Patient) -> list[Consent]:
        return [self._view(grant) for grant in self._grants(patient)]

    def get_consent(self, patient: Patient, grant_id: str) -> Consent:
        return self._view(self._load(patient, grant_id))

    async def withdraw(self, patient: Patient, grant_id: str) -> Consent:
        grant = self._load(patient, grant_id)
        now = self.clock()
        if (status := grant.status(now)) is not ConsentStatus.ACTIVE:
            raise ConflictError(f"consent {grant_id} is already {status}")
        claims = receipts.withdrawal_claims(grant, now)
        jws = await self._sign(self._tenants.of(patient), grant.patient_did, claims)
        if self._load(patient, grant_id).withdrawn_at is not None:  # withdrawn meanwhile
            raise ConflictError(f"consent {grant_id} is already withdrawn")
        withdrawn = grant.model_copy(update={"withdrawn_at": now, "withdrawal_receipt": jws})
        self._save(withdrawn)
        log.info("patient %s withdrew consent %s", patient.patient_id, grant_id)
        self.emit(WITHDRAWN, patient, {"grant_id": grant_id, "verifier_did": grant.verifier_did,
                                        "purpose": grant.purpose})  # fmt: skip
        return self._view(withdrawn)

    def receipts_of(self, patient: Patient, grant_id: str) -> ConsentReceipts:
        grant = self._load(patient, grant_id)
        return ConsentReceipts(grant=grant.receipt, withdrawal=grant.withdrawal_receipt)

    def receipt_of(self, patient: Patient, grant_id: str, kind: Literal["grant", "withdrawal"]) -> str:
        found = self.receipts_of(patient, grant_id)
        jws = found.grant if kind == "grant" else found.withdrawal
        if jws is None:
            raise NotFoundError(f"consent {grant_id} has not been withdrawn: there is no withdrawal receipt")
        return jws

    # -- proof requests ----------------------------------------------------------------------------

    def judge(self, patient: Patient, verifier_did: str | None, request: Json) -> Judgement:
        """The patient's grants for this verifier on this AnonCreds request, now."""
        if verifier_did is None:
            return Judgement(Action.WAIT)
        grants = [grant for grant in self._grants(patient) if grant.verifier_did == verifier_did]
        return consent.judge(grants, consent.asked_of(request), self.clock())

    def has_grants_for(self, patient: Patient, verifier_did: str) -> bool:
        """Whether the patient ever granted this verifier anything (live or not)."""
        return any(grant.verifier_did == verifier_did for grant in self._grants(patient))

    def live_grant(self, patient: Patient, verifier_did: str | None, request: Json) -> Grant | None:
        """The grant the patient's own answer to this request is held to: the live one for this verifier."""
        grant = self.judge(patient, verifier_did, request).grant
        return grant if grant is not None and grant.status(self.clock()) is ConsentStatus.ACTIVE else None

    def view_of(self, patient: Patient) -> proofs.ConsentOf:
        """How the patient's consents, now, see a request of a verifier (`holder.proofs.pending`)."""
        grants, now = self._grants(patient), self.clock()

        def view(verifier_did: str | None, request: Json) -> ProofRequestConsent:
            mine = [grant for grant in grants if grant.verifier_did == verifier_did]
            judgement = consent.judge(mine, consent.asked_of(request), now)
            if judgement.grant is None or judgement.coverage is None:
                return NO_CONSENT
            return ProofRequestConsent(
                grant_id=judgement.grant.grant_id,
                status=judgement.grant.status(now),
                covered=judgement.coverage.covered,
                exceeds=list(judgement.coverage.exceeds),
            )

        return view

    # -- storage, signing, events ------------------------------------------------------------------

    def _view(self, grant: Grant) -> Consent:
        fields = grant.model_dump(exclude={"patient_id"})
        return Consent.model_validate({**fields, "status": grant.status(self.clock())})

    def _save(self, grant: Grant) -> None:
        self._store().put(CONSENTS, f"{grant.patient_id}:{grant.grant_id}", grant.model_dump(mode="json"))

    def _load(self, patient: Patient, grant_id: str) -> Grant:
        try:
            uuid.UUID(grant_id)
        except ValueError:
            raise NotFoundError(f"no consent {grant_id!r}") from None
        document = self._store().get(CONSENTS, f"{patient.patient_id}:{grant_id}")
        if document is None:
            raise NotFoundError(f"no consent {grant_id}")
        return Grant.model_validate(document)

    def _grants(self, patient: Patient) -> list[Grant]:
        index = self._store().get(INDEX, patient.patient_id) or {"grant_ids": []}
        return [self._load(patient, grant_id) for grant_id in index["grant_ids"]]

    async def _signer(self, patient: Patient, tenant: HolderAdminClient) -> str:
        """The patient's receipt-signing did:key, made in their own sub-wallet at their first consent."""
        known = self._store().get(SIGNERS, patient.patient_id)
        if known is None:
            did = (await tenant.create_wallet_did(method="key", key_type="ed25519")).get("did")
            if not isinstance(did, str) or not did.startswith("did:key:z6Mk"):
                raise AgentError("the agent made no Ed25519 did:key in the patient's wallet")
            self._store().insert(SIGNERS, patient.patient_id, {"did": did})  # a concurrent first may win
            known = self._store().get(SIGNERS, patient.patient_id) or {"did": did}
        return str(known["did"])

    async def _sign(self, tenant: HolderAdminClient, did: str, claims: Json) -> str:
        """A receipt signed by the agent, checked as anyone would check it before it is kept."""
        jws = await tenant.wallet_jwt_sign(did, claims, {"typ": receipts.TYP})
        try:
            signed = receipts.verify_receipt(jws)
        except InvalidInputError as exc:
            raise AgentError(f"the agent signed a consent receipt that does not verify: {exc.message}") from exc
        if signed != claims:
            raise AgentError("the agent signed other claims than the consent receipt's")
        return jws

    def emit(self, name: str, patient: Patient, details: dict[str, Any]) -> None:
        """Tell the hook of a consent event (the proof requests' service tells what consent decided)."""
        if self.on_event is None:
            return
        try:
            self.on_event(name, patient.patient_id, details)
        except Exception:  # an audit hook's failure must not undo what the patient did
            log.exception("consent event hook failed on %r for patient %s", name, patient.patient_id)

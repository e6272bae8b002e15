"""The proof exchange with the agent, answered only as the patient decides (the agent never auto-responds).

The flows (pending, present, decline, and answers under consent) are `holder.proof_requests.
ProofRequestService`'s; these are its steps, `Proofs` given the pieces they use:

    proofs = Proofs(tenants, events, store, settings, audit, ledger=..., arrived=...)   # create_app makes it

    pending   the patient's records in `request-received`, with who asks and what is asked (and, given
              a `consent_of`, how the patient's consents for that verifier see it)
    present   choose the credentials explicitly (`holder.choice`: never a revoked one, predicates
              checked), then `send-presentation`; if a referent cannot be answered, tell the verifier
              why in a problem report and answer 409 with that reason. Under a live consent grant
              (`holder.consent.limits`), a single attribute outside it is sent unrevealed and a group
              or predicate outside it is a 409 `request exceeds consent: <names>` (no report: the
              patient may still decline, or widen the grant)
    report    a problem report saying why there will be no presentation (`DECLINED` when the patient
              declined)

Who asks is remembered for a connectionless request (the invitation's label and the verifier's public
DID, `remember_origin`) and read from the connection otherwise (`their_label`, `their_public_did`).
Every call acts on the patient's own sub-wallet, so another patient's record id is a 404.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agents.admin import AdminClient
from agents.audit import AuditRecorder
from agents.events import EventWaiter
from holder import choice, consent
from holder.arrivals import ArrivedRequests
from holder.consent import Grant
from holder.context import Tenants
from holder.models import Patient, ProofAnswer, ProofRequest, ProofRequestConsent
from holder.revocation import revocation_statuses
from holder.settings import HolderSettings
from ledger.client import LedgerClient
from medcred.errors import AgentRejectedError, ConflictError, NotFoundError, TimeoutError_
from medcred.identifiers import IndyDid
from medcred.store import DocumentStore

__all__ = ["DECLINED", "Origin", "Proofs", "answerable", "report", "request_of"]

log = logging.getLogger(__name__)

TOPIC = "present_proof_v2_0"
REQUEST_RECEIVED = "request-received"
DECLINED = "declined: the patient declined"
ORIGINS = "proof_request_origins"  # "<patient id>:<thread id>" -> {"verifier": label, "verifier_did": nym}
FORMATS = ("anoncreds", "indy")
EXCEEDS = "request exceeds consent"

type Json = dict[str, Any]
type ConsentOf = Callable[[str | None, Json], ProofRequestConsent]  # (verifier DID, request) -> its view


@dataclass(frozen=True, slots=True)
class Origin:
    """Who asks: the label they gave, and their public Indy DID (nym) if they named one."""

    label: str | None = None
    did: IndyDid | None = None


async def _by_thread(tenant: AdminClient, thread_id: str) -> str | None:
    records = await tenant.present_proof_records(thread_id=thread_id, role="prover", state=REQUEST_RECEIVED)
    ids = [r["pres_ex_id"] for r in records if isinstance(r.get("pres_ex_id"), str)]
    return ids[-1] if ids else None


def request_of(record: Json) -> tuple[str, Json]:
    """The record's proof request and its format (`anoncreds`, or the legacy `indy`)."""
    by_format = (record.get("by_format") or {}).get("pres_request") or {}
    for fmt in FORMATS:
        if isinstance(by_format.get(fmt), dict):
            return fmt, by_format[fmt]
    raise ConflictError(f"proof request {record.get('pres_ex_id')} is not an AnonCreds request")


async def answerable(tenant: AdminClient, pres_ex_id: str) -> Json:
    """The patient's record `pres_ex_id` while it waits for an answer; 404 if not theirs, 409 if answered."""
    try:
        uuid.UUID(pres_ex_id)
    except ValueError:
        raise NotFoundError(f"no proof request {pres_ex_id!r}") from None
    try:
        record = await tenant.present_proof_record(pres_ex_id)
    except NotFoundError:
        raise NotFoundError(f"no proof request {pres_ex_id}") from None
    if record.get("state") != REQUEST_RECEIVED:
        raise ConflictError(f"proof request {pres_ex_id} is {record.get('state')}: it was already answered")
    return record


async def _refused_by_agent(tenant: AdminClient, pres_ex_id: str, exc: AgentRejectedError) -> Exception:
    """A rejected answer: a 409 if the record was answered meanwhile, else the agent's error itself."""
    state = (await tenant.present_proof_record(pres_ex_id)).get("state")
    if state == REQUEST_RECEIVED:
        return exc
    return ConflictError(f"proof request {pres_ex_id} is {state}: it can no longer be answered")


async def report(tenant: AdminClient, pres_ex_id: str, description: str) -> None:
    """Tell the verifier why there will be no presentation (the record ends `abandoned`)."""
    try:
        await tenant.present_proof_problem_report(pres_ex_id, description)
    except AgentRejectedError as exc:
        raise await _refused_by_agent(tenant, pres_ex_id, exc) from exc


class Proofs:
    """The proof exchange's steps for the patients' sub-wallets (`tenants`), with the requests that arrived
    (`arrived`), the origins of scanned requests (`store`), and the accounting of what was presented."""

    def __init__(
        self,
        tenants: Tenants,
        events: EventWaiter,
        store: Callable[[], DocumentStore],
        settings: HolderSettings,
        audit: AuditRecorder,
        *,
        ledger: Callable[[], LedgerClient | None] = lambda: None,
        arrived: ArrivedRequests | None = None,
    ) -> None:
        self._tenants = tenants
        self._events = events
        self._store = store  # opened in the lifespan: read when used
        self._settings = settings
        self._audit = audit
        self._ledger = ledger
        self.arrived = arrived if arrived is not None else ArrivedRequests()

    def remember_origin(self, patient: Patient, thread_id: str, label: str | None, did: IndyDid | None = None) -> None:
        """Keep who sent a connectionless request: its record has no connection to name them."""
        self._store().put(ORIGINS, f"{patient.patient_id}:{thread_id}", {"verifier": label, "verifier_did": did})

    def origin_of(self, patient: Patient, thread_id: object) -> Origin | None:
        """Who sent the request of this thread through an invitation the patient scanned, if one did."""
        found = self._store().get(ORIGINS, f"{patient.patient_id}:{thread_id}")
        if found is None:
            return None
        label, did = found.get("verifier"), found.get("verifier_did")
        return Origin(label if isinstance(label, str) else None, IndyDid.parse(did))

    async def await_request(self, patient: Patient, thread_id: str) -> str:
        """The id of the request the sub-wallet makes of an invitation's attachment, once it is there.

        It comes from the sub-wallet's own authenticated webhook (`x-wallet-id` = the patient's sub-wallet;
        the waiter keeps events that came before we asked); every later use of the id goes through the
        patient's own tenant token, which the agent checks. A webhook that never comes costs the wait, then
        the sub-wallet is asked itself.
        """
        wait = self._settings.proof_request_wait
        found: str | None = None
        with contextlib.suppress(TimeoutError_):
            event = await self._events.wait_for(TOPIC, "thread_id", thread_id, states={REQUEST_RECEIVED},
                                                  wallet_id=patient.wallet_id, timeout=wait)  # fmt: skip
            found = event.get("pres_ex_id") if isinstance(event.get("pres_ex_id"), str) else None
        if found is None:
            found = await _by_thread(self._tenants.of(patient), thread_id)
        if found is None:
            raise TimeoutError_(f"the invitation was accepted but its proof request did not arrive within {wait:g} s")
        log.info("patient %s has proof request %s", patient.patient_id, found)
        return found

    async def _origin(self, patient: Patient, tenant: AdminClient, record: Json, known: dict[str, Origin]) -> Origin:
        """Who asks: over a connection, its peer (label and public DID) and no one else; without one, what the
        scanned invitation said. A peer cannot borrow a scanned verifier's DID by asking on its thread id."""
        connection_id = record.get("connection_id")
        if not isinstance(connection_id, str):
            return self.origin_of(patient, record.get("thread_id")) or Origin()
        if connection_id not in known:
            try:
                connection = await tenant.get_connection(connection_id)
            except NotFoundError:
                connection = {}
            label = connection.get("their_label")
            known[connection_id] = Origin(label if isinstance(label, str) and label else None,
                                          IndyDid.parse(connection.get("their_public_did")))  # fmt: skip
        return known[connection_id]

    async def verifier_did(self, patient: Patient, record: Json) -> IndyDid | None:
        """The public DID (nym) of the verifier asking in this record, if it named one."""
        return (await self._origin(patient, self._tenants.of(patient), record, {})).did

    async def pending(self, patient: Patient, consent_of: ConsentOf | None = None) -> list[ProofRequest]:
        tenant = self._tenants.of(patient)
        records = await tenant.present_proof_records(state=REQUEST_RECEIVED, role="prover", limit=1000)
        answer: list[ProofRequest] = []
        known: dict[str, Origin] = {}
        for record in sorted(records, key=lambda r: str(r.get("created_at", ""))):
            try:
                _, request = request_of(record)
            except ConflictError:
                continue
            wanted = choice.referents(request)
            origin = await self._origin(patient, tenant, record, known)
            answer.append(ProofRequest(
                id=str(record["pres_ex_id"]), verifier=origin.label or "unknown", verifier_did=origin.did,
                name=str(request.get("name") or "proof request"), requested_at=record.get("created_at"),
                revealed=[name for r in wanted if not r.is_predicate for name in r.names],
                predicates=[r.predicate_text() for r in wanted if r.is_predicate],
                consent=consent_of(origin.did, request) if consent_of is not None else None,
            ))  # fmt: skip
        return answer

    async def arrived_or_answerable(self, patient: Patient, pres_ex_id: str) -> Json:
        """The request as its webhook brought it (`holder.arrivals`), else as `answerable` reads it."""
        arrived = self.arrived.take(patient.wallet_id, pres_ex_id)
        return arrived if arrived is not None else await answerable(self._tenants.of(patient), pres_ex_id)

    async def present(
        self, patient: Patient, pres_ex_id: str, *, grant: Grant | None = None, record: Json | None = None
    ) -> ProofAnswer:
        """Answer with the credentials the wallet chooses, never beyond a live `grant` for this verifier."""
        tenant = self._tenants.of(patient)
        current = record if record is not None else await answerable(tenant, pres_ex_id)
        fmt, request = request_of(current)
        wanted = choice.referents(request)
        hidden: frozenset[str] = frozenset()
        listed = await tenant.present_proof_credentials_for_request(pres_ex_id, count=self._settings.max_candidates)
        listed = [entry for entry in listed if isinstance(entry, dict)]
        if grant is not None:
            hidden, refused = consent.limits(grant, consent.asked_of(request))
            if refused:
                raise ConflictError(f"{EXCEEDS}: {', '.join(refused)}")
            listed = consent.confine(listed, grant, {r.key for r in wanted} - hidden)
        infos = [entry["cred_info"] for entry in listed if isinstance(entry.get("cred_info"), dict)]
        offered = choice.candidates(listed, await revocation_statuses(tenant, infos, self._ledger()))
        try:
            chosen = choice.choose(wanted, offered)
        except ConflictError as refusal:
            await answerable(tenant, pres_ex_id)  # still waiting? `record` may be its webhook's, from before
            await report(tenant, pres_ex_id, refusal.message)
            reason = refusal.message.split(":")[0]
            log.info("patient %s could not answer %s: %s", patient.patient_id, pres_ex_id, reason)
            raise
        body = {fmt: choice.presentation(wanted, chosen, hidden=hidden)}
        try:
            answered = await tenant.present_proof_send_presentation(pres_ex_id, body)
        except AgentRejectedError as exc:
            raise await _refused_by_agent(tenant, pres_ex_id, exc) from exc
        log.info("patient %s presented %s (state %s, %d unrevealed)", patient.patient_id, pres_ex_id,
                 answered.get("state"), len(hidden))  # fmt: skip
        origin = await self._origin(patient, tenant, current, {})
        # The accounting of disclosures: who received what (attribute names, predicates), never the values.
        self._audit.record(
            "proof.presented", subject=patient.patient_id, request_id=pres_ex_id, verifier_did=origin.did,
            verifier=origin.label, grant_id=grant.grant_id if grant is not None else None,
            revealed=[n for r in wanted if not r.is_predicate and r.key not in hidden for n in r.names],
            predicates=[r.predicate_text() for r in wanted if r.is_predicate],
        )  # fmt: skip
        return ProofAnswer(id=pres_ex_id, state=str(answered.get("state") or "presentation-sent"))

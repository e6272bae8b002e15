"""Issuing credentials over issue-credential 2.0 (AnonCreds) and following each exchange to its end.

    issue()              FHIR resource or health ID -> attributes -> offer (auto_issue) -> credential_id
    on_exchange()        `issue_credential_v2_0` webhook: the exchange's state (offer-sent ... done)
    on_revocation_ids()  `issue_credential_v2_0_anoncreds` webhook: rev_reg_id and cred_rev_id
    wait_until_issued()  await done (the wallet stored it) or abandoned, instead of polling
    resume()             at start-up: re-arm the deadline of every exchange left unfinished in the store
    adopt()              now and then, with several instances: arm those that another instance made

Our records hold ids and states only: the attribute values go to the agent and nowhere else. A webhook
may come before its record is saved (the agent is fast): `issue()` then applies the events already seen.

The record is saved (`offering`) before the offer is sent, and the offer's comment names it
(`OFFER_MARK`), so an offer whose answer was lost (the agent failed while answering, or this instance
died) is never a credential the hospital does not know: as soon as the agent answers again
(`RECONCILE_AFTER`, then at every look until its deadline) the record is found among the exchanges on
the patient's connection and follows it, or, if the offer never got there, ends abandoned saying so.
A request that names an `Idempotency-Key` is one issuance however often it is sent: a retry gets the
record the first try made (the same key with another request is a 422).

Every exchange has a deadline (`MEDCRED_ISSUER_ISSUANCE_TIMEOUT`, from its offer; a restart re-arms it
with the time left). An exchange still unfinished then (the wallet never answered, or never confirmed)
ends `abandoned` with the reason, and the agent is told: a credential already issued is revoked, the
wallet gets a problem report, and the agent's exchange record is deleted, so a late credential request
finds nothing to answer. A final record never moves again: a webhook that shows the agent going on with
an abandoned exchange only repeats that ending on the agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol

from agents.admin import AdminClient
from agents.admin_transport import segment
from agents.audit import NO_AUDIT, AuditRecorder
from agents.events import EventWaiter, WebhookEvent
from agents.timers import Timers
from issuer.attributes import allergy_attributes, health_id_attributes, vaccination_attributes
from issuer.issued import IssuedCredentials
from issuer.models import CredentialRequest, FhirCredentialRequest
from issuer.onboarding import IssuerIdentity
from issuer.patients import PatientService
from issuer.registry import CredentialRecord, CredentialState, IssuerRegistry, PatientRecord, now
from medcred.credentials import CredentialType
from medcred.errors import (
    AgentError,
    AgentRejectedError,
    AgentUnavailableError,
    ConflictError,
    MedcredError,
    NotFoundError,
    TimeoutError_,
    UnprocessableError,
)

__all__ = ["EXCHANGE_TOPIC", "MAX_CONNECTION_WAIT", "REVOCATION_IDS_TOPIC", "IssuanceService"]

# ACA-Py answers a 400 with this when its read of our own schema from the ledger failed (it logs the
# resolution error and goes on without the attribute names): a validator down or a slow read, not bad input.
SCHEMA_UNREAD = "Could not determine schema attributes"
SCHEMA_UNREAD_MESSAGE = "the issuer's agent could not read the credential's schema from the ledger just now; " \
    "try again in {} s"

log = logging.getLogger(__name__)

EXCHANGE_TOPIC = "issue_credential_v2_0"
REVOCATION_IDS_TOPIC = "issue_credential_v2_0_anoncreds"
# "credential-issued" is not final: only "done" (after the wallet's ack) means the patient holds it.
FINAL_STATES = frozenset({"done", "abandoned"})
MAX_CONNECTION_WAIT = 30.0  # the longest `wait_connection` a caller may ask for, in seconds
# Also when the patient did accept but its DID Exchange never completed (an agent died meanwhile: the
# message in flight is lost, and neither side resends it): a new invitation is the way on.
NOT_CONNECTED = ("the patient has no completed connection to the hospital (no invitation accepted, or its "
                 "connection was interrupted before it completed): send a new invitation, or, while the "
                 "patient's wallet is still connecting, ask again with ?wait_connection=<seconds> (at most "
                 f"{MAX_CONNECTION_WAIT:g}) to wait for it; GET /patients/{{patient_ref}} says whether it is connected")
# What the agent posts when an exchange goes on: after we abandoned it, each is a reason to end it there.
GOING_ON = frozenset({"request-received", "credential-issued", "done"})
OFFER_MARK = "medcred credential "  # + credential_id: an offer's comment, which names its record
RECONCILE_AFTER = 5.0  # seconds after a failed offer before the agent is asked what became of it
NEVER_OFFERED = ("the offer did not reach the patient's wallet (the hospital's agent failed while it was being "
                 "sent): issue it again")
KEY_REUSED = "this Idempotency-Key was sent before with another request: use a new key for a new issuance"
KEY_IN_FLIGHT = "an issuance with this Idempotency-Key is being offered right now: ask again in a moment"
STALE_CLAIM = 5.0  # s: a key claimed this long ago with no record saved was left by an instance that died

class Revoker(Protocol):
    async def revoke(self, credential_id: str) -> object: ...


class IssuanceService:
    def __init__(
        self,
        admin: AdminClient,
        events: EventWaiter,
        registry: IssuerRegistry,
        issued: IssuedCredentials,
        patients: PatientService,
        identity: Callable[[], IssuerIdentity],
        audit: AuditRecorder = NO_AUDIT,
        *,
        timeout: float = 120.0,
        revocation: Revoker | None = None,
        clock: Callable[[], datetime] = now,
    ) -> None:
        """`timeout`: seconds an exchange may stay unfinished; `revocation` (the `RevocationService`) revokes
        a credential that was issued to an exchange that then ran out of time."""
        self.admin = admin
        self.events = events
        self.registry = registry
        self.issued = issued
        self.patients = patients
        self.identity = identity
        self.audit = audit
        self.timeout = timeout
        self.timers = Timers()
        self._revocation = revocation
        self._clock = clock

    def require(self, credential_id: str) -> CredentialRecord:
        return self.issued.require(credential_id)

    def credentials(self, patient_ref: str | None = None) -> list[CredentialRecord]:
        """Every credential, or those of one patient (404 if there is no such patient)."""
        if patient_ref is not None:
            self.patients.require(patient_ref)
        return self.registry.credentials(patient_ref)

    async def issue(self, patient_ref: str, request: CredentialRequest, wait_connection: float = 0,
                    idempotency_key: str | None = None) -> CredentialRecord:  # fmt: skip
        """Offer the patient a credential (auto-issued when their wallet requests it): 404, 422, 409.

        With `wait_connection`, a patient whose wallet is still connecting is waited for that long. With
        `idempotency_key`, a request sent again gets the record the first one made.
        """
        patient = self.patients.require(patient_ref)
        kind, attributes = _attributes(patient, request)
        if patient.connection_id is None and wait_connection > 0:
            patient = await self.patients.wait_connected(patient_ref, wait_connection)
        if patient.connection_id is None:
            raise ConflictError(NOT_CONNECTED)
        cred_def_id = self.identity().credential_definitions[kind]
        record = CredentialRecord(
            credential_id=str(uuid.uuid4()), patient_ref=patient_ref, type=kind, cred_ex_id=None,
            state=CredentialState.OFFERING, connection_id=patient.connection_id, created_at=now(),
        )  # fmt: skip
        # The record is saved before the offer: an offer is never made unrecorded.
        if idempotency_key is None:
            self.registry.save_credential(record)
        else:
            record, ours = self._claim_key(record, idempotency_key, _digest(kind, cred_def_id, attributes))
            if not ours:
                return record
            if not self.registry.insert_credential(record):  # a request sent again took the claim over first
                return self.require(record.credential_id)
        try:
            exchange = await self.admin.issue_credential_send_offer(
                patient.connection_id, cred_def_id, attributes, comment=f"{OFFER_MARK}{record.credential_id}"
            )
        except AgentRejectedError as exc:  # the agent refused it: nothing was made
            self._forget(record, idempotency_key)
            if exc.agent_status == 403:  # ACA-Py: "Connection ... not ready"
                raise ConflictError("the patient's connection is not ready; send a new invitation") from exc
            if SCHEMA_UNREAD in str(exc):
                raise AgentUnavailableError(SCHEMA_UNREAD_MESSAGE.format(self.admin.retry_after),
                                            self.admin.retry_after) from exc  # fmt: skip
            raise
        except MedcredError:  # the agent may have made the exchange before it failed: ask it once it is back
            self._schedule(record)
            raise
        cred_ex_id = exchange.get("cred_ex_id")
        if not isinstance(cred_ex_id, str):
            self._schedule(record)
            raise AgentError("the agent sent an offer but answered without its cred_ex_id")
        return self._offered(record, cred_ex_id)

    def _claim_key(self, record: CredentialRecord, key: str, digest: str) -> tuple[CredentialRecord, bool]:
        """(the record to offer, True) if this request offers it: `record` if `key` is new (claimed now), or
        the record the key's first request claimed but never saved (its instance died between the two
        writes, more than STALE_CLAIM s ago). Else (the record the key named first, False): 422 if the key
        named another request, 409 while that record is not saved yet (an instance is between the writes).
        Whoever offers then saves the record with `insert`: of two requests taking one claim over, one wins."""
        claim = self.registry.claim_issue_key(record.patient_ref, key, record.credential_id, digest,
                                              self._clock().timestamp())  # fmt: skip
        if claim.new:
            return record, True
        if claim.digest != digest:
            raise UnprocessableError(KEY_REUSED)
        earlier = self.registry.credential(claim.credential_id)
        if earlier is not None:
            log.info("credential %s asked for again with its Idempotency-Key", earlier.credential_id)
            return earlier, False
        if self._clock().timestamp() - claim.claimed_at < STALE_CLAIM:
            raise ConflictError(KEY_IN_FLIGHT)
        log.info("credential %s: its Idempotency-Key's first request never saved it; offered now", claim.credential_id)
        return record.model_copy(update={"credential_id": claim.credential_id}), True

    def _forget(self, record: CredentialRecord, key: str | None) -> None:
        self.registry.forget_credential(record)
        if key is not None:
            self.registry.release_issue_key(record.patient_ref, key)

    def _offered(self, record: CredentialRecord, cred_ex_id: str) -> CredentialRecord:
        """The agent made the exchange `cred_ex_id` for `record`: recorded, audited, followed to its deadline."""
        current = self.registry.credential(record.credential_id) or record
        if current.cred_ex_id is None:
            state = CredentialState.OFFER_SENT if current.state is CredentialState.OFFERING else current.state
            current = current.model_copy(update={"cred_ex_id": cred_ex_id, "state": state})
            self.registry.save_credential(current)
            self.audit.record("credential.offered", subject=record.patient_ref, credential_id=record.credential_id,
                              type=record.type)  # fmt: skip
            log.info("offered %s credential %s (cred_ex_id %s)", record.type, record.credential_id, cred_ex_id)
        for topic in (EXCHANGE_TOPIC, REVOCATION_IDS_TOPIC):  # events that came before the record
            seen = self.events.latest(topic, "cred_ex_id", cred_ex_id)
            if seen is not None:
                self._apply(seen.payload)
        current = self.require(record.credential_id)
        if not current.state.final:
            self._schedule(current)
        return current

    async def on_exchange(self, event: WebhookEvent) -> None:
        record = self._apply(event.payload)
        if record is not None and record.state is CredentialState.ABANDONED and event.state in GOING_ON:
            # We ended it (its deadline passed) but the agent went on, e.g. it was down when told.
            log.warning("exchange %s of abandoned credential %s is %s on the agent: ending it there again",
                        record.cred_ex_id, record.credential_id, event.state)  # fmt: skip
            if event.state != "request-received" and record.issued_at is None:
                record = record.model_copy(update={"issued_at": now()})  # issued after all: revoke it
                self.registry.save_credential(record)
            await self._end_on_agent(record)

    async def on_revocation_ids(self, event: WebhookEvent) -> None:
        self._apply(event.payload)

    def _apply(self, payload: dict[str, Any]) -> CredentialRecord | None:
        """Fold one exchange or anoncreds-detail payload into our record (idempotent; never a step back);
        the record after it, or None if the exchange is none of ours."""
        cred_ex_id = payload.get("cred_ex_id")
        record = self.registry.credential_by_exchange(cred_ex_id) if isinstance(cred_ex_id, str) else None
        if record is None:
            return None
        record = self.issued.note_revocation_ids(record, payload)
        reason = payload.get("error_msg")
        moved = record.moved_to(payload.get("state"), reason if isinstance(reason, str) else None)
        if moved is None:
            return record
        return moved if self._save_move(moved) else self.registry.credential(record.credential_id)

    def _save_move(self, moved: CredentialRecord) -> bool:
        """Save a move; an ending only if this instance takes its claim (False: another one ended it)."""
        if not moved.state.final:
            self.registry.save_credential(moved)
        elif self.registry.endings.claim(moved.credential_id, moved.state, moved.model_dump(mode="json"),
                                         self._clock().timestamp()):  # fmt: skip
            self._record_ending(moved)
        else:
            log.info("credential %s was ended by another instance", moved.credential_id)
            self.timers.cancel(moved.credential_id)
            return False
        log.info("credential %s (cred_ex_id %s) is %s", moved.credential_id, moved.cred_ex_id, moved.state)
        return True

    def _record_ending(self, ended: CredentialRecord) -> None:
        """Save a claimed ending and audit it; then its claim says so. An instance killed between its claim
        and here leaves it to `repair_endings`."""
        self.registry.save_credential(ended)
        self.timers.cancel(ended.credential_id)
        event = "credential.issued" if ended.state is CredentialState.DONE else "credential.abandoned"
        self.audit.record(event, subject=ended.patient_ref, credential_id=ended.credential_id, type=ended.type)
        self.registry.endings.recorded(ended.credential_id, ended.state)

    async def repair_endings(self) -> None:
        """Record the endings whose instance died between claiming and recording them (`medcred.endings`),
        on the record as it is now (revocation ids may have come since); an abandoned one is then ended on
        the agent too, as its instance would have."""
        for credential_id, ending in self.registry.endings.orphans(self._clock().timestamp()):
            claimed = CredentialRecord.model_validate(ending)
            current = self.registry.credential(credential_id) or claimed
            ended = current if current.state.final else current.model_copy(update={
                "state": claimed.state, "reason": claimed.reason, "issued_at": current.issued_at or claimed.issued_at,
            })  # fmt: skip
            log.warning("credential %s: its %s ending was claimed by an instance that died before recording it; "
                        "recorded now", credential_id, ended.state)  # fmt: skip
            self._record_ending(ended)
            if ended.state is CredentialState.ABANDONED:
                await self._end_on_agent(ended)

    async def wait_until_issued(self, credential_id: str, timeout: float) -> CredentialRecord:
        """The record once issued (or abandoned); `TimeoutError_` if neither happens within `timeout` s."""
        record = self.require(credential_id)
        loop = asyncio.get_running_loop()
        until = loop.time() + timeout
        while record.cred_ex_id is None and not record.state.final and loop.time() < until:
            # An offer whose answer was lost: its record learns its exchange (or ends) when the agent is asked.
            with contextlib.suppress(TimeoutError_):
                await self.events.wait_for(EXCHANGE_TOPIC, "credential_id", credential_id, states=FINAL_STATES,
                                           timeout=min(1.0, until - loop.time()))  # fmt: skip
            record = self.require(credential_id)
        if record.state.issued or record.state is CredentialState.ABANDONED:
            return await self.with_revocation_ids(record)
        if record.cred_ex_id is None:
            raise TimeoutError_(f"credential {credential_id} not issued within {timeout:g} s (state {record.state})")
        while True:
            try:
                payload = await self.events.wait_for(
                    EXCHANGE_TOPIC, "cred_ex_id", record.cred_ex_id, states=FINAL_STATES,
                    timeout=max(0.0, min(1.0, until - loop.time())),
                )  # fmt: skip
            except TimeoutError_:
                # Ended with no webhook here (its deadline asked the agent, or another instance ended it)? Only
                # an ending counts, as for the webhook: `credential-issued` comes before the revocation ids.
                record = self.require(credential_id)
                if record.state.final:
                    return await self.with_revocation_ids(record)
                if loop.time() >= until:
                    raise TimeoutError_(
                        f"credential {credential_id} not issued within {timeout:g} s (state {record.state})"
                    ) from None
                continue
            self._apply(payload)
            return await self.with_revocation_ids(self.require(credential_id))

    async def view(self, credential_id: str, wait: float | None = None) -> CredentialRecord:
        """The record now, or after waiting up to `wait` seconds for the issuance to end."""
        if wait:
            try:
                return await self.wait_until_issued(credential_id, wait)
            except TimeoutError_:
                pass
        return self.require(credential_id)

    async def with_revocation_ids(self, record: CredentialRecord) -> CredentialRecord:
        return await self.issued.with_revocation_ids(record)

    async def resume(self) -> None:
        """Arm the deadline of every exchange the store holds unfinished (at start-up), with the time left:
        one whose deadline passed while the controller was down ends at once. Record the endings an instance
        claimed and died before recording."""
        await self.repair_endings()
        unfinished = self.registry.unfinished()
        for record in unfinished:
            self._schedule(record)
        if unfinished:
            log.info("%d unfinished issuance(s) resumed with their deadlines", len(unfinished))

    async def adopt(self) -> None:
        """Arm the deadline of every unfinished exchange this instance has no timer for (another instance
        made it); whichever instance's timer fires first takes its ending (`IssuerRegistry.endings`). Record
        the endings an instance claimed and died before recording."""
        await self.repair_endings()
        adopted = [record for record in self.registry.unfinished() if record.credential_id not in self.timers]
        for record in adopted:
            self._schedule(record)
        if adopted:
            log.info("%d unfinished issuance(s) of another instance armed here too", len(adopted))

    async def close(self) -> None:
        """Cancel the deadlines (at shutdown); the exchanges stay unfinished in the store until `resume()`."""
        await self.timers.close()

    def _schedule(self, record: CredentialRecord) -> None:
        """Its deadline; for an offer whose answer was lost, its reconciliation first (soon)."""
        left = (record.created_at - self._clock()).total_seconds() + self.timeout
        self.timers.start(record.credential_id, min(left, RECONCILE_AFTER) if record.cred_ex_id is None else left,
                          self._expire)  # fmt: skip

    async def _expire(self, credential_id: str) -> None:
        """A record's timer: an offer whose answer was lost is found on the agent (or ends, never offered);
        at the deadline, an exchange still unfinished on the agent too ends abandoned, here first, then there."""
        record = self.registry.credential(credential_id)
        if record is None or record.state.final:
            return
        left = (record.created_at - self._clock()).total_seconds() + self.timeout
        if record.cred_ex_id is None:
            record = await self._reconcile(record, left)
            if record is None or record.state.final or left > 0:
                return
        elif left > 0:  # armed early (a reconciliation that found its exchange): the deadline is later
            self._schedule(record)
            return
        record = await self._as_on_agent(record)
        if record.state.final:
            return
        reason = (f"the patient's wallet did not complete the issuance within {self.timeout:g} s "
                  f"(it stopped at {record.state})")  # fmt: skip
        abandoned = record.model_copy(update={"state": CredentialState.ABANDONED, "reason": reason})
        if not self._save_move(abandoned):  # saved before any await: a webhook meanwhile finds it final
            return
        await self._end_on_agent(abandoned)
        self._announce(abandoned)

    def _announce(self, record: CredentialRecord) -> None:
        """Our own ending, fed like the agent's, so `wait_until_issued` callers return (the agent may be down)."""
        self.events.announce(WebhookEvent(EXCHANGE_TOPIC, {"cred_ex_id": record.cred_ex_id, "state": record.state,
                                                           "credential_id": record.credential_id}))  # fmt: skip

    async def _reconcile(self, record: CredentialRecord, left: float) -> CredentialRecord | None:
        """An offering record: its exchange, found by the offer's comment among those on its connection,
        becomes its own; none there and the agent answering, it ends abandoned (never offered). The agent
        not answering, it is asked again later (the deadline's ending waits for an answer)."""
        try:
            exchanges = await self.admin.issue_credential_records(record.connection_id or "")
        except MedcredError as exc:
            log.info("could not ask the agent what became of offer %s (%s): asking again in %g s",
                     record.credential_id, type(exc).__name__, RECONCILE_AFTER)  # fmt: skip
            self.timers.start(record.credential_id, RECONCILE_AFTER, self._expire)
            return None
        mark = f"{OFFER_MARK}{record.credential_id}"
        for entry in exchanges:
            exchange = entry.get("cred_ex_record") if isinstance(entry, dict) else None
            if not isinstance(exchange, dict) or not isinstance(cred_ex_id := exchange.get("cred_ex_id"), str):
                continue
            offer = exchange.get("cred_offer")
            if isinstance(offer, dict) and offer.get("comment") == mark:
                log.info("offer %s found on the agent as exchange %s", record.credential_id, cred_ex_id)
                self._offered(record, cred_ex_id)
                self._apply(exchange)
                current = self.require(record.credential_id)
                if not current.state.final and left > 0:
                    self._schedule(current)
                return current
        abandoned = record.model_copy(update={"state": CredentialState.ABANDONED, "reason": NEVER_OFFERED})
        if self._save_move(abandoned):
            self._announce(abandoned)
        return self.require(record.credential_id)

    async def _as_on_agent(self, record: CredentialRecord) -> CredentialRecord:
        """The record with the agent's own state of its exchange folded in (a webhook may have been lost);
        as it was if the agent cannot say."""
        if record.cred_ex_id is None:
            return record
        try:
            exchange = (await self.admin.issue_credential_record(record.cred_ex_id)).get("cred_ex_record")
        except MedcredError:
            return record
        if isinstance(exchange, dict) and isinstance(exchange.get("state"), str):
            return self._apply({**exchange, "cred_ex_id": record.cred_ex_id}) or record
        return record

    async def _end_on_agent(self, record: CredentialRecord) -> None:
        """Revoke what was issued, report the problem to the wallet, delete the agent's exchange record.
        Each step that fails is logged: our record is abandoned whatever the agent answers."""
        if record.issued_at is not None and not record.revoked and self._revocation is not None:
            try:
                await self._revocation.revoke(record.credential_id)
            except MedcredError as exc:
                log.warning("could not revoke abandoned credential %s: %s", record.credential_id, type(exc).__name__)
        if record.cred_ex_id is None:
            return  # never offered: the agent has nothing of it
        path = f"/issue-credential-2.0/records/{segment(record.cred_ex_id)}"
        for method, step, body in (("POST", "/problem-report", {"description": record.reason}),
                                   ("DELETE", "", None)):  # fmt: skip
            try:
                await self.admin.request(method, path + step, json=body)
            except NotFoundError:
                return  # the agent has no such exchange (any more): nothing left to answer a late request
            except MedcredError as exc:
                log.warning("could not end exchange %s on the agent (%s %s): %s", record.cred_ex_id, method,
                            step or "record", type(exc).__name__)  # fmt: skip


def _attributes(patient: PatientRecord, request: CredentialRequest) -> tuple[CredentialType, dict[str, str]]:
    facts = patient.facts()
    if isinstance(request, FhirCredentialRequest):
        if request.type == "vaccination":
            return CredentialType.VACCINATION, vaccination_attributes(request.fhir, facts)
        return CredentialType.ALLERGY, allergy_attributes(request.fhir, facts)
    return CredentialType.HEALTH_ID, health_id_attributes(facts, request.expiry, today=date.today())


def _digest(kind: CredentialType, cred_def_id: str, attributes: dict[str, str]) -> str:
    """What a request asked, as a digest (never the values): the same Idempotency-Key must ask the same."""
    return hashlib.sha256(json.dumps([kind, cred_def_id, attributes], sort_keys=True).encode()).hexdigest()

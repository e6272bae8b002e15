"""The verification flows: ask with a template, record the first answer, end what nobody answers.

    create(template)   create-request (anoncreds, auto-verify) -> P; an OOB invitation carrying P, no handshake,
                       answered with its URL and that URL as a QR code (SVG)
    on_presentation()  the `present_proof_v2_0` webhook handler: P `done` / `abandoned` -> the result
    get(id, wait)      the verification; if asked, awaits (no polling) its leaving `pending`
    start(public_did)  at start-up: the DID invitations name, and the timers of what is still pending

A verification takes only its first result: an invitation without a handshake can be answered again,
reopening P. P is created with `auto_remove`: once `done`, the agent deletes it itself after its ack,
and the result comes from the `done` webhook (the agent runs with `--debug-webhooks`, so the webhook
carries the presentation; without it, P is read back). Any other ending (abandoned, timed out) deletes
P here. So the agent keeps no presentation and a late answer finds nothing to reopen. ACA-Py keeps
the out-of-band record of an invitation that carries a request for good: once P is deleted (its
`deleted` webhook, which the agent sends only after it has routed its ack, the one message that still
needs the record), the invitation is deleted too, so the agent's wallet does not grow with each
verification. Each pending verification has a timer, and reads check expiry too, so one left pending
across a restart still ends as timed out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from agents.admin import AdminClient
from agents.admin_transport import segment
from agents.audit import NO_AUDIT, AuditRecorder
from agents.events import EventWaiter, WebhookEvent
from agents.timers import Timers
from medcred.errors import AgentError, MedcredError, NotFoundError, TimeoutError_
from medcred.qr import qr_svg
from verifier.models import Party, Verification, VerificationCreated, VerificationState
from verifier.records import VerificationRecords
from verifier.results import Outcome, abandoned_outcome, presentation_outcome
from verifier.templates import get_template

__all__ = ["HANDLED_STATES", "PROOF_TOPIC", "RESULT_TOPIC", "VerificationService"]

log = logging.getLogger(__name__)

# The present_proof_v2_0 states `on_presentation` acts on: the agent posts no other (verifier/agent.py).
PROOF_TOPIC = "present_proof_v2_0"
HANDLED_STATES = ("done", "abandoned", "deleted")
RESULT_TOPIC = "medcred_verification"  # our own event, fed to the EventWaiter when a verification ends
FINAL_STATES = frozenset(state for state in VerificationState if state is not VerificationState.PENDING)


def utcnow() -> datetime:
    return datetime.now(UTC)


class VerificationService:
    def __init__(
        self,
        admin: AdminClient,
        events: EventWaiter,
        records: VerificationRecords,
        *,
        labels: Mapping[Party, str],
        issuer_did: str | None,
        request_timeout: float,
        clock: Callable[[], datetime] = utcnow,
        audit: AuditRecorder = NO_AUDIT,
    ) -> None:
        self._admin, self._events, self._records, self._audit = admin, events, records, audit
        """`labels`: the name each party (clinic, insurer) asks under, the label of its templates' invitations."""
        self._labels, self._issuer_did, self._timeout, self._clock = dict(labels), issuer_did, request_timeout, clock
        self._public_did: str | None = None  # known at start-up (`start`); invitations then carry it
        self.timers = Timers()
        self._locks: dict[str, asyncio.Lock] = {}

    async def create(self, template_name: str) -> VerificationCreated:
        template = get_template(template_name)
        asked_by = self._labels[template.party]
        now = self._clock()
        request = template.presentation_request(self._issuer_did, now, asked_by)
        exchange = await self._admin.present_proof_create_request(
            request, auto_verify=True, auto_remove=True, comment=template.name
        )
        pres_ex_id = exchange.get("pres_ex_id")
        if not isinstance(pres_ex_id, str) or not pres_ex_id:
            raise AgentError("the agent created a proof request without a pres_ex_id")
        try:
            invitation = await self._admin.create_oob_invitation(
                my_label=asked_by, handshake=False, attachments=[{"id": pres_ex_id, "type": "present-proof"}],
                use_public_did=self.public_did is not None, goal_code="aries.vc.verify", goal=template.title,
            )  # fmt: skip
            url = invitation.get("invitation_url")
            if not isinstance(url, str) or not url:
                raise AgentError("the agent created an invitation without its URL")
        except MedcredError:
            await self._delete_agent_record(pres_ex_id)
            raise
        invitation_id = invitation.get("invi_msg_id")
        verification = Verification(
            verification_id=str(uuid4()), template=template.name, pres_ex_id=pres_ex_id,
            invitation_id=invitation_id if isinstance(invitation_id, str) and invitation_id else None,
            invitation_url=url, created_at=now, expires_at=now + timedelta(seconds=self._timeout),
            predicates=template.proves,
        )  # fmt: skip
        self._records.add(verification)
        self._audit.record("proof.requested", subject=verification.verification_id, template=template.name,
                           predicates=list(template.proves))
        self._schedule(verification)
        log.info("verification %s created (%s, pres_ex %s)", verification.verification_id, template.name, pres_ex_id)
        return VerificationCreated(
            verification_id=verification.verification_id, invitation_url=url,
            qr_svg=await asyncio.to_thread(qr_svg, url), template=template.name, asked_by=asked_by,
            expires_at=verification.expires_at,
        )  # fmt: skip

    async def get(self, verification_id: str, wait: float = 0.0) -> Verification:
        verification = await self._current(verification_id)
        if verification.pending and wait > 0:
            remaining = (verification.expires_at - self._clock()).total_seconds()
            with contextlib.suppress(TimeoutError_):
                await self._events.wait_for(
                    RESULT_TOPIC, "verification_id", verification_id, states=FINAL_STATES,
                    timeout=max(0.0, min(wait, remaining)),
                )  # fmt: skip
            verification = await self._current(verification_id)
        return verification

    async def on_presentation(self, event: WebhookEvent) -> None:
        """Handle a `present_proof_v2_0` webhook: the first `done` or `abandoned` ends the verification;
        `deleted` (P is gone from the agent) lets its invitation go too."""
        pres_ex_id = event.payload.get("pres_ex_id")
        if event.state not in HANDLED_STATES or not isinstance(pres_ex_id, str):
            return
        known = self._records.for_pres_ex(pres_ex_id)
        if known is None:
            log.debug("%s for pres_ex %s, which is no verification of ours", event.state, pres_ex_id)
            return
        if event.state == "deleted":
            if known.invitation_id is not None:
                await self._delete_invitation(known.invitation_id)
            return
        async with self._lock(known.verification_id):
            verification = self._records.get(known.verification_id) or known
            if not verification.pending:
                log.info("verification %s is already %s: ignoring a later %s", known.verification_id,
                         verification.state, event.state)  # fmt: skip
                await self._delete_agent_record(pres_ex_id)
            elif self._clock() >= verification.expires_at:
                await self._finish(verification, self._timed_out(verification))
            elif (outcome := await self._outcome(verification, event)) is not None:
                # A `done` record is auto-removed by the agent; any other is ours to delete.
                await self._finish(verification, outcome, delete_agent_record=event.state != "done")

    def recent(self, limit: int = 50) -> list[Verification]:
        return self._records.recent(limit)

    @property
    def public_did(self) -> str | None:
        """The verifier's public DID (its nym), which its invitations name; None before `start`."""
        return self._public_did

    async def start(self, public_did: str | None) -> None:
        """At start-up: take the verifier's public DID for its invitations, and `resume`."""
        self._public_did = public_did
        await self.resume()

    async def resume(self) -> None:
        """At start-up: start the timers of the verifications still pending in the store, and end at once
        those whose exchange ended while no one listened (a webhook lost while this controller was down)."""
        self.repair_endings()
        pending = self._records.pending()
        for verification in pending:
            self._schedule(verification)
        for verification in pending:
            try:
                record = await self._admin.present_proof_record(verification.pres_ex_id)
            except MedcredError as exc:  # gone (nothing to learn) or the agent unreachable: the timer decides
                log.info("pending verification %s: pres_ex %s not read at start (%s)",
                         verification.verification_id, verification.pres_ex_id, type(exc).__name__)  # fmt: skip
                continue
            if record.get("state") in ("abandoned", "done"):
                await self.on_presentation(WebhookEvent(PROOF_TOPIC, record))

    async def adopt(self) -> None:
        """Arm the expiry of every pending verification this instance has no timer for (another instance
        made it, and may have died); whichever timer fires first takes its ending. Finish the endings an
        instance claimed and died before recording."""
        self.repair_endings()
        for verification in self._records.pending():
            if verification.verification_id not in self.timers:
                self._schedule(verification)

    async def close(self) -> None:
        """Cancel every timer (at shutdown); the verifications stay pending in the store."""
        await self.timers.close()

    # -- internals ---------------------------------------------------------------------------------

    async def _current(self, verification_id: str) -> Verification:
        verification = self._records.get(verification_id)
        if verification is None:
            raise NotFoundError(f"no verification {verification_id[:64]!r}")
        if verification.pending and self._clock() >= verification.expires_at:
            verification = await self._time_out(verification_id)
        return verification

    async def _outcome(self, verification: Verification, event: WebhookEvent) -> Outcome | None:
        if event.state == "abandoned":
            return abandoned_outcome(event.payload.get("error_msg"))
        if _carries_presentation(event.payload):  # --debug-webhooks: the record itself
            return presentation_outcome(get_template(verification.template), event.payload)
        try:  # a webhook without the presentation: read the record from the agent
            record = await self._admin.present_proof_record(verification.pres_ex_id)
        except MedcredError as exc:
            log.warning("could not read pres_ex %s: %s", verification.pres_ex_id, type(exc).__name__)
            return Outcome(VerificationState.FAILED, "the presentation could not be read from the agent")
        if record.get("state") != "done":  # reopened by another answer since: wait for its own `done`
            log.info("pres_ex %s is %s again: waiting for its result", verification.pres_ex_id, record.get("state"))
            return None
        return presentation_outcome(get_template(verification.template), record)

    def _timed_out(self, verification: Verification) -> Outcome:
        seconds = (verification.expires_at - verification.created_at).total_seconds()
        return Outcome(VerificationState.TIMED_OUT, f"timed out: the patient did not answer within {seconds:g} s")

    async def _time_out(self, verification_id: str) -> Verification:
        async with self._lock(verification_id):
            verification = self._records.get(verification_id)
            if verification is None:
                raise NotFoundError(f"no verification {verification_id[:64]!r}")
            if not verification.pending:
                return verification
            return await self._finish(verification, self._timed_out(verification))

    async def _finish(
        self, verification: Verification, outcome: Outcome, *, delete_agent_record: bool = True
    ) -> Verification:
        """Record the result (the caller holds the lock and saw it pending), then drop the agent's record.

        The lock is this instance's; the ending's claim in the store makes it the only one across instances
        (another's webhook or timer may end it at the same moment): who loses the claim records nothing."""
        done = verification.model_copy(update={
            "state": outcome.state, "verified": outcome.verified, "reason": outcome.reason,
            "revealed": dict(outcome.revealed), "completed_at": self._clock(), "issuer_did": outcome.issuer_did,
        })  # fmt: skip
        if not self._records.endings.claim(done.verification_id, done.state, done.model_dump(mode="json"),
                                           self._clock().timestamp()):
            log.info("verification %s was ended by another instance", verification.verification_id)
            self.timers.cancel(verification.verification_id)
            return self._records.get(verification.verification_id) or verification
        self._record_ending(done)
        log.info("verification %s %s (pres_ex %s)", done.verification_id, done.state, done.pres_ex_id)
        self._events.announce(WebhookEvent(RESULT_TOPIC, {"verification_id": done.verification_id,
                                                          "state": done.state}))  # fmt: skip
        self.timers.cancel(done.verification_id)
        self._locks.pop(done.verification_id, None)
        if delete_agent_record:
            await self._delete_agent_record(done.pres_ex_id)
        return done

    def _record_ending(self, done: Verification) -> None:
        """Save a claimed ending and audit it (names of what was received, never the values); then its claim
        says so. An instance killed between its claim and here leaves it to `repair_endings`."""
        self._records.save(done)
        self._audit.record(f"proof.{done.state}", subject=done.verification_id, template=done.template,
                           revealed=sorted(done.revealed), predicates=list(done.predicates) if done.verified else [],
                           reason=done.reason)  # fmt: skip
        self._records.endings.recorded(done.verification_id, done.state)

    def repair_endings(self) -> None:
        """Record the endings whose instance died between claiming and recording them (`medcred.endings`)."""
        for _, ending in self._records.endings.orphans(self._clock().timestamp()):
            done = Verification.model_validate(ending)
            log.warning("verification %s: its %s ending was claimed by an instance that died before recording "
                        "it; recorded now", done.verification_id, done.state)  # fmt: skip
            self._record_ending(done)

    async def _delete_agent_record(self, pres_ex_id: str) -> None:
        path = f"/present-proof-2.0/records/{segment(pres_ex_id)}"
        await _delete_on_agent(f"record of pres_ex {pres_ex_id}", lambda: self._admin.request("DELETE", path))

    async def _delete_invitation(self, invitation_id: str) -> None:
        await _delete_on_agent(f"invitation {invitation_id}", lambda: self._admin.delete_oob_invitation(invitation_id))

    def _lock(self, verification_id: str) -> asyncio.Lock:
        return self._locks.setdefault(verification_id, asyncio.Lock())

    def _schedule(self, verification: Verification) -> None:
        delay = (verification.expires_at - self._clock()).total_seconds()
        self.timers.start(verification.verification_id, delay, self._time_out)


async def _delete_on_agent(what: str, delete: Callable[[], Awaitable[object]]) -> None:
    """Delete something of ours from the agent: already gone is fine, another failure is logged."""
    try:
        await delete()
    except NotFoundError:
        pass
    except MedcredError as exc:
        log.warning("could not delete the agent's %s: %s", what, type(exc).__name__)


def _carries_presentation(payload: Mapping[str, Any]) -> bool:
    """Whether a `done` webhook holds the whole record (the agent runs with `--debug-webhooks`)."""
    by_format = payload.get("by_format")
    return isinstance(by_format, dict) and isinstance(by_format.get("pres"), dict) and "verified" in payload

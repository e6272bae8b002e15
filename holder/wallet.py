"""A patient's wallet: accepting invitations (a hospital's, or a verifier's QR code) and their credentials.

An invitation is received by the patient's own sub-wallet (`POST /out-of-band/receive-invitation`,
auto-accepted, reusing an existing connection). When it carries a proof request, the agent turns it
into a presentation record in `request-received` shortly after answering: its id is awaited and
returned, and the inviter's label and public DID are remembered so the patient can see who asks. The
patient's consents for that DID then judge it (`ProofRequestService.judge_arrival`): declined at once,
answered, or left waiting for the patient. An invitation to connect (a handshake, nothing attached) makes
a connection and nothing more: the wallet takes a connection for the hospital's only once its DID
Exchange with the hospital's public DID has completed (`RecordsService.hospital_connection`), whatever
the invitation claims.

    wallet = WalletService(tenants, events, settings, requests, ledger)    # create_app makes it
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

from agents.connections import is_connected
from agents.events import EventWaiter
from holder import consent, invitations
from holder.context import Tenants
from holder.models import Credential, InvitationAccepted, InvitationIn, InvitationState, Patient
from holder.proof_requests import ProofRequestService
from holder.revocation import revocation_statuses
from holder.settings import HolderSettings
from ledger.client import LedgerClient
from medcred.errors import (
    AgentError,
    AgentRejectedError,
    ConflictError,
    InvalidInputError,
    MedcredError,
    TimeoutError_,
)

__all__ = ["CONNECTION_STATES", "CONNECTION_TOPIC", "CREDENTIAL_STORED", "CREDENTIAL_TOPIC", "WalletService"]

log = logging.getLogger(__name__)

# ACA-Py's out-of-band record once the wallet used its existing connection to the inviter (handshake reuse),
# accepted or not: the inviter then links nothing new to this wallet (medcred's hospital: to nobody).
REUSED = ("reuse-accepted", "reuse-not-accepted")
ALREADY_CONNECTED_REASON = (
    "this wallet was already connected to the inviter and keeps that connection; an invitation made for "
    "someone else does not connect this wallet to them (they scan it with their own wallet)"
)

CONNECTION_TOPIC = "connections"
CONNECTION_STATES = ("abandoned", "active")  # the ends of a DID Exchange, as the sub-wallet's webhooks say
# A credential stored in a sub-wallet (its exchange `done`): no flow awaits it, but the patient's open
# wallet pages are told and fetch their credentials again (holder.pages).
CREDENTIAL_TOPIC, CREDENTIAL_STORED = "issue_credential_v2_0", ("done",)


class WalletService:
    def __init__(
        self,
        tenants: Tenants,
        events: EventWaiter,
        settings: HolderSettings,
        requests: ProofRequestService,
        ledger: Callable[[], LedgerClient | None] = lambda: None,
    ) -> None:
        """`requests`: the proof requests an invitation brings are theirs to judge; `ledger()`: the holder's
        ledger client, once its audit trail started (revocation checks read the ledger through it), or None."""
        self._tenants = tenants
        self._events = events
        self._settings = settings
        self._requests = requests
        self._ledger = ledger

    async def accept_invitation(self, patient: Patient, body: InvitationIn) -> InvitationAccepted:
        invitation = invitations.invitation_from(body.invitation_url, body.invitation)
        thread_id = invitations.proof_request_thread(invitation)
        tenant = self._tenants.of(patient)
        if thread_id is not None and await tenant.present_proof_records(thread_id=thread_id, role="prover", limit=1):
            # Scanned before (a retry whose first try's answer was lost): receiving it again would give the
            # sub-wallet two records of one invitation, and the agent could then answer neither.
            record: Mapping[str, Any] = {}
        else:
            try:
                record = await tenant.receive_invitation(invitation, auto_accept=True, use_existing_connection=True)
            except AgentRejectedError as exc:
                raise InvalidInputError(f"the wallet could not use this invitation: {exc.message}") from exc
        connection_id = record.get("connection_id")
        log.info("patient %s received invitation %s (state %s, connection %s)",
                 patient.patient_id, invitation["@id"], record.get("state"), connection_id)  # fmt: skip
        # The out-of-band record's own state ("deleted" once its connection is made) is not the patient's.
        connection_id = connection_id if isinstance(connection_id, str) else None
        if thread_id is None:
            if connection_id is None:
                raise AgentError("the wallet's agent took the invitation but made no connection from it")
            if record.get("state") in REUSED:  # the inviter was this wallet's already: no new connection
                return InvitationAccepted(connection_id=connection_id, state=InvitationState.ALREADY_CONNECTED,
                                          reason=ALREADY_CONNECTED_REASON)  # fmt: skip
            if await self._connected(patient, connection_id):
                return InvitationAccepted(connection_id=connection_id, state=InvitationState.CONNECTED)
            return InvitationAccepted(connection_id=connection_id, state=InvitationState.CONNECTING,
                                      reason="the inviter has not completed the connection (yet)")  # fmt: skip
        verifier_did = invitations.verifier_did(invitation)
        label = invitations.invitation_label(invitation)
        request_id = await self._requests.arrival(patient, thread_id, label, verifier_did)
        outcome = await self._requests.judge_arrival(patient, request_id, verifier_did)
        return InvitationAccepted(
            connection_id=connection_id, proof_request_id=request_id,
            state=InvitationState(outcome.state) if outcome.state else InvitationState.REQUEST_RECEIVED,
            grant_id=outcome.grant_id, reason=outcome.reason,
        )  # fmt: skip

    async def _connected(self, patient: Patient, connection_id: str) -> bool:
        """True once the invitation's DID Exchange completed (awaited up to `proof_request_wait`); 409 with
        the inviter's reason if it refused (a used invitation, say); False while it goes on."""
        tenant = self._tenants.of(patient)
        record: Mapping[str, Any] = await tenant.get_connection(connection_id)
        if not is_connected(record) and record.get("state") != "abandoned":
            with contextlib.suppress(TimeoutError_):
                await self._events.wait_for(
                    CONNECTION_TOPIC, "connection_id", connection_id, states=CONNECTION_STATES,
                    wallet_id=patient.wallet_id, timeout=self._settings.proof_request_wait,
                )  # fmt: skip
            with contextlib.suppress(MedcredError):
                record = await tenant.get_connection(connection_id)
        if record.get("state") == "abandoned":
            reason = " ".join(str(record.get("error_msg") or "no reason given").split())[:200]
            log.info("patient %s: connection %s refused by the inviter", patient.patient_id, connection_id)
            raise ConflictError(f"the inviter refused the connection: {reason}")
        return is_connected(record)

    async def list_credentials(self, patient: Patient) -> list[Credential]:
        """The patient's credentials with their attribute values (theirs to see; never logged)."""
        tenant = self._tenants.of(patient)
        infos = [
            info for info in await tenant.credentials(count=self._settings.max_credentials)
            if isinstance(info, dict) and isinstance(info.get("referent"), str)
        ]  # fmt: skip
        statuses = await revocation_statuses(tenant, infos, self._ledger())
        return [_credential(info, statuses.get(info["referent"])) for info in infos]


def _issuer(cred_def_id: str) -> str:
    return cred_def_id.split(":", 1)[0] if ":3:" in cred_def_id else cred_def_id.split("/", 1)[0]


def _credential(info: Mapping[str, Any], revoked: bool | None) -> Credential:
    return Credential(
        credential_id=str(info["referent"]),
        type=consent.credential_type(str(info.get("schema_id", ""))),
        issuer=_issuer(str(info.get("cred_def_id", ""))),
        attributes={str(k): str(v) for k, v in (info.get("attrs") or {}).items()},
        revoked=revoked,
    )

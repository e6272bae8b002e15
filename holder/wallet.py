"""A patient's wallet: accepting invitations (a hospital's, or a verifier's QR code) and their credentials.

An invitation is received by the patient's own sub-wallet (`POST /out-of-band/receive-invitation`,
auto-accepted, reusing an existing connection). When it carries a proof request, the agent turns it
into a presentation record in `request-received` shortly after answering: its id is awaited and
returned, and the inviter's label and public DID are remembered so the patient can see who asks. The
patient's consents for that DID then judge it (`ProofRequestService.judge_arrival`): declined at once,
answered, or left waiting for the patient. An invitation to connect (a handshake, nothing attached) makes
a connection and nothing more: the wallet takes a connection for the hospital's only once its DID
Exchange with the hospital's public DID has completed (`holder.records.hospital_connection`), whatever
the invitation claims.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from agents.connections import is_connected
from holder import consent, invitations, proofs
from holder.context import HolderContext
from holder.models import Credential, InvitationAccepted, InvitationIn, Patient
from holder.proof_requests import ProofRequestService
from holder.revocation import revocation_statuses
from medcred.errors import AgentRejectedError, ConflictError, InvalidInputError, MedcredError, TimeoutError_

__all__ = ["CONNECTION_STATES", "CONNECTION_TOPIC", "accept_invitation", "list_credentials"]

log = logging.getLogger(__name__)

CONNECTION_TOPIC = "connections"
CONNECTION_STATES = ("abandoned", "active")  # the ends of a DID Exchange, as the sub-wallet's webhooks say


async def accept_invitation(
    context: HolderContext, requests: ProofRequestService, patient: Patient, body: InvitationIn
) -> InvitationAccepted:
    invitation = invitations.invitation_from(body.invitation_url, body.invitation)
    thread_id = invitations.proof_request_thread(invitation)
    try:
        record = await context.tenant(patient).receive_invitation(
            invitation, auto_accept=True, use_existing_connection=True
        )
    except AgentRejectedError as exc:
        raise InvalidInputError(f"the wallet could not use this invitation: {exc.message}") from exc
    connection_id = record.get("connection_id")
    log.info("patient %s received invitation %s (state %s, connection %s)",
             patient.patient_id, invitation["@id"], record.get("state"), connection_id)  # fmt: skip
    accepted = InvitationAccepted(
        connection_id=connection_id if isinstance(connection_id, str) else None,
        state=str(record.get("state") or "unknown"),
    )
    if thread_id is None:
        if accepted.connection_id is None:
            return accepted
        state = await _connected(context, patient, accepted.connection_id)
        reason = None if state == "active" else "the inviter has not completed the connection (yet)"
        return accepted.model_copy(update={"state": state, "reason": reason})
    verifier_did = invitations.verifier_did(invitation)
    proofs.remember_origin(context, patient, thread_id, invitations.invitation_label(invitation), verifier_did)
    request_id = await proofs.await_request(context, patient, thread_id)
    outcome = await requests.judge_arrival(patient, request_id, verifier_did)
    return accepted.model_copy(update={
        "proof_request_id": request_id, "state": outcome.state or accepted.state,
        "grant_id": outcome.grant_id, "reason": outcome.reason,
    })  # fmt: skip


async def _connected(context: HolderContext, patient: Patient, connection_id: str) -> str:
    """`active` once the invitation's DID Exchange completed (awaited up to `proof_request_wait`);
    409 with the inviter's reason if it refused (a used invitation, say); its state so far otherwise."""
    tenant = context.tenant(patient)
    record: Mapping[str, Any] = await tenant.get_connection(connection_id)
    if not is_connected(record) and record.get("state") != "abandoned":
        with contextlib.suppress(TimeoutError_):
            await context.events.wait_for(
                CONNECTION_TOPIC, "connection_id", connection_id, states=CONNECTION_STATES,
                wallet_id=patient.wallet_id, timeout=context.settings.proof_request_wait,
            )  # fmt: skip
        with contextlib.suppress(MedcredError):
            record = await tenant.get_connection(connection_id)
    if record.get("state") == "abandoned":
        reason = " ".join(str(record.get("error_msg") or "no reason given").split())[:200]
        log.info("patient %s: connection %s refused by the inviter", patient.patient_id, connection_id)
        raise ConflictError(f"the inviter refused the connection: {reason}")
    return "active" if is_connected(record) else str(record.get("state") or "unknown")


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


async def list_credentials(context: HolderContext, patient: Patient) -> list[Credential]:
    """The patient's credentials with their attribute values (theirs to see; never logged)."""
    tenant = context.tenant(patient)
    infos = [
        info for info in await tenant.credentials(count=context.settings.max_credentials)
        if isinstance(info, dict) and isinstance(info.get("referent"), str)
    ]  # fmt: skip
    statuses = await revocation_statuses(tenant, infos, context.ledger())
    return [_credential(info, statuses.get(info["referent"])) for info in infos]

"""A patient's wallet: accepting invitations (a hospital's, or a verifier's QR code) and their credentials.

An invitation is received by the patient's own sub-wallet (`POST /out-of-band/receive-invitation`,
auto-accepted, reusing an existing connection). When it carries a proof request, the agent turns it
into a presentation record in `request-received` shortly after answering: its id is awaited and
returned, and the inviter's label is remembered so the patient can see who asks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from holder import invitations, proofs
from holder.context import HolderContext
from holder.models import Credential, InvitationAccepted, InvitationIn, Patient
from holder.revocation import revocation_statuses
from medcred.credentials import SCHEMAS
from medcred.errors import AgentRejectedError, InvalidInputError

__all__ = ["accept_invitation", "list_credentials"]

log = logging.getLogger(__name__)

TYPE_BY_SCHEMA_NAME = {schema.name: str(kind) for kind, schema in SCHEMAS.items()}


async def accept_invitation(context: HolderContext, patient: Patient, body: InvitationIn) -> InvitationAccepted:
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
    request_id = None
    if thread_id is not None:
        proofs.remember_origin(context, patient, thread_id, invitations.invitation_label(invitation))
        request_id = await proofs.await_request(context, patient, thread_id)
    return InvitationAccepted(
        connection_id=connection_id if isinstance(connection_id, str) else None,
        state=str(record.get("state") or "unknown"),
        proof_request_id=request_id,
    )


def _schema_name(schema_id: str) -> str:
    parts = schema_id.split(":")  # legacy Indy: <did>:2:<name>:<version>
    if len(parts) == 4 and parts[1] == "2":
        return parts[2]
    return next((name for name in TYPE_BY_SCHEMA_NAME if name in schema_id), schema_id)


def _issuer(cred_def_id: str) -> str:
    return cred_def_id.split(":", 1)[0] if ":3:" in cred_def_id else cred_def_id.split("/", 1)[0]


def _credential(info: Mapping[str, Any], revoked: bool | None) -> Credential:
    name = _schema_name(str(info.get("schema_id", "")))
    return Credential(
        credential_id=str(info["referent"]),
        type=TYPE_BY_SCHEMA_NAME.get(name, name),
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
    statuses = await revocation_statuses(tenant, infos)
    return [_credential(info, statuses.get(info["referent"])) for info in infos]

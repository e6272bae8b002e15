"""The patient's records at the hospital and their shares, through the hospital's patient portal.

The records stay at the hospital, encrypted; the wallet lists them, shares chosen ones as a SMART
Health Link (with a QR code of it), lists and revokes those shares, and asks for a record's erasure.
Every call names the patient by their own `connection_key` only (the `invitation_msg_id` of their
wallet's connection to the hospital), so a patient reaches their own records and nobody else's.

The key is remembered when the wallet accepts a hospital's invitation (a handshake, no attached
request: `remember_hospital`); for a wallet connected before that, it is found once among the
sub-wallet's connections (the one whose `their_label` is the hospital's) and remembered. A patient
with neither is a 409 "no connection to the hospital yet".

Audit (ids only): `share.created`, `share.revoked`, `record.erase_requested`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from holder.context import HolderContext
from holder.models import Patient, RecordErased, RecordView, ShareCreated, ShareIn, ShareView
from holder.portal import HospitalError
from medcred.errors import ConflictError, MedcredError
from medcred.qr import qr_svg

__all__ = [
    "NO_CONNECTION",
    "connection_key",
    "create_share",
    "erase_record",
    "list_records",
    "list_shares",
    "remember_hospital",
    "revoke_share",
]

log = logging.getLogger(__name__)

HOSPITAL_CONNECTIONS = "hospital_connections"  # patient id -> {"connection_key", "connection_id"}
NO_CONNECTION = "no connection to the hospital yet"
_LIVE_STATES = ("active", "completed", "response", "request")


def _parsed[M: BaseModel](model: type[M], answer: Any, what: str) -> M:
    try:
        return model.model_validate(answer)
    except ValidationError as exc:
        raise HospitalError(f"the hospital answered {what} without the expected {model.__name__}") from exc


def _parsed_list[M: BaseModel](model: type[M], answer: Any, what: str) -> list[M]:
    if not isinstance(answer, list):
        raise HospitalError(f"the hospital answered {what} without a list")
    return [_parsed(model, item, what) for item in answer]


# -- the patient's key at the hospital -------------------------------------------------------------------


async def remember_hospital(
    context: HolderContext, patient: Patient, connection_id: str | None, invitation: Mapping[str, Any],
    oob_state: str | None = None,
) -> str:
    """Remember the connection a hospital's invitation made: its `invitation_msg_id` is the patient's key
    (the invitation's own id, unless the out-of-band exchange reused an older connection)."""
    key = str(invitation["@id"])
    if connection_id is not None and str(oob_state or "").startswith("reuse"):
        # An earlier connection was reused: the hospital knows the patient by that one's invitation.
        try:
            record = await context.tenant(patient).get_connection(connection_id)
        except MedcredError as exc:
            log.warning("patient %s: connection %s not readable (%s); keyed by the invitation's id",
                        patient.patient_id, connection_id, type(exc).__name__)  # fmt: skip
        else:
            key = str(record.get("invitation_msg_id") or key)
    context.store.put(HOSPITAL_CONNECTIONS, patient.patient_id, {"connection_key": key, "connection_id": connection_id})
    log.info("patient %s: hospital connection %s remembered", patient.patient_id, connection_id)
    return key


async def _discover(context: HolderContext, patient: Patient) -> str | None:
    """The key of the sub-wallet's connection labelled as the hospital (the latest live one), if any."""
    label = context.settings.hospital_label
    found = [
        connection for connection in await context.tenant(patient).connections()
        if connection.get("their_label") == label and isinstance(connection.get("invitation_msg_id"), str)
        and connection.get("state") in _LIVE_STATES
    ]  # fmt: skip
    if not found:
        return None
    latest = max(found, key=lambda connection: str(connection.get("updated_at") or connection.get("created_at") or ""))
    key = str(latest["invitation_msg_id"])
    context.store.put(HOSPITAL_CONNECTIONS, patient.patient_id,
                      {"connection_key": key, "connection_id": latest.get("connection_id")})  # fmt: skip
    log.info("patient %s: hospital connection %s found by its label", patient.patient_id, latest.get("connection_id"))
    return key


async def connection_key(context: HolderContext, patient: Patient, *, discover: bool = True) -> str | None:
    """The patient's key at the hospital's portal, or None if they have no connection to the hospital."""
    stored = context.store.get(HOSPITAL_CONNECTIONS, patient.patient_id)
    if stored is not None and isinstance(stored.get("connection_key"), str):
        return str(stored["connection_key"])
    return await _discover(context, patient) if discover else None


async def _required_key(context: HolderContext, patient: Patient) -> str:
    key = await connection_key(context, patient)
    if key is None:
        raise ConflictError(NO_CONNECTION)
    return key


# -- records and shares ----------------------------------------------------------------------------------


async def list_records(context: HolderContext, patient: Patient) -> list[RecordView]:
    key = await _required_key(context, patient)
    return _parsed_list(RecordView, await context.portal.call("GET", key, "records"), "GET records")


async def create_share(context: HolderContext, patient: Patient, body: ShareIn) -> ShareCreated:
    """Ask the hospital for a share of the chosen records; the link comes back with its QR code."""
    key = await _required_key(context, patient)
    request = body.model_dump(mode="json", exclude_none=True)
    share = _parsed(ShareView, await context.portal.call("POST", key, "shares", json=request), "POST shares")
    context.audit.record("share.created", subject=patient.patient_id, share_id=share.share_id,
                         record_ids=list(share.record_ids or body.record_ids))  # fmt: skip
    log.info("patient %s shared %d record(s) as share %s", patient.patient_id, len(body.record_ids), share.share_id)
    return ShareCreated(**share.model_dump(), qr_svg=await asyncio.to_thread(qr_svg, share.shlink))


async def list_shares(context: HolderContext, patient: Patient) -> list[ShareView]:
    key = await _required_key(context, patient)
    return _parsed_list(ShareView, await context.portal.call("GET", key, "shares"), "GET shares")


async def revoke_share(context: HolderContext, patient: Patient, share_id: str) -> ShareView:
    """Revoke a share now: the hospital refuses its link from then on."""
    key = await _required_key(context, patient)
    answer = await context.portal.call("POST", key, "shares", share_id, "revoke")
    context.audit.record("share.revoked", subject=patient.patient_id, share_id=share_id)
    log.info("patient %s revoked share %s", patient.patient_id, share_id)
    try:
        return ShareView.model_validate(answer)
    except ValidationError:  # an answer that is not the share itself: read it from the listing
        for share in await list_shares(context, patient):
            if share.share_id == share_id:
                return share
        raise HospitalError("the hospital revoked the share but no longer lists it") from None


async def erase_record(context: HolderContext, patient: Patient, record_id: str) -> RecordErased:
    """Ask the hospital to erase a record (its key destroyed); every share of it fails with "erased" after."""
    key = await _required_key(context, patient)
    answer = await context.portal.call("POST", key, "records", record_id, "erase")
    context.audit.record("record.erase_requested", subject=patient.patient_id, record_id=record_id)
    log.info("patient %s: record %s erased at their request", patient.patient_id, record_id)
    return _parsed(RecordErased, answer, "POST records/.../erase")

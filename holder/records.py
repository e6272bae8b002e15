"""The patient's records at the hospital and their shares, through the hospital's patient portal.

The records stay at the hospital, encrypted; the wallet lists them, shares chosen ones as a SMART
Health Link (with a QR code of it), lists and revokes those shares, and asks for a record's erasure.
Every call names the patient by their sub-wallet's connection to the hospital (`hospital_connection`):
the one whose DID Exchange with the hospital's public DID completed and that is still active, read from
the agent each time, never from anything the patient sent. Its two DIDs are shown to the portal, which
admits only the connection that completed with this patient, so a patient reaches their own records and
nobody else's: an invitation they were given, crafted or replayed, or a look-alike's (a peer calling
itself the hospital) names no connection to the hospital's DID. A patient without one is a 409 "no
connection to the hospital yet".

Audit (ids only): `share.created`, `share.revoked`, `record.erase_requested`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pydantic import BaseModel, ValidationError

from agents.connections import ConnectionDids, is_connected
from holder.context import HolderContext
from holder.models import Patient, RecordErased, RecordView, ShareCreated, ShareIn, ShareView
from holder.portal import HospitalError
from medcred.errors import ConflictError
from medcred.qr import qr_svg

__all__ = [
    "NO_CONNECTION",
    "create_share",
    "erase_record",
    "hospital_connection",
    "list_records",
    "list_shares",
    "revoke_share",
]

log = logging.getLogger(__name__)

NO_CONNECTION = "no connection to the hospital yet"


def _parsed[M: BaseModel](model: type[M], answer: Any, what: str) -> M:
    try:
        return model.model_validate(answer)
    except ValidationError as exc:
        raise HospitalError(f"the hospital answered {what} without the expected {model.__name__}") from exc


def _parsed_list[M: BaseModel](model: type[M], answer: Any, what: str) -> list[M]:
    if not isinstance(answer, list):
        raise HospitalError(f"the hospital answered {what} without a list")
    return [_parsed(model, item, what) for item in answer]


# -- the patient's connection to the hospital ------------------------------------------------------------


async def hospital_connection(context: HolderContext, patient: Patient) -> ConnectionDids | None:
    """The DIDs of the patient's live connection to the hospital's public DID (the latest), or None."""
    hospital = await context.portal.hospital_did()
    found = [
        connection for connection in await context.tenant(patient).connections(their_public_did=hospital)
        if connection.get("their_public_did") in (hospital, hospital.qualified) and is_connected(connection)
        and ConnectionDids.of(connection) is not None
    ]  # fmt: skip
    if not found:
        return None
    latest = max(found, key=lambda connection: str(connection.get("updated_at") or connection.get("created_at") or ""))
    return ConnectionDids.of(latest)


async def _required_connection(context: HolderContext, patient: Patient) -> ConnectionDids:
    connection = await hospital_connection(context, patient)
    if connection is None:
        raise ConflictError(NO_CONNECTION)
    return connection


# -- records and shares ----------------------------------------------------------------------------------


async def list_records(context: HolderContext, patient: Patient) -> list[RecordView]:
    connection = await _required_connection(context, patient)
    return _parsed_list(RecordView, await context.portal.call("GET", connection, "records"), "GET records")


async def create_share(context: HolderContext, patient: Patient, body: ShareIn) -> ShareCreated:
    """Ask the hospital for a share of the chosen records; the link comes back with its QR code."""
    connection = await _required_connection(context, patient)
    request = body.model_dump(mode="json", exclude_none=True)
    share = _parsed(ShareView, await context.portal.call("POST", connection, "shares", json=request), "POST shares")
    context.audit.record("share.created", subject=patient.patient_id, share_id=share.share_id,
                         record_ids=list(share.record_ids or body.record_ids))  # fmt: skip
    log.info("patient %s shared %d record(s) as share %s", patient.patient_id, len(body.record_ids), share.share_id)
    return ShareCreated(**share.model_dump(), qr_svg=await asyncio.to_thread(qr_svg, share.shlink))


async def list_shares(context: HolderContext, patient: Patient) -> list[ShareView]:
    connection = await _required_connection(context, patient)
    return _parsed_list(ShareView, await context.portal.call("GET", connection, "shares"), "GET shares")


async def revoke_share(context: HolderContext, patient: Patient, share_id: str) -> ShareView:
    """Revoke a share now: the hospital refuses its link from then on."""
    connection = await _required_connection(context, patient)
    answer = await context.portal.call("POST", connection, "shares", share_id, "revoke")
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
    connection = await _required_connection(context, patient)
    answer = await context.portal.call("POST", connection, "records", record_id, "erase")
    context.audit.record("record.erase_requested", subject=patient.patient_id, record_id=record_id)
    log.info("patient %s: record %s erased at their request", patient.patient_id, record_id)
    return _parsed(RecordErased, answer, "POST records/.../erase")

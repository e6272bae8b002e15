"""The patient's records at the hospital and their shares, through the hospital's patient portal.

The records stay at the hospital, encrypted; the wallet lists them, shares chosen ones as a SMART
Health Link (with a QR code of it), lists and revokes those shares, and asks for a record's erasure.
Every call names the patient by their sub-wallet's connection to the hospital (`hospital_connection`): the
one whose DID Exchange with the hospital's public DID completed and that is still active, read from
the agent each time, never from anything the patient sent. Its two DIDs are shown to the portal, which
admits only the connection that completed with this patient, so a patient reaches their own records and
nobody else's: an invitation they were given, crafted or replayed, or a look-alike's (a peer calling
itself the hospital) names no connection to the hospital's DID. A patient without one is a 409 "no
connection to the hospital yet".

Audit (ids only): `share.created`, `share.revoked`, `record.erase_requested`.

    records = RecordsService(portal, tenants, audit)    # create_app makes it
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from agents.audit import NO_AUDIT, AuditRecorder
from agents.connections import ConnectionDids, is_connected
from holder.context import Tenants
from holder.models import Patient, RecordErased, RecordView, ShareCreated, ShareIn, ShareView
from holder.portal import HospitalError, HospitalPortal
from medcred.errors import ConflictError
from medcred.qr import qr_svg

__all__ = ["NO_CONNECTION", "RecordsService"]

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


def _last_change(connection: Mapping[str, Any]) -> str:
    return str(connection.get("updated_at") or connection.get("created_at") or "")


class RecordsService:
    def __init__(self, portal: HospitalPortal, tenants: Tenants, audit: AuditRecorder = NO_AUDIT) -> None:
        self._portal = portal
        self._tenants = tenants
        self._audit = audit

    # -- the patient's connection to the hospital --------------------------------------------------------

    async def hospital_connection(self, patient: Patient) -> ConnectionDids | None:
        """The DIDs of the patient's live connection to the hospital's public DID (the latest), or None."""
        hospital = await self._portal.hospital_did()
        found = [
            connection for connection in await self._tenants.of(patient).connections(their_public_did=hospital)
            if connection.get("their_public_did") in (hospital, hospital.qualified) and is_connected(connection)
            and ConnectionDids.of(connection) is not None
        ]  # fmt: skip
        if not found:
            return None
        return ConnectionDids.of(max(found, key=_last_change))

    async def _required_connection(self, patient: Patient) -> ConnectionDids:
        connection = await self.hospital_connection(patient)
        if connection is None:
            raise ConflictError(NO_CONNECTION)
        return connection

    # -- records and shares ------------------------------------------------------------------------------

    async def list_records(self, patient: Patient) -> list[RecordView]:
        connection = await self._required_connection(patient)
        return _parsed_list(RecordView, await self._portal.call("GET", connection, "records"), "GET records")

    async def create_share(self, patient: Patient, body: ShareIn) -> ShareCreated:
        """Ask the hospital for a share of the chosen records; the link comes back with its QR code."""
        connection = await self._required_connection(patient)
        request = body.model_dump(mode="json", exclude_none=True)
        answer = await self._portal.call("POST", connection, "shares", json=request)
        share = _parsed(ShareView, answer, "POST shares")
        self._audit.record("share.created", subject=patient.patient_id, share_id=share.share_id,
                           record_ids=list(share.record_ids or body.record_ids))  # fmt: skip
        log.info("patient %s shared %d record(s) as share %s", patient.patient_id, len(body.record_ids), share.share_id)
        return ShareCreated(**share.model_dump(), qr_svg=await asyncio.to_thread(qr_svg, share.shlink))

    async def list_shares(self, patient: Patient) -> list[ShareView]:
        connection = await self._required_connection(patient)
        return _parsed_list(ShareView, await self._portal.call("GET", connection, "shares"), "GET shares")

    async def revoke_share(self, patient: Patient, share_id: str) -> ShareView:
        """Revoke a share now: the hospital refuses its link from then on."""
        connection = await self._required_connection(patient)
        answer = await self._portal.call("POST", connection, "shares", share_id, "revoke")
        self._audit.record("share.revoked", subject=patient.patient_id, share_id=share_id)
        log.info("patient %s revoked share %s", patient.patient_id, share_id)
        try:
            return ShareView.model_validate(answer)
        except ValidationError:  # an answer that is not the share itself: read it from the listing
            for share in await self.list_shares(patient):
                if share.share_id == share_id:
                    return share
            raise HospitalError("the hospital revoked the share but no longer lists it") from None

    async def erase_record(self, patient: Patient, record_id: str) -> RecordErased:
        """Ask the hospital to erase a record (its key destroyed); every share of it fails with "erased" after."""
        connection = await self._required_connection(patient)
        answer = await self._portal.call("POST", connection, "records", record_id, "erase")
        self._audit.record("record.erase_requested", subject=patient.patient_id, record_id=record_id)
        log.info("patient %s: record %s erased at their request", patient.patient_id, record_id)
        return _parsed(RecordErased, answer, "POST records/.../erase")

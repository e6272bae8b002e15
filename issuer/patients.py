"""Patients: their FHIR Patient record, and inviting their wallet (out-of-band, DID Exchange 1.1).

An invitation is remembered by its message id; the `connections` webhook that carries that id in
`invitation_msg_id` links the new connection to the patient once it is active. Only the patient's name,
birth date and health ID are kept (the credentials need them); none of them is ever logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from agents.admin import AdminClient
from agents.events import WebhookEvent
from issuer.fhir import parse_patient
from issuer.models import PATIENT_REF, InvitationView
from issuer.records import IssuerRecords, PatientRecord, now
from medcred.errors import AgentError, InvalidInputError, NotFoundError
from medcred.qr import qr_svg

__all__ = ["PatientService", "check_patient_ref"]

log = logging.getLogger(__name__)

CONNECTED_STATES = frozenset({"active", "completed"})
GONE_STATES = frozenset({"abandoned", "error", "deleted"})


def check_patient_ref(patient_ref: str) -> str:
    """A patient reference as the API accepts it (400 otherwise)."""
    if not PATIENT_REF.fullmatch(patient_ref):
        raise InvalidInputError("patient_ref must be 1 to 64 characters among A-Z a-z 0-9 . _ -")
    return patient_ref


class PatientService:
    def __init__(self, admin: AdminClient, records: IssuerRecords) -> None:
        self.admin = admin
        self.records = records
        self._connections = asyncio.Condition()  # notified whenever a patient's connection changes

    def require(self, patient_ref: str) -> PatientRecord:
        """The stored patient, or 404."""
        record = self.records.patient(check_patient_ref(patient_ref))
        if record is None:
            raise NotFoundError(f"no patient {patient_ref}")
        return record

    def by_connection_key(self, connection_key: str) -> PatientRecord:
        """The patient whose wallet was invited with message id `connection_key` (the portal's key), or 404."""
        patient_ref = self.records.invitation_patient(connection_key) if len(connection_key) <= 200 else None
        record = self.records.patient(patient_ref) if patient_ref is not None else None
        if record is None:
            raise NotFoundError("no patient connection with this connection_key")
        return record

    def upsert(self, patient_ref: str, resource: Mapping[str, Any]) -> tuple[PatientRecord, bool]:
        """Store a FHIR Patient under `patient_ref` (its connection, if any, is kept); True if it is new."""
        check_patient_ref(patient_ref)
        facts = parse_patient(resource, today=date.today())
        existing = self.records.patient(patient_ref)
        stamp = now()
        record = PatientRecord(
            patient_ref=patient_ref, name=facts.name, birth_date=facts.birth_date, health_id=facts.health_id,
            fhir_id=facts.fhir_id, connection_id=existing.connection_id if existing else None,
            created_at=existing.created_at if existing else stamp, updated_at=stamp,
        )  # fmt: skip
        self.records.save_patient(record)
        log.info("patient %s %s", patient_ref, "updated" if existing else "created")
        return record, existing is None

    async def wait_connected(self, patient_ref: str, timeout: float) -> PatientRecord:
        """The patient once their wallet's connection is active, or as they are after `timeout` seconds."""
        patient = self.require(patient_ref)
        if patient.connection_id is not None or timeout <= 0:
            return patient
        try:
            async with asyncio.timeout(timeout), self._connections:
                await self._connections.wait_for(lambda: self.require(patient_ref).connection_id is not None)
        except TimeoutError:
            pass
        return self.require(patient_ref)

    async def invite(self, patient_ref: str) -> InvitationView:
        """A single-use out-of-band invitation (DID Exchange 1.1, a fresh peer DID) for the patient's wallet."""
        self.require(patient_ref)
        oob = await self.admin.create_oob_invitation(alias=patient_ref, handshake=True, use_public_did=False)
        invitation = oob.get("invitation")
        message_id = oob.get("invi_msg_id") or (invitation.get("@id") if isinstance(invitation, dict) else None)
        url = oob.get("invitation_url")
        if not isinstance(message_id, str) or not isinstance(url, str):
            raise AgentError("the agent created an invitation but answered without its id or URL")
        self.records.add_invitation(message_id, patient_ref)
        log.info("invitation %s created for patient %s", message_id, patient_ref)
        return InvitationView(invitation_url=url, qr_svg=await asyncio.to_thread(qr_svg, url), invitation_id=message_id)

    async def on_connection(self, event: WebhookEvent) -> None:
        """`connections` webhook: link an active connection to the patient its invitation was made for."""
        payload = event.payload
        connection_id, message_id = payload.get("connection_id"), payload.get("invitation_msg_id")
        if not isinstance(connection_id, str) or not isinstance(message_id, str):
            return
        patient_ref = self.records.invitation_patient(message_id)
        patient = self.records.patient(patient_ref) if patient_ref else None
        if patient is None:
            return
        state, rfc23_state = payload.get("state"), payload.get("rfc23_state")
        if (state in CONNECTED_STATES or rfc23_state == "completed") and patient.connection_id != connection_id:
            self.records.save_patient(patient.model_copy(update={"connection_id": connection_id}))
            log.info("patient %s connected (connection %s)", patient.patient_ref, connection_id)
        elif state in GONE_STATES and patient.connection_id == connection_id:
            self.records.save_patient(patient.model_copy(update={"connection_id": None}))
            log.info("patient %s lost connection %s (%s)", patient.patient_ref, connection_id, state)
        else:
            return
        async with self._connections:
            self._connections.notify_all()

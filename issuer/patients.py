"""Patients: their FHIR Patient record, and inviting their wallet (out-of-band, DID Exchange 1.1).

An invitation names the hospital's public DID (so a wallet can tell the hospital from a look-alike) and
is remembered by its message id; the `connections` webhook that carries that id in `invitation_msg_id`
links the new connection to the patient once it completed. An invitation is used once, and only within
MEDCRED_ISSUER_INVITATION_TTL_HOURS (72) of its making: the first connection that completes from it in
time is the patient's, and any later one is not linked (ACA-Py also refuses a second DID Exchange
request to a single-use invitation). Until it is used, the QR code is a bearer key: show it to the
patient only. A connection linked to one patient is never linked to another; when it goes, the patient it
is linked to is told, whatever invitation id ACA-Py wrote into it since (a wallet that scans another
patient's invitation reuses its connection, and ACA-Py then names that invitation in it).

The patient portal knows a patient by their connection alone (`for_portal`): the wallet shows the two
DIDs of its connection to the hospital, which only the two ends have, and the hospital admits the call
only if they are those of the connection that completed with that patient and the agent still has it
active. An invitation id, which is in the QR code, admits nobody.

Only the patient's name, birth date and health ID are kept (the credentials need them); none of them is
ever logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from agents.admin import AdminClient
from agents.connections import GONE_STATES, ConnectionDids, is_connected
from agents.events import WebhookEvent
from issuer.fhir import parse_patient
from issuer.models import PATIENT_REF, InvitationView
from issuer.registry import IssuerRegistry, PatientRecord, now
from medcred.errors import AgentError, InvalidInputError, MedcredError, NotFoundError
from medcred.qr import qr_svg

__all__ = ["PatientService", "check_patient_ref"]

log = logging.getLogger(__name__)

NOT_CONNECTED = "no active patient connection with these DIDs"


def check_patient_ref(patient_ref: str) -> str:
    """A patient reference as the API accepts it (400 otherwise)."""
    if not PATIENT_REF.fullmatch(patient_ref):
        raise InvalidInputError("patient_ref must be 1 to 64 characters among A-Z a-z 0-9 . _ -")
    return patient_ref


class PatientService:
    def __init__(
        self, admin: AdminClient, registry: IssuerRegistry, *, link_wait: float = 5.0,
        invitation_ttl: timedelta = timedelta(hours=72),
    ) -> None:  # fmt: skip
        self.admin = admin
        self.registry = registry
        self.link_wait = link_wait
        self.invitation_ttl = invitation_ttl
        self._connections = asyncio.Condition()  # notified whenever a patient's connection changes
        self._wakes: set[asyncio.Task[None]] = set()

    def require(self, patient_ref: str) -> PatientRecord:
        """The stored patient, or 404."""
        record = self.registry.patient(check_patient_ref(patient_ref))
        if record is None:
            raise NotFoundError(f"no patient {patient_ref}")
        return record

    def all(self) -> list[PatientRecord]:
        """Every stored patient, the newest first (the hospital desk's list)."""
        return sorted(self.registry.patients(), key=lambda record: record.updated_at, reverse=True)

    async def for_portal(self, wallet_view: ConnectionDids) -> PatientRecord:
        """The patient whose live connection to the hospital has these DIDs (as their wallet sees it), or 404.

        A wallet may ask as soon as its side of the exchange completed, before the hospital's webhook
        linked the connection: the link is awaited up to `link_wait` seconds."""
        dids = wallet_view.mirrored()
        linked = self.registry.connection_patient(dids.theirs)
        if linked is None and self.link_wait > 0:
            try:
                async with asyncio.timeout(self.link_wait), self._connections:
                    await self._connections.wait_for(lambda: self.registry.connection_patient(dids.theirs) is not None)
            except TimeoutError:
                pass
            linked = self.registry.connection_patient(dids.theirs)
        patient = self.registry.patient(linked[0]) if linked is not None else None
        if linked is None or patient is None or patient.connection_id != linked[1] or not _same(patient, dids):
            raise NotFoundError(NOT_CONNECTED)
        try:
            record = await self.admin.get_connection(linked[1])
        except MedcredError as exc:  # gone from the agent (404) or the agent unreadable: not admitted
            log.info("patient %s: connection %s not readable (%s)", patient.patient_ref, linked[1], type(exc).__name__)
            raise NotFoundError(NOT_CONNECTED) from exc
        live = ConnectionDids.of(record)
        if not is_connected(record) or live is None or not live.same_as(dids):
            raise NotFoundError(NOT_CONNECTED)
        return patient

    def upsert(self, patient_ref: str, resource: Mapping[str, Any]) -> tuple[PatientRecord, bool]:
        """Store a FHIR Patient under `patient_ref` (its connection, if any, is kept); True if it is new."""
        check_patient_ref(patient_ref)
        facts = parse_patient(resource, today=date.today())
        existing = self.registry.patient(patient_ref)
        stamp = now()
        record = PatientRecord(
            patient_ref=patient_ref, name=facts.name, birth_date=facts.birth_date, health_id=facts.health_id,
            fhir_id=facts.fhir_id, connection_id=existing.connection_id if existing else None,
            created_at=existing.created_at if existing else stamp, updated_at=stamp,
        )  # fmt: skip
        self.registry.save_patient(record)
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
        """A single-use out-of-band invitation (DID Exchange 1.1, to the hospital's public DID) for the patient's
        wallet; the connection it makes has fresh peer DIDs on both sides."""
        self.require(patient_ref)
        oob = await self.admin.create_oob_invitation(alias=patient_ref, handshake=True, use_public_did=True)
        invitation = oob.get("invitation")
        message_id = oob.get("invi_msg_id") or (invitation.get("@id") if isinstance(invitation, dict) else None)
        url = oob.get("invitation_url")
        if not isinstance(message_id, str) or not isinstance(url, str):
            raise AgentError("the agent created an invitation but answered without its id or URL")
        self.registry.add_invitation(message_id, patient_ref)
        log.info("invitation %s created for patient %s", message_id, patient_ref)
        return InvitationView(invitation_url=url, qr_svg=await asyncio.to_thread(qr_svg, url), invitation_id=message_id)

    async def on_connection(self, event: WebhookEvent) -> None:
        """`connections` webhook: link a completed connection to the patient its invitation was made for,
        once per invitation and never one linked to another patient already; forget it when it is gone."""
        payload = event.payload
        connection_id, message_id = payload.get("connection_id"), payload.get("invitation_msg_id")
        if not isinstance(connection_id, str) or not isinstance(message_id, str):
            return
        dids = ConnectionDids.of(payload)
        patient_ref = self.registry.invitation_patient(message_id)
        linked = self.registry.connection_patient(dids.theirs) if dids is not None else None
        if payload.get("state") in GONE_STATES and linked is not None and linked[1] == connection_id:
            # Gone: the patient it is linked to (its invitation id may since name another's invitation, which
            # the patient's wallet scanned and ACA-Py then wrote into this connection: a handshake reuse).
            patient_ref = linked[0]
        patient = self.registry.patient(patient_ref) if patient_ref else None
        if patient is None:
            return
        if is_connected(payload) and dids is not None and patient.connection_id != connection_id:
            if linked is not None and linked[0] != patient.patient_ref:
                log.warning("patient %s: connection %s is patient %s's already: not linked",
                            patient.patient_ref, connection_id, linked[0])  # fmt: skip
                return
            used_by = self.registry.invitation_used_by(message_id)
            if used_by is not None and used_by != connection_id:
                log.warning("patient %s: connection %s answered invitation %s, already used by %s: not linked",
                            patient.patient_ref, connection_id, message_id, used_by)  # fmt: skip
                return
            created_at = self.registry.invitation_created_at(message_id)
            if used_by is None and (created_at is None or now() - created_at > self.invitation_ttl):
                log.warning("patient %s: connection %s answered invitation %s, which has expired: not linked",
                            patient.patient_ref, connection_id, message_id)  # fmt: skip
                return
            self.registry.use_invitation(message_id, connection_id)
            if patient.patient_did is not None:
                self.registry.unlink_connection(patient.patient_did)
            self.registry.link_connection(dids.theirs, patient.patient_ref, connection_id)
            self.registry.save_patient(patient.model_copy(update={
                "connection_id": connection_id, "hospital_did": dids.mine, "patient_did": dids.theirs,
            }))  # fmt: skip
            log.info("patient %s connected (connection %s)", patient.patient_ref, connection_id)
        elif payload.get("state") in GONE_STATES and patient.connection_id == connection_id:
            if patient.patient_did is not None:
                self.registry.unlink_connection(patient.patient_did)
            self.registry.save_patient(patient.model_copy(update={
                "connection_id": None, "hospital_did": None, "patient_did": None,
            }))  # fmt: skip
            log.info("patient %s lost connection %s (%s)", patient.patient_ref, connection_id, payload.get("state"))
        else:
            return
        await self._wake()

    def observe(self, event: WebhookEvent) -> None:
        """A connection event, handled here or by another instance of the hospital (`agents.bus`): whoever
        waits here for a patient's link reads the shared store again."""
        if event.topic == "connections":
            task = asyncio.create_task(self._wake(), name="patients: a connection changed")
            self._wakes.add(task)
            task.add_done_callback(self._wakes.discard)

    async def _wake(self) -> None:
        async with self._connections:
            self._connections.notify_all()


def _same(patient: PatientRecord, dids: ConnectionDids) -> bool:
    if patient.hospital_did is None or patient.patient_did is None:
        return False
    return ConnectionDids(patient.hospital_did, patient.patient_did).same_as(dids)

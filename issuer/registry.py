"""The hospital's registry: what it remembers of patients, their wallets and the credentials issued to them,
kept in its `DocumentStore` so a restart loses nothing (health records are `issuer.health_records`).

    patients       patient_ref -> PatientRecord (name, birth date, health ID; the DIDComm connection)
    invitations    invitation message id -> patient_ref, and the connection that used it (single use)
    connections    the patient's DID on their connection -> patient_ref, connection_id (the portal's key)
    credentials    credential_id -> CredentialRecord (ids and states only: never attribute values)
    exchanges      cred_ex_id -> credential_id
    issue_keys     patient_ref + a request's Idempotency-Key -> credential_id, and a digest of what it asked
    onboarding     the public DID, and each credential type's schema and credential definition

The store is the source of our ids and states; the agent's wallet stays the source of the credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from issuer.fhir import PatientFacts
from medcred.credentials import CredentialType
from medcred.endings import Endings
from medcred.store import DocumentStore

__all__ = ["CredentialRecord", "CredentialState", "IssueKey", "IssuerRegistry", "PatientRecord", "now"]


def now() -> datetime:
    return datetime.now(UTC)


class CredentialState(StrEnum):
    """The issuer's side of an issue-credential 2.0 exchange, in the order it moves through them."""

    OFFERING = "offering"  # recorded, its offer being sent: the agent has not said its cred_ex_id (yet)
    OFFER_SENT = "offer-sent"
    REQUEST_RECEIVED = "request-received"
    CREDENTIAL_ISSUED = "credential-issued"
    ABANDONED = "abandoned"
    DONE = "done"

    @property
    def issued(self) -> bool:
        return self in (CredentialState.CREDENTIAL_ISSUED, CredentialState.DONE)

    @property
    def final(self) -> bool:
        """Done (the wallet stored it) or abandoned: nothing moves the exchange on from here."""
        return self in (CredentialState.ABANDONED, CredentialState.DONE)


_ORDER = list(CredentialState)


@dataclass(frozen=True)
class IssueKey:
    credential_id: str
    digest: str  # of what the request asked: the same key with another request is refused
    new: bool
    claimed_at: float  # when (epoch s) the key's first request claimed it


class PatientRecord(BaseModel):
    patient_ref: str
    name: str
    birth_date: date
    health_id: str
    fhir_id: str | None = None
    connection_id: str | None = None
    # The DIDs of that connection, as the hospital sees it (`agents.connections.ConnectionDids`).
    hospital_did: str | None = None
    patient_did: str | None = None
    created_at: datetime
    updated_at: datetime

    def facts(self) -> PatientFacts:
        return PatientFacts(self.name, self.birth_date, self.health_id, self.fhir_id)


class CredentialRecord(BaseModel):
    credential_id: str
    patient_ref: str
    type: CredentialType
    cred_ex_id: str | None  # None while offering
    state: CredentialState
    connection_id: str | None = None  # the patient's connection the offer went on
    rev_reg_id: str | None = None
    cred_rev_id: str | None = None
    created_at: datetime
    issued_at: datetime | None = None
    revoked_at: datetime | None = None
    reason: str | None = None  # why the exchange was abandoned, as the agent said

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def moved_to(self, state: str | None, reason: str | None = None) -> CredentialRecord | None:
        """This record in a later state, or None if `state` is unknown or not a step forward (webhooks repeat),
        or if the record is final: a late `done` never revives an exchange we abandoned."""
        try:
            new = CredentialState(state or "")
        except ValueError:
            return None
        if self.state.final or _ORDER.index(new) <= _ORDER.index(self.state):
            return None
        changes: dict[str, Any] = {"state": new}
        if new.issued and self.issued_at is None:
            changes["issued_at"] = now()
        if new is CredentialState.ABANDONED:
            changes["reason"] = (reason or "the exchange was abandoned")[:300]
        return self.model_copy(update=changes)


class IssuerRegistry:
    """Typed access to the issuer's collections of the document store."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        self.endings = Endings(store, "endings")  # each exchange's one ending (done or abandoned), across instances

    def patient(self, patient_ref: str) -> PatientRecord | None:
        document = self.store.get("patients", patient_ref)
        return PatientRecord.model_validate(document) if document else None

    def patients(self) -> list[PatientRecord]:
        return [PatientRecord.model_validate(doc) for _, doc in self.store.all("patients")]

    def save_patient(self, record: PatientRecord) -> None:
        self.store.put("patients", record.patient_ref, record.model_dump(mode="json"))

    def add_invitation(self, invitation_msg_id: str, patient_ref: str) -> None:
        self.store.put("invitations", invitation_msg_id, {"patient_ref": patient_ref, "created_at": now().isoformat()})

    def invitation_patient(self, invitation_msg_id: str) -> str | None:
        document = self.store.get("invitations", invitation_msg_id)
        return str(document["patient_ref"]) if document else None

    def invitation_created_at(self, invitation_msg_id: str) -> datetime | None:
        document = self.store.get("invitations", invitation_msg_id)
        try:
            return datetime.fromisoformat(str(document["created_at"])) if document else None
        except (KeyError, ValueError):
            return None

    def invitation_used_by(self, invitation_msg_id: str) -> str | None:
        """The connection that completed from this invitation, if one did."""
        document = self.store.get("invitations", invitation_msg_id)
        used_by = document.get("connection_id") if document else None
        return str(used_by) if used_by else None

    def use_invitation(self, invitation_msg_id: str, connection_id: str) -> None:
        document = self.store.get("invitations", invitation_msg_id) or {}
        self.store.put("invitations", invitation_msg_id, {**document, "connection_id": connection_id})

    def link_connection(self, patient_did: str, patient_ref: str, connection_id: str) -> None:
        self.store.put("connections", patient_did, {"patient_ref": patient_ref, "connection_id": connection_id})

    def unlink_connection(self, patient_did: str) -> None:
        self.store.delete("connections", patient_did)

    def connection_patient(self, patient_did: str) -> tuple[str, str] | None:
        """(patient_ref, connection_id) of the connection on which the patient has this DID, if any."""
        document = self.store.get("connections", patient_did)
        return (str(document["patient_ref"]), str(document["connection_id"])) if document else None

    def credential(self, credential_id: str) -> CredentialRecord | None:
        document = self.store.get("credentials", credential_id)
        return CredentialRecord.model_validate(document) if document else None

    def credential_by_exchange(self, cred_ex_id: str) -> CredentialRecord | None:
        link = self.store.get("exchanges", cred_ex_id)
        return self.credential(str(link["credential_id"])) if link else None

    def save_credential(self, record: CredentialRecord) -> None:
        if record.cred_ex_id is not None:
            self.store.put("exchanges", record.cred_ex_id, {"credential_id": record.credential_id})
        self.store.put("credentials", record.credential_id, record.model_dump(mode="json"))

    def insert_credential(self, record: CredentialRecord) -> bool:
        """Save a new record (not yet offered) unless one of its id exists: False then (another request made it)."""
        assert record.cred_ex_id is None
        return self.store.insert("credentials", record.credential_id, record.model_dump(mode="json"))

    def forget_credential(self, record: CredentialRecord) -> None:
        """An offer the agent refused: nothing was made, so nothing is kept."""
        self.store.delete("credentials", record.credential_id)

    def claim_issue_key(self, patient_ref: str, key: str, credential_id: str, digest: str, at: float) -> IssueKey:
        """The issuance a request's Idempotency-Key names: this one (`credential_id`, claimed now, at `at`) if
        the key is new, else the one it named first (`new` False)."""
        name = f"{patient_ref}\x1f{key}"
        if self.store.insert("issue_keys", name, {"credential_id": credential_id, "digest": digest, "at": at}):
            return IssueKey(credential_id, digest, new=True, claimed_at=at)
        document = self.store.get("issue_keys", name) or {}
        claimed_at = document.get("at")
        return IssueKey(str(document.get("credential_id")), str(document.get("digest")), new=False,
                        claimed_at=float(claimed_at) if isinstance(claimed_at, int | float) else 0.0)  # fmt: skip

    def release_issue_key(self, patient_ref: str, key: str) -> None:
        self.store.delete("issue_keys", f"{patient_ref}\x1f{key}")

    def credentials(self, patient_ref: str | None = None) -> list[CredentialRecord]:
        records = (CredentialRecord.model_validate(doc) for _, doc in self.store.all("credentials"))
        return [r for r in records if patient_ref is None or r.patient_ref == patient_ref]

    def unfinished(self) -> list[CredentialRecord]:
        """The credentials whose exchange is neither done nor abandoned."""
        return [record for record in self.credentials() if not record.state.final]

    def onboarding(self, key: str) -> dict[str, Any] | None:
        return self.store.get("onboarding", key)

    def save_onboarding(self, key: str, document: dict[str, Any]) -> None:
        self.store.put("onboarding", key, document)

    def forget_onboarding(self, key: str) -> None:
        self.store.delete("onboarding", key)

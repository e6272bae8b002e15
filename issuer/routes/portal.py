"""The patient portal: the patients' wallet service, acting for an authenticated patient, lists the
patient's records, shares them as SMART Health Links, revokes shares, erases records and reads who
opened what. It calls with the portal key (`X-API-Key`); the patient is named by the two DIDs of their
wallet's connection to the hospital (`X-Patient-DID`, `X-Hospital-DID`), which only that wallet and the
hospital have: a call is admitted only for the connection that completed with the patient and is still
active (else 404). `GET /portal/hospital` tells the wallet service which public DID is the hospital's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, status

from issuer.deps import (
    DisclosuresDep,
    HealthCardsDep,
    HealthRecordsDep,
    IdentityDep,
    PortalPatient,
    SettingsDep,
    SharingDep,
    portal_only,
)
from issuer.health_cards.models import PortalHealthCard
from issuer.health_records.models import ErasureView, RecordView
from issuer.models import HospitalView
from issuer.sharing.models import ShareDisclosure, ShareRequest, ShareView
from medcred.api_docs import errors

router = APIRouter(prefix="/portal", tags=["portal"], dependencies=[Depends(portal_only)])
NOT_THEIRS = errors(404, e404="no active patient connection with these DIDs (or not theirs)")


@router.get("/hospital")
async def get_hospital(identity: IdentityDep, settings: SettingsDep) -> HospitalView:
    """The hospital's public DID: the wallet's connection to it is the patient's key to this portal."""
    return HospitalView(did=identity.did, label=settings.label)


@router.get("/patient/records", responses=NOT_THEIRS)
async def list_records(patient_ref: PortalPatient, records: HealthRecordsDep) -> list[RecordView]:
    """The patient's records (metadata only)."""
    return [RecordView.of(record) for record in await records.of_patient(patient_ref)]


@router.post("/patient/records/{record_id}/erase", responses=NOT_THEIRS | errors(400, e400="a record id is a UUID"))
async def erase_record(patient_ref: PortalPatient, record_id: str, records: HealthRecordsDep) -> ErasureView:
    """Crypto-shred the record (its key and ciphertext destroyed, an anchored erasure entry kept); every
    share of it then fails with 'erased'. Idempotent."""
    return ErasureView.of(await records.erase(patient_ref, record_id))


@router.post("/patient/shares", status_code=status.HTTP_201_CREATED,
             responses=NOT_THEIRS | errors(400, 409, e409="a record was erased"))
async def create_share(
    patient_ref: PortalPatient, request: Annotated[ShareRequest, Body()], sharing: SharingDep
) -> ShareView:
    """A SMART Health Link to chosen records of the patient (404 not theirs, 409 erased)."""
    return await sharing.create(patient_ref, request)


@router.get("/patient/shares", responses=NOT_THEIRS)
async def list_shares(patient_ref: PortalPatient, sharing: SharingDep) -> list[ShareView]:
    """The patient's shares, each with its status now."""
    return sharing.of_patient(patient_ref)


@router.post("/patient/shares/{share_id}/revoke", responses=NOT_THEIRS)
async def revoke_share(patient_ref: PortalPatient, share_id: str, sharing: SharingDep) -> ShareView:
    """Revoke the share at once (idempotent)."""
    return await sharing.revoke(patient_ref, share_id)


@router.get("/patient/disclosures", responses=NOT_THEIRS)
async def list_disclosures(patient_ref: PortalPatient, disclosures: DisclosuresDep) -> list[ShareDisclosure]:
    """Every opening of the patient's shares and every file downloaded, with inclusion proofs."""
    return await disclosures.of_patient(patient_ref)


@router.get("/patient/health-cards", responses=NOT_THEIRS)
async def list_health_cards(patient_ref: PortalPatient, cards: HealthCardsDep) -> list[PortalHealthCard]:
    """The patient's SMART Health Cards, each with its JWS (and its record id, to share it)."""
    return await cards.for_portal(patient_ref)

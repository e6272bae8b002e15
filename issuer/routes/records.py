"""Patients' records in the hospital's encrypted store, as staff upload and list them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status

from issuer.deps import HealthRecordsDep, PatientRef, RecordUploadBody, staff_only, upload_openapi
from issuer.health_records.models import RecordView
from medcred.api_docs import errors

router = APIRouter(prefix="/patients", tags=["records"], dependencies=[Depends(staff_only)])


@router.post("/{patient_ref}/records", status_code=status.HTTP_201_CREATED, openapi_extra=upload_openapi(),
             responses=errors(400, 404, 413, e413="over MEDCRED_ISSUER_RECORDS_MAX_BYTES"))  # fmt: skip
async def store_record(patient_ref: PatientRef, upload: RecordUploadBody, records: HealthRecordsDep) -> RecordView:
    """Store a record encrypted (FHIR R4 JSON in `fhir`, or any file in `content_base64`); its sha256 is
    anchored on the ledger through the audit trail. 404 unknown patient, 422 invalid FHIR, 400 bad base64."""
    return RecordView.of(await records.store_upload(patient_ref, upload))


@router.get("/{patient_ref}/records", responses=errors(400, 404))
async def list_records(patient_ref: PatientRef, records: HealthRecordsDep) -> list[RecordView]:
    """The patient's records (metadata only; erased records are gone)."""
    return [RecordView.of(record) for record in await records.of_patient(patient_ref)]

"""Patients' records in the hospital's encrypted store, as staff upload them and as the patient sees them.

    records = HealthRecordService(record_store, patients)
    stored = await records.store_upload("p-1", upload)     # 404 no patient, 413, 422 invalid FHIR, 400 base64
    await records.of_patient("p-1")
    record = records.owned("p-1", record_id)                # 404 unless it is that patient's
    tombstone = await records.erase("p-1", record_id)       # crypto-shredding, at the patient's request

The store's work (encryption, files, SQLite) runs in a worker thread, off the event loop. A FHIR record
is stored as the compact JSON of the resource given, and served unchanged when shared.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json

from issuer.health_records.models import RecordUpload
from issuer.health_records.store import RecordStore, StoredRecord, Tombstone
from issuer.patients import PatientService
from medcred.errors import InvalidInputError, NotFoundError, PayloadTooLargeError, RecordErasedError

__all__ = ["ERASED_BY_PATIENT", "HealthRecordService"]

ERASED_BY_PATIENT = "patient"


class HealthRecordService:
    def __init__(self, store: RecordStore, patients: PatientService) -> None:
        self.store = store
        self.patients = patients

    async def store_upload(self, patient_ref: str, upload: RecordUpload) -> StoredRecord:
        """Encrypt and store a record for a known patient."""
        self.patients.require(patient_ref)
        data = self._content(upload)
        return await asyncio.to_thread(self.store.put, patient_ref, upload.name, upload.content_type, data)

    async def of_patient(self, patient_ref: str) -> list[StoredRecord]:
        """The patient's records (erased ones are gone from the list)."""
        self.patients.require(patient_ref)
        return await asyncio.to_thread(self.store.list, patient_ref)

    def owned(self, patient_ref: str, record_id: str) -> StoredRecord:
        """One of the patient's live records: 404 if it is not theirs, RecordErasedError (410) if erased."""
        try:
            record = self.store.describe(record_id)
        except RecordErasedError:
            tombstone = self.store.tombstone(record_id)
            if tombstone is None or tombstone.patient_ref != patient_ref:
                raise NotFoundError(f"no record {record_id}") from None
            raise
        if record.patient_ref != patient_ref:
            raise NotFoundError(f"no record {record_id}")
        return record

    async def erase(self, patient_ref: str, record_id: str) -> Tombstone:
        """Crypto-shred one of the patient's records (idempotent: a second request returns the same tombstone)."""
        return await asyncio.to_thread(self._erase, patient_ref, record_id)

    def _erase(self, patient_ref: str, record_id: str) -> Tombstone:
        try:
            self.owned(patient_ref, record_id)
            return self.store.erase(record_id, requested_by=ERASED_BY_PATIENT)
        except RecordErasedError:  # erased before (or by a concurrent request): its tombstone is the answer
            tombstone = self.store.tombstone(record_id)
            if tombstone is None:
                raise
            return tombstone

    def _content(self, upload: RecordUpload) -> bytes:
        if upload.fhir is not None:
            return json.dumps(upload.fhir, ensure_ascii=False, separators=(",", ":")).encode()
        text = "".join((upload.content_base64 or "").split())
        if len(text) // 4 * 3 > self.store.max_bytes + 2:
            raise PayloadTooLargeError(f"the record is over the limit of {self.store.max_bytes} bytes "
                                       "(MEDCRED_ISSUER_RECORDS_MAX_BYTES)")  # fmt: skip
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInputError("content_base64 is not valid base64") from None

"""The API models of patients' health records: staff uploads, and what staff and the patient portal see.

Responses carry ids, names given by staff, sizes, hashes and states: never a record's content.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from issuer.health_records.content import FHIR_JSON
from issuer.health_records.index import StoredRecord, Tombstone

__all__ = ["ErasureView", "RecordUpload", "RecordView"]



class RecordUpload(BaseModel):
    """A record for the hospital's encrypted store: FHIR R4 JSON in `fhir`, or any file in `content_base64`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "discharge-letter.pdf", "content_type": "application/pdf", "content_base64": "JVBERi0xLjQK"},
    ]})  # fmt: skip

    name: str = Field(max_length=1000, description="for display only (path parts and control characters dropped)")
    content_type: str = Field(max_length=200, description="application/fhir+json, application/pdf, ...")
    fhir: dict[str, Any] | None = Field(default=None, description="a FHIR R4 resource (content_type fhir+json)")
    content_base64: str | None = Field(default=None, description="the file's bytes, base64")

    @model_validator(mode="after")
    def _one_content(self) -> Self:
        if (self.fhir is None) == (self.content_base64 is None):
            raise ValueError("give the record's content in exactly one of `fhir` and `content_base64`")
        if self.fhir is not None and self.content_type.split(";", 1)[0].strip().lower() != FHIR_JSON:
            raise ValueError(f"`fhir` content needs content_type {FHIR_JSON}")
        return self


class RecordView(BaseModel):
    record_id: str
    patient_ref: str
    name: str
    content_type: str
    size: int = Field(description="bytes of the record as stored (before encryption)")
    sha256: str = Field(description="of those bytes: the value anchored on the ledger")
    created_at: datetime
    erased_at: datetime | None = None

    @classmethod
    def of(cls, record: StoredRecord) -> RecordView:
        return cls(**record.model_dump())


class ErasureView(BaseModel):
    record_id: str
    erased_at: datetime

    @classmethod
    def of(cls, tombstone: Tombstone) -> ErasureView:
        return cls(record_id=tombstone.record_id, erased_at=tombstone.erased_at)

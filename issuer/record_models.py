"""The API models of patients' records and their shares: staff uploads, the patient portal, the public side.

Responses carry ids, names given by staff, sizes, hashes and states: never a record's content.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from issuer.record_content import FHIR_JSON
from issuer.record_index import StoredRecord, Tombstone

__all__ = [
    "DEFAULT_SHARE_DAYS",
    "MAX_SHARE_DAYS",
    "ErasureView",
    "FileProof",
    "RecordUpload",
    "RecordView",
    "ShareDisclosure",
    "ShareRequest",
    "ShareStatus",
    "ShareView",
]

DEFAULT_SHARE_DAYS = 30
MAX_SHARE_DAYS = 365
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class RecordUpload(BaseModel):
    """A record for the hospital's encrypted store: FHIR R4 JSON in `fhir`, or any file in `content_base64`."""

    model_config = ConfigDict(extra="forbid")

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


class ShareRequest(BaseModel):
    """A SMART Health Link to chosen records of the patient: until an expiry, optionally a passcode, once."""

    model_config = ConfigDict(extra="forbid")

    record_ids: list[str] = Field(min_length=1, max_length=100)
    label: str | None = Field(default=None, max_length=80, description="what the link shares, shown to the recipient")
    expires_in_days: int | None = Field(default=None, ge=1, le=MAX_SHARE_DAYS, description="default 30")
    expires_at: AwareDatetime | None = Field(default=None, description="instead of expires_in_days")
    passcode: str | None = Field(default=None, min_length=1, max_length=200, description="required to open (flag P)")
    single_use: bool = Field(default=False, description="the first successful opening is the only one")
    recipient_hint: str | None = Field(default=None, max_length=200, description="who it is for (the patient's note)")

    @field_validator("label", "recipient_hint")
    @classmethod
    def _plain_text(cls, value: str | None) -> str | None:
        if value is not None and any(unicodedata.category(c) == "Cc" or c in _BIDI_CONTROLS for c in value):
            raise ValueError("must not contain control characters or text-direction overrides")
        return value

    @model_validator(mode="after")
    def _one_expiry(self) -> Self:
        if self.expires_in_days is not None and self.expires_at is not None:
            raise ValueError("give expires_in_days or expires_at, not both")
        if self.expires_at is not None:
            now = datetime.now(UTC)
            if self.expires_at <= now:
                raise ValueError("expires_at must be in the future")
            if self.expires_at > now + timedelta(days=MAX_SHARE_DAYS):
                raise ValueError(f"expires_at must be within {MAX_SHARE_DAYS} days")
        return self

    def expiry(self, now: datetime) -> datetime:
        if self.expires_at is not None:
            return self.expires_at.astimezone(UTC)
        return now + timedelta(days=self.expires_in_days or DEFAULT_SHARE_DAYS)


class ShareStatus(StrEnum):
    """A share's state, computed whenever it is read (in the order of precedence)."""

    ERASED = "erased"  # a record of it was erased: the share can never open again
    REVOKED = "revoked"
    EXPIRED = "expired"
    LOCKED = "locked"  # too many wrong passcodes
    USED = "used"  # single use, and opened once
    ACTIVE = "active"


class ShareView(BaseModel):
    share_id: str
    shlink: str = Field(description="the SMART Health Link (shlink:/...): it carries the key to the files")
    label: str | None
    expires_at: datetime
    flags: str = Field(description="L (a manifest, refetchable until expiry), plus P with a passcode")
    record_ids: list[str]
    status: ShareStatus
    passcode_attempts_left: int | None = Field(description="null without a passcode")
    manifest_fetches: int = Field(description="successful openings so far")


class ShareDisclosure(BaseModel):
    """One access to a patient's shared records, from the hospital's audit trail, with its inclusion proof."""

    seq: int
    at: str
    event: str = Field(description="share.manifest_fetched or share.file_downloaded")
    share_id: str | None
    recipient: str | None
    record_ids: list[str]
    entry_hash: str
    anchored: bool
    proof: dict[str, Any] | None = Field(description="audit.InclusionProof; null until anchored")


class FileProof(BaseModel):
    """What lets a recipient check a shared file: the audit entry that anchors its record's sha256."""

    file_id: str
    record_id: str
    sha256: str = Field(description="of the record's bytes: a wrapped file's attachment data, decoded")
    entry: dict[str, Any] = Field(description="the record.stored audit entry (seq, at, service, event, ...)")
    proof: dict[str, Any] | None = Field(description="its InclusionProof; null until anchored")

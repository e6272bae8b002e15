"""The API models of shares (SMART Health Links): the patient portal's requests and views, what the public
side proves, and the accounting of disclosures.

Responses carry ids, labels, states and hashes: never a record's content.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "DEFAULT_SHARE_DAYS",
    "MAX_SHARE_DAYS",
    "FileProof",
    "ShareDisclosure",
    "ShareRequest",
    "ShareStatus",
    "ShareView",
]

DEFAULT_SHARE_DAYS = 30
MAX_SHARE_DAYS = 365
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class ShareRequest(BaseModel):
    """A SMART Health Link to chosen records of the patient: until an expiry, optionally a passcode, once."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"record_ids": ["3f2c9a1e-5b7d-4c8e-9f01-2a3b4c5d6e7f"], "label": "Vaccination record", "expires_in_days": 7,
         "passcode": "1234", "single_use": True},
    ]})  # fmt: skip

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

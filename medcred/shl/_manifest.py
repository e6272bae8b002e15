"""The SMART Health Link manifest exchange: what a receiver POSTs to the link's `url`, and the answer.

    POST <url>  {"recipient": "Dr. B's clinic", "passcode": "1234", "embeddedLengthMax": 10000}
    200         {"files": [{"contentType": "application/fhir+json", "embedded": "<JWE>"},
                           {"contentType": "application/fhir+json", "location": "https://.../file"}]}

Python names are snake_case, the wire names the spec's camelCase (serialize with `by_alias=True`,
`exclude_none=True`). Unknown members are ignored, as the spec requires of both sides.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Manifest", "ManifestFile", "ManifestRequest", "ShlContentType"]


class ShlContentType(StrEnum):
    """The kinds of file a manifest may list (other data, e.g. a PDF, travels inside FHIR)."""

    FHIR_JSON = "application/fhir+json"
    SMART_HEALTH_CARD = "application/smart-health-card"
    SMART_API_ACCESS = "application/smart-api-access"


_WIRE = ConfigDict(populate_by_name=True, extra="ignore")


class ManifestRequest(BaseModel):
    model_config = ConfigDict(**_WIRE, json_schema_extra={"examples": [{"recipient": "Riverside Clinic",
                                                                        "passcode": "1234"}]})  # fmt: skip

    recipient: str = Field(min_length=1, max_length=200, description="who asks, shown to the patient")
    passcode: str | None = Field(default=None, max_length=200, description="required when the link has flag P")
    embedded_length_max: int | None = Field(
        default=None, alias="embeddedLengthMax", ge=0, description="longest `embedded` JWE the receiver accepts"
    )


class ManifestFile(BaseModel):
    model_config = _WIRE

    content_type: ShlContentType = Field(alias="contentType")
    location: str | None = Field(default=None, description="short-lived (at most one hour) URL of the JWE")
    embedded: str | None = Field(default=None, description="the JWE itself")
    last_updated: datetime | None = Field(default=None, alias="lastUpdated")
    status: Literal["finalized", "can-change", "entered-in-error", "no-longer-valid", "retracted"] | None = None
    fhir_version: str | None = Field(default=None, alias="fhirVersion")

    @model_validator(mode="after")
    def _located_or_embedded(self) -> Self:
        if self.location is None and self.embedded is None:
            raise ValueError("a manifest file needs `location` or `embedded`")
        return self


class Manifest(BaseModel):
    model_config = _WIRE

    files: list[ManifestFile]
    list_: dict[str, Any] | None = Field(default=None, alias="list", description="a FHIR List about the files")

    def wire(self) -> dict[str, Any]:
        """The JSON body as the spec names it."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

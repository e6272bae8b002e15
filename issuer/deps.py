"""FastAPI dependencies of the issuer's routes: the service, the staff and portal key checks, a valid
patient_ref, the patient a portal call acts for, and request bodies read within a size limit."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from issuer.patients import check_patient_ref
from issuer.record_models import RecordUpload
from issuer.service import IssuerService
from medcred.errors import PayloadTooLargeError
from medcred.web import PortalKeyHeader, StaffKeyHeader, check_api_key

__all__ = [
    "IssuerDep",
    "PatientRef",
    "PortalPatient",
    "RecordUploadBody",
    "portal_only",
    "read_body",
    "staff_only",
    "upload_openapi",
]

UPLOAD_SLACK = 64 * 1024  # a record's name and the JSON around its base64 content


def get_issuer(request: Request) -> IssuerService:
    return cast(IssuerService, request.app.state.issuer)


async def _issuer(request: Request) -> IssuerService:
    return get_issuer(request)


async def staff_only(request: Request, given: StaffKeyHeader) -> None:
    """Admit only the hospital's staff: `X-API-Key` must be the issuer's API key (constant time)."""
    check_api_key(given, get_issuer(request).staff_key)


async def portal_only(request: Request, given: PortalKeyHeader) -> None:
    """Admit only the patients' wallet service: `X-API-Key` must be the portal key (constant time)."""
    check_api_key(given, get_issuer(request).portal_key)


async def valid_patient_ref(patient_ref: str) -> str:
    """The path's patient_ref, or 400."""
    return check_patient_ref(patient_ref)


async def portal_patient(connection_key: str, request: Request) -> str:
    """The patient_ref of the patient a portal call acts for (named by their connection_key), or 404."""
    return get_issuer(request).patients.by_connection_key(connection_key).patient_ref


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is longer than `limit` bytes (nothing kept)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"the request body is {declared} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"the request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def record_upload(request: Request) -> RecordUpload:
    """A record upload's JSON body, read within MEDCRED_ISSUER_RECORDS_MAX_BYTES (base64) and validated."""
    limit = get_issuer(request).settings.records_max_bytes * 4 // 3 + UPLOAD_SLACK
    body = await read_body(request, limit)
    try:
        return RecordUpload.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        raise RequestValidationError([{**error, "loc": ("body", *error["loc"])} for error in errors]) from None


def upload_openapi() -> dict[str, Any]:
    """The upload's request body in the OpenAPI page (it is read by `record_upload`, not by FastAPI)."""
    schema = RecordUpload.model_json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


IssuerDep = Annotated[IssuerService, Depends(_issuer)]
PatientRef = Annotated[str, Depends(valid_patient_ref)]
PortalPatient = Annotated[str, Depends(portal_patient)]
RecordUploadBody = Annotated[RecordUpload, Depends(record_upload)]

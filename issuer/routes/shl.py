"""SMART Health Links, the public side: no key, the link itself is the capability.

    POST /shl/{share_id}                         the manifest (recipient, passcode for flag P)
    GET  /shl/{share_id}/files/{file_id}?ticket  one file: a JWE (application/jose)
    GET  /shl/{share_id}/proofs?ticket           how to check each file against its ledger anchor

Refusals are `{"detail": reason}` (`issuer.sharing.access` lists them); nothing here needs CORS.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from issuer.deps import ShareAccessDep, read_body
from issuer.sharing.access import parse_manifest_request
from issuer.sharing.models import FileProof
from medcred.api_docs import ErrorBody, errors
from medcred.shl import ManifestRequest

router = APIRouter(prefix="/shl", tags=["SMART Health Links"])

MANIFEST_BODY_LIMIT = 16 * 1024
Ticket = Annotated[str | None, Query(description="from the manifest's file location")]
_MANIFEST_SCHEMA = ManifestRequest.model_json_schema(by_alias=True)
_MANIFEST_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": _MANIFEST_SCHEMA}}}}


class PasscodeRefused(ErrorBody):
    """A wrong passcode: how many attempts are left before the link locks."""

    remainingAttempts: int  # noqa: N815 - the SMART Health Links name


_REFUSALS = errors(404, 409, 410, e404="no such share, or revoked, expired, used, locked",
                   e409="a record failed its integrity check")  # fmt: skip
_MANIFEST_ERRORS = _REFUSALS | errors(400, 413, e413=f"over {MANIFEST_BODY_LIMIT} bytes") | {
    401: {"model": PasscodeRefused, "description": "wrong passcode"},
}
_TICKET_ERRORS = _REFUSALS | errors(403, e403="bad or expired ticket")
_FILE_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {"application/jose": {}}}, **_TICKET_ERRORS}


@router.post("/{share_id}", openapi_extra=_MANIFEST_BODY, responses=_MANIFEST_ERRORS)
async def fetch_manifest(share_id: str, request: Request, access: ShareAccessDep) -> dict[str, Any]:
    """The share's manifest: one short-lived location per file. `recipient` is required."""
    body = parse_manifest_request(await read_body(request, MANIFEST_BODY_LIMIT))
    return (await access.manifest(share_id, body)).wire()


@router.get("/{share_id}/files/{file_id}", response_class=Response, responses=_FILE_RESPONSES)
async def fetch_file(share_id: str, file_id: str, access: ShareAccessDep, ticket: Ticket = None) -> Response:
    """One file, encrypted under the link's key: JWE compact (dir, A256GCM, cty application/fhir+json)."""
    return Response(await access.file(share_id, file_id, ticket), media_type="application/jose")


@router.get("/{share_id}/proofs", responses=_TICKET_ERRORS)
async def fetch_proofs(share_id: str, access: ShareAccessDep, ticket: Ticket = None) -> list[FileProof]:
    """Each file's record sha256, its `record.stored` audit entry and that entry's inclusion proof."""
    return await access.proofs(share_id, ticket)

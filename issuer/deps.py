"""FastAPI dependencies of the issuer's routes: the one service each route calls, the staff and portal key
checks, a valid patient_ref, the patient a portal call acts for, and request bodies read within a size limit.

    SettingsDep IdentityDep PatientsDep IssuanceDep RevocationDep HealthRecordsDep SharingDep ShareAccessDep
    DisclosuresDep HealthCardsDep      each flow's service, as `issuer.service.IssuerService` built it
"""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from agents.connections import ConnectionDids
from agents.controller import require_staff, state_dependency
from issuer.health_cards.service import HealthCardService
from issuer.health_records.models import RecordUpload
from issuer.health_records.service import HealthRecordService
from issuer.issuance import IssuanceService
from issuer.onboarding import IssuerIdentity
from issuer.patients import NOT_CONNECTED, PatientService, check_patient_ref
from issuer.revocation import RevocationService
from issuer.service import IssuerService
from issuer.settings import IssuerSettings
from issuer.sharing.access import ShareAccess
from issuer.sharing.disclosures import DisclosureService
from issuer.sharing.service import SharingService
from medcred.errors import NotFoundError
from medcred.web import PORTAL_KEY, api_key_check, read_body

__all__ = [
    "DisclosuresDep",
    "HealthCardsDep",
    "HealthRecordsDep",
    "IdentityDep",
    "IssuanceDep",
    "PatientRef",
    "PatientsDep",
    "PortalPatient",
    "RecordUploadBody",
    "RevocationDep",
    "SettingsDep",
    "ShareAccessDep",
    "SharingDep",
    "portal_only",
    "read_body",
    "staff_only",
    "upload_limit",
    "upload_openapi",
]

UPLOAD_SLACK = 64 * 1024  # a record's name and the JSON around its base64 content


def get_issuer(request: Request) -> IssuerService:
    return cast(IssuerService, request.app.state.issuer)


# Admit only the hospital's staff: `X-API-Key` must be the issuer's API key (the controllers' one check).
staff_only = require_staff
# Admit only the patients' wallet service: `X-API-Key` must be the portal key (constant time).
portal_only = api_key_check(PORTAL_KEY, lambda request: get_issuer(request).portal_key)


async def valid_patient_ref(patient_ref: str) -> str:
    """The path's patient_ref, or 400."""
    return check_patient_ref(patient_ref)


async def portal_patient(
    request: Request,
    patient_did: Annotated[str, Header(alias="X-Patient-DID", description="the patient's DID on their connection")],
    hospital_did: Annotated[str, Header(alias="X-Hospital-DID", description="the hospital's DID on it")],
) -> str:
    """The patient_ref of the patient a portal call acts for, named by the DIDs of their wallet's connection
    to the hospital (as the wallet sees them), or 404."""
    dids = ConnectionDids.parse(patient_did, hospital_did)
    if dids is None:
        raise NotFoundError(NOT_CONNECTED)
    return (await get_issuer(request).patients.for_portal(dids)).patient_ref


def upload_limit(settings: IssuerSettings) -> int:
    """The largest record upload body: MEDCRED_ISSUER_RECORDS_MAX_BYTES in base64, and the JSON around it."""
    return settings.records_max_bytes * 4 // 3 + UPLOAD_SLACK


async def record_upload(request: Request) -> RecordUpload:
    """A record upload's JSON body, read within MEDCRED_ISSUER_RECORDS_MAX_BYTES (base64) and validated."""
    body = await read_body(request, upload_limit(get_issuer(request).settings))
    try:
        return RecordUpload.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        raise RequestValidationError([{**error, "loc": ("body", *error["loc"])} for error in errors]) from None


def upload_openapi() -> dict[str, Any]:
    """The upload's request body in the OpenAPI page (it is read by `record_upload`, not by FastAPI)."""
    schema = RecordUpload.model_json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


async def _identity(request: Request) -> IssuerIdentity:
    """The hospital's public DID and credential definitions (an error until its onboarding has run)."""
    return get_issuer(request).onboarding.identity()


SettingsDep = Annotated[IssuerSettings, Depends(state_dependency("issuer.settings"))]
IdentityDep = Annotated[IssuerIdentity, Depends(_identity)]
PatientsDep = Annotated[PatientService, Depends(state_dependency("issuer.patients"))]
IssuanceDep = Annotated[IssuanceService, Depends(state_dependency("issuer.issuance"))]
RevocationDep = Annotated[RevocationService, Depends(state_dependency("issuer.revocation"))]
HealthRecordsDep = Annotated[HealthRecordService, Depends(state_dependency("issuer.health_records"))]
SharingDep = Annotated[SharingService, Depends(state_dependency("issuer.sharing"))]
ShareAccessDep = Annotated[ShareAccess, Depends(state_dependency("issuer.share_access"))]
HealthCardsDep = Annotated[HealthCardService, Depends(state_dependency("issuer.health_cards"))]
DisclosuresDep = Annotated[DisclosureService, Depends(state_dependency("issuer.disclosures"))]
PatientRef = Annotated[str, Depends(valid_patient_ref)]
PortalPatient = Annotated[str, Depends(portal_patient)]
RecordUploadBody = Annotated[RecordUpload, Depends(record_upload)]

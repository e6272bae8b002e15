"""The hospital desk's pages: patients (register, invitation QR, issue), credentials (list, revoke), records.

Each page calls the issuer's own services (`app.state.issuer`), as the API routes do.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError

from issuer.deps import HealthCardsDep, HealthRecordsDep, IssuanceDep, PatientsDep, RevocationDep
from issuer.health_cards.service import HealthCardService
from issuer.health_records.models import RecordUpload
from issuer.issuance import IssuanceService
from issuer.models import CredentialRequest
from issuer.patients import PatientService, check_patient_ref
from issuer.registry import CredentialState
from medcred import samples
from medcred.codes import SUBSTANCES, VACCINES
from medcred.errors import InvalidInputError, UnprocessableError
from medcred.pages import Viewer, page_router, redirect, render
from medcred.web import validation_detail

router = page_router()


MAX_FHIR_BYTES = 1024 * 1024
ATTEMPT = re.compile(r"[A-Za-z0-9_-]{1,64}")  # a form's one-time issuance key (its Idempotency-Key)
# Where each FHIR Patient problem belongs on the register form.
PATIENT_FIELDS = {"birthDate": "birth_date", "name": "family", "given": "given", "family": "family",
                  "identifier": "health_id"}  # fmt: skip
_REQUEST = TypeAdapter(CredentialRequest)


def _problems_by_field(message: str, fields: dict[str, str], default: str) -> dict[str, str]:
    """A 422's problems ("invalid FHIR Patient: Patient.birthDate is missing; ...") by form field."""
    text = re.sub(r"^invalid [^:]+: ", "", message)
    errors: dict[str, str] = {}
    for problem in (p.strip() for p in text.split("; ") if p.strip()):
        field = next((f for key, f in fields.items() if key in problem), default)
        errors[field] = f"{errors[field]}; {problem}" if field in errors else problem
    return errors


# -- patients ---------------------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: Viewer, patients: PatientsDep) -> Response:
    return render(request, "patients.html", {"patients": patients.all()})


def _register_form(request: Request, errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                   status: int = 200) -> Response:  # fmt: skip
    return render(request, "register.html", {"errors": errors or {}, "values": values or {}}, status=status)


@router.get("/patients/new", response_class=HTMLResponse)
async def register_page(request: Request, session: Viewer) -> Response:
    return _register_form(request)


@router.post("/patients/new")
async def register(request: Request, session: Viewer, patients: PatientsDep,
                   patient_ref: Annotated[str, Form(max_length=64)] = "",
                   given: Annotated[str, Form(max_length=200)] = "", family: Annotated[str, Form(max_length=200)] = "",
                   birth_date: Annotated[str, Form(max_length=10)] = "",
                   health_id: Annotated[str, Form(max_length=100)] = "",
                   fhir: Annotated[str, Form(max_length=MAX_FHIR_BYTES)] = "",
                   fhir_file: Annotated[UploadFile | None, File()] = None) -> Response:  # fmt: skip
    values = {"patient_ref": patient_ref, "given": given, "family": family, "birth_date": birth_date,
              "health_id": health_id, "fhir": fhir}  # fmt: skip
    ref = patient_ref.strip()
    try:
        check_patient_ref(ref)
    except InvalidInputError:
        problem = "Use 1 to 64 letters, digits, dots, dashes or underscores (no spaces)."
        return _register_form(request, {"patient_ref": problem}, values, 422)
    pasted = fhir.strip()
    if not pasted and fhir_file is not None and fhir_file.filename:
        pasted = (await fhir_file.read(MAX_FHIR_BYTES)).decode("utf-8", "replace").strip()
    if pasted:
        try:
            resource: Any = json.loads(pasted)
        except ValueError as exc:
            return _register_form(request, {"fhir": f"not JSON: {exc}"}, values, 422)
        if not isinstance(resource, dict):
            return _register_form(request, {"fhir": "a FHIR Patient is a JSON object"}, values, 422)
        fields, default = {}, "fhir"
    else:
        required = ("given", "family", "birth_date")
        missing = {name: "Please fill this in." for name in required if not values[name].strip()}
        if missing:
            return _register_form(request, missing, values, 422)
        resource = samples.patient(ref, given=given.strip(), family=family.strip(), birth_date=birth_date.strip(),
                                   health_id=health_id.strip() or None)  # fmt: skip
        fields, default = PATIENT_FIELDS, "birth_date"
    try:
        patients.upsert(ref, resource)
    except UnprocessableError as exc:
        return _register_form(request, _problems_by_field(exc.message, fields, default), values, 422)
    return redirect(request, f"/patients/{ref}", flash=f"Patient {ref} registered.")


def _patient_page(request: Request, ref: str, patients: PatientService, issuance: IssuanceService,
                  cards: HealthCardService, invitation: Any = None, errors: dict[str, str] | None = None,
                  status: int = 200) -> Response:  # fmt: skip
    record = patients.require(ref)
    credentials = sorted(issuance.credentials(ref), key=lambda c: c.created_at)  # in the order offered
    with_card = {credential_id for card in cards.cards(ref) for credential_id in card.credential_ids}
    return render(request, "patient.html", {
        "patient": record, "credentials": credentials, "with_card": with_card, "invitation": invitation,
        "errors": errors or {},
        # One key per form and page: a form sent twice (a double click, a reload) issues once.
        "attempts": {kind: secrets.token_urlsafe(16) for kind in ("health_id", "vaccination", "allergy")},
        "vaccines": VACCINES, "substances": SUBSTANCES, "today": datetime.now(UTC).date().isoformat(),
        "expiry": date(datetime.now(UTC).year + 5, 12, 31).isoformat(),
    }, status=status)  # fmt: skip


@router.get("/patients/{ref}", response_class=HTMLResponse)
async def patient_page(request: Request, ref: str, session: Viewer, patients: PatientsDep,
                       issuance: IssuanceDep, cards: HealthCardsDep) -> Response:  # fmt: skip
    shown = request.app.state.pages.sessions.recall(session, f"invitation:{ref}")
    return _patient_page(request, ref, patients, issuance, cards, invitation=shown)


@router.post("/patients/{ref}/invitation")
async def invite(request: Request, ref: str, session: Viewer, patients: PatientsDep) -> Response:
    invitation = await patients.invite(ref)
    request.app.state.pages.sessions.remember(session, f"invitation:{ref}", invitation.invitation_url)
    return redirect(request, f"/patients/{ref}")


@router.post("/patients/{ref}/issue")
async def issue(request: Request, ref: str, session: Viewer, patients: PatientsDep, issuance: IssuanceDep,
                cards: HealthCardsDep) -> Response:  # fmt: skip
    form = await request.form()
    kind = str(form.get("kind", ""))
    value = {name: str(form.get(name) or "").strip() for name in
             ("expiry", "vaccine", "dose", "date", "lot", "substance", "criticality", "recorded", "fhir")}  # fmt: skip
    if value["fhir"]:
        try:
            body: dict[str, Any] = {"type": kind, "fhir": json.loads(value["fhir"])}
        except ValueError as exc:
            return _patient_page(request, ref, patients, issuance, cards, errors={f"{kind}.fhir": f"not JSON: {exc}"},
                                 status=422)  # fmt: skip
    elif kind == "health_id":
        body = {"type": "health_id", "expiry": value["expiry"]}
    elif kind == "vaccination":
        if not value["dose"].isdigit():
            return _patient_page(request, ref, patients, issuance, cards,
                                 errors={"vaccination.dose": "the dose number is a whole number, 1 or more"},
                                 status=422)  # fmt: skip
        body = {"type": "vaccination", "fhir": samples.immunization(
            ref, dose=int(value["dose"]), date=value["date"], cvx=value["vaccine"],
            name=VACCINES.get(value["vaccine"], value["vaccine"]), lot=value["lot"] or "unknown")}  # fmt: skip
    elif kind == "allergy":
        body = {"type": "allergy", "fhir": samples.allergy(
            ref, code=value["substance"], display=SUBSTANCES.get(value["substance"], value["substance"]),
            criticality=value["criticality"] or "high", recorded=value["recorded"])}  # fmt: skip
    else:
        raise InvalidInputError("choose what to issue: a vaccination, an allergy or a health ID")
    with_card = kind == "vaccination" and form.get("health_card") == "on"
    try:
        request_body = _REQUEST.validate_python({**body, "health_card": True} if with_card else body)
        attempt = str(form.get("attempt") or "")
        key = attempt if ATTEMPT.fullmatch(attempt) else None
        record = await issuance.issue(ref, request_body, idempotency_key=key)
    except ValidationError as exc:
        return _patient_page(request, ref, patients, issuance, cards, errors={kind: validation_detail(exc.errors())},
                             status=422)  # fmt: skip
    except UnprocessableError as exc:
        return _patient_page(request, ref, patients, issuance, cards, errors={kind: exc.message}, status=422)
    words = {"health_id": "health ID", "vaccination": "vaccination", "allergy": "allergy"}[kind]
    if with_card:
        await cards.issue_for(record, body["fhir"])
        words = "vaccination, with its SMART Health Card,"
    return redirect(request, f"/patients/{ref}#credential-{record.credential_id}",
                    flash=f"The {words} was offered to the patient's wallet.")  # fmt: skip


@router.post("/patients/{ref}/records")
async def upload_record(request: Request, ref: str, session: Viewer, records: HealthRecordsDep,
                        record: Annotated[UploadFile, File()]) -> Response:  # fmt: skip
    data = await record.read()
    if not data:
        raise InvalidInputError("choose a file to upload")
    content_type = record.content_type or "application/octet-stream"
    name = record.filename or "record"
    if content_type in ("application/json", "application/fhir+json") or name.endswith(".json"):
        try:
            upload = RecordUpload(name=name, content_type="application/fhir+json", fhir=json.loads(data))
        except ValueError as exc:
            raise InvalidInputError(f"the file is not a FHIR JSON resource: {exc}") from None
    else:
        upload = RecordUpload(name=name, content_type=content_type, content_base64=base64.b64encode(data).decode())
    await records.store_upload(ref, upload)
    return redirect(request, f"/patients/{ref}", flash=f"Record {name} stored (encrypted).")


# -- credentials ------------------------------------------------------------------------------------------

@router.get("/credentials", response_class=HTMLResponse)
async def credentials_page(request: Request, session: Viewer, issuance: IssuanceDep, kind: str = "", state: str = "",
                           patient: str = "") -> Response:  # fmt: skip
    def wanted(c: Any) -> bool:
        in_state = not state or (c.revoked if state == "revoked" else c.state == state)
        return (not kind or c.type == kind) and (not patient or c.patient_ref == patient) and in_state

    listed = [c for c in issuance.credentials() if wanted(c)]
    return render(request, "credentials.html", {
        "credentials": listed, "kind": kind, "state": state, "patient": patient,
        "states": [s.value for s in CredentialState],
    })  # fmt: skip


@router.get("/credentials/{credential_id}/revoke", response_class=HTMLResponse)
async def revoke_page(request: Request, credential_id: str, session: Viewer, issuance: IssuanceDep) -> Response:
    record = await issuance.view(credential_id, None)
    return render(request, "confirm.html", {
        "title": "Revoke this credential?", "action": f"/credentials/{credential_id}/revoke",
        "button": "Revoke this credential", "back": f"/patients/{record.patient_ref}", "danger": True,
        "text": f"The {record.type.replace('_', ' ')} of patient {record.patient_ref} is revoked on the ledger: "
                "every proof made with it fails from now on. This cannot be undone.",
    })  # fmt: skip


@router.post("/credentials/{credential_id}/revoke")
async def revoke(request: Request, credential_id: str, session: Viewer, revocation: RevocationDep) -> Response:
    record = await revocation.revoke(credential_id)
    return redirect(request, f"/patients/{record.patient_ref}", flash="The credential was revoked.")

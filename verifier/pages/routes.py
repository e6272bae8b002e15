"""The clinic and insurer desk's pages: start a check from a template and watch its result arrive, the
recent results, and a patient's shared records opened from a SMART Health Link.

Each page calls the verifier's own services (`app.state`), as the API routes do.
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from medcred.errors import MedcredError
from medcred.pages import Viewer, page_router, redirect, render
from medcred.qr import MAX_IMAGE_BYTES
from medcred.web import validation_detail
from verifier.deps import ServiceDep, SharesDep
from verifier.models import OpenShare, Verification
from verifier.templates import TEMPLATES, get_template

router = page_router()


LABELS = {"vaccine_code": "vaccine code", "occurrence_date": "date given", "substance_code": "substance code",
          "criticality": "criticality", "health_id_number": "health ID number"}  # fmt: skip
PREDICATES = {"dose_number >= 2": "dose number is at least 2", "age >= 18": "age is at least 18",
              "not expired": "the health ID has not expired"}  # fmt: skip
OUTCOMES = {"verified": "Verified", "failed": "Not verified", "declined": "Declined by the patient",
            "timed_out": "No answer in time", "pending": "Waiting for the patient"}  # fmt: skip


def words(predicate: str) -> str:
    return PREDICATES.get(predicate, predicate.replace("_", " "))


def _templates() -> list[dict[str, object]]:
    return [{"name": t.name, "title": t.title, "party": t.party.value,
             "reveals": [LABELS.get(a, a.replace("_", " ")) for a in t.reveal],
             "proves": [words(p) for p in t.proves]} for t in TEMPLATES.values()]  # fmt: skip


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: Viewer) -> Response:
    return render(request, "checks.html", {"templates": _templates()})


@router.post("/checks")
async def start(request: Request, session: Viewer, service: ServiceDep,
                template: Annotated[str, Form(max_length=80)] = "") -> Response:  # fmt: skip
    created = await service.create(template)
    return redirect(request, f"/checks/{created.verification_id}")


def _result(verification: Verification) -> dict[str, object]:
    template = get_template(verification.template)
    return {
        "v": verification, "title": template.title, "party": template.party.value,
        "outcome": OUTCOMES.get(verification.state.value, verification.state.value),
        "revealed": [(LABELS.get(k, k.replace("_", " ")), value) for k, value in verification.revealed.items()],
        "proven": [words(p) for p in verification.predicates],
    }


@router.get("/checks/{verification_id}", response_class=HTMLResponse)
async def check_page(request: Request, verification_id: str, session: Viewer, service: ServiceDep) -> Response:
    verification = await service.get(verification_id)
    return render(request, "check.html", _result(verification))


@router.get("/results", response_class=HTMLResponse)
async def results(request: Request, session: Viewer, service: ServiceDep) -> Response:
    return render(request, "results.html", {"results": [_result(v) for v in service.recent()]})


@router.get("/shares", response_class=HTMLResponse)
async def shares_page(request: Request, session: Viewer) -> Response:
    return render(request, "shares.html", {"opened": None, "error": ""})


@router.post("/shares", response_class=HTMLResponse)
async def open_share(request: Request, session: Viewer, shares: SharesDep,
                     link: Annotated[str, Form(max_length=8192)] = "",
                     passcode: Annotated[str, Form(max_length=200)] = "",
                     photo: Annotated[UploadFile | None, File()] = None) -> Response:  # fmt: skip
    image = await photo.read(MAX_IMAGE_BYTES + 1) if photo is not None and photo.filename else b""
    try:
        qr = base64.b64encode(image).decode() if image and not link.strip() else None
        body = OpenShare(shlink=link.strip() or None, passcode=passcode or None, qr_png_base64=qr)
        if body.shlink is None and body.qr_png_base64 is None:
            missing = "Paste the link or choose a picture of its QR code."
            return render(request, "shares.html", {"opened": None, "error": missing}, status=422)
        opened = await shares.open(body)
    except ValidationError as exc:
        return render(request, "shares.html", {"opened": None, "error": validation_detail(exc.errors())}, status=422)
    except MedcredError as exc:
        return render(request, "shares.html", {"opened": None, "error": exc.message}, status=exc.status_code)
    return render(request, "shares.html", {"opened": opened, "error": ""})

"""The desk's SMART Health Card pages: a card checked from its QR code (a photo), its `shc:/` text, its
`.smart-health-card` file or a SMART Health Link, the result in words, and what was verified as FHIR for
the EHR (verifier.health_cards and verifier.fhir_out do the work; these pages only ask and show).
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from medcred.codes import vaccine_name
from medcred.errors import MedcredError
from medcred.health_cards import Refusal
from medcred.pages import Viewer, page_router, redirect, render
from medcred.qr import MAX_IMAGE_BYTES
from medcred.web import validation_detail
from verifier.deps import FhirDep, HealthCardsDep
from verifier.fhir_out import fhir_response
from verifier.health_cards.models import MAX_TEXT, CardResult, VerifyCards

router = page_router()

REASONS = {
    Refusal.MALFORMED: "This is not a SMART Health Card.",
    Refusal.TRAILING_DATA: "The card has extra characters after it: it was changed or copied wrongly.",
    Refusal.BAD_COMPRESSION: "The card's contents are damaged.",
    Refusal.BAD_QR: "This QR code is not a SMART Health Card.",
    Refusal.UNKNOWN_ISSUER: "The card's issuer is not on the clinic's list of trusted issuers.",
    Refusal.INSECURE_ISSUER: "The card's issuer does not use a secure (https) address.",
    Refusal.UNKNOWN_KID: "The card was signed with a key its issuer does not publish.",
    Refusal.BAD_SIGNATURE: "The signature does not match: the card was changed after it was issued.",
    Refusal.NOT_YET_VALID: "The card is not valid yet.",
    Refusal.EXPIRED: "The card has expired.",
    Refusal.REVOKED: "The issuer has revoked this card.",
    Refusal.INVALID_FHIR: "The card's health record is not valid FHIR.",
    Refusal.ISSUER_UNREACHABLE: "The card's issuer could not be reached to check its keys.",
}  # fmt: skip
FILE_TYPES = ("application/smart-health-card", "application/json")


def reason_words(result: CardResult) -> str:
    return REASONS.get(result.reason, result.detail or "The card was refused.") if result.reason else ""


def _form(request: Request, error: str = "", status: int = 200) -> Response:
    return render(request, "cards.html", {"error": error}, status=status)


@router.get("/cards", response_class=HTMLResponse)
async def cards_page(request: Request, session: Viewer) -> Response:
    return _form(request)


@router.post("/cards", response_class=HTMLResponse)
async def check_card(request: Request, session: Viewer, cards: HealthCardsDep,
                     text: Annotated[str, Form(max_length=MAX_TEXT)] = "",
                     passcode: Annotated[str, Form(max_length=200)] = "",
                     upload: Annotated[UploadFile | None, File()] = None) -> Response:  # fmt: skip
    data = await upload.read(MAX_IMAGE_BYTES + 1) if upload is not None and upload.filename else b""
    text = text.strip()
    if not text and not data:
        return _form(request, "Paste the card or its link, or choose a photo of its QR code or its file.", 422)
    name, kind = (upload.filename or "", upload.content_type) if upload is not None else ("", None)
    is_file = bool(data) and (kind in FILE_TYPES or name.endswith(".smart-health-card"))
    try:
        if text:
            link = text.lower().startswith("shlink:/") or "#shlink:/" in text.lower()
            body = VerifyCards(shlink=text, passcode=passcode or None) if link else VerifyCards(shc=text)
        elif is_file:
            body = VerifyCards(file=data.decode("utf-8", errors="replace"))
        else:
            body = VerifyCards(qr_png_base64=base64.b64encode(data).decode())
        verification = await cards.verify(body)
    except ValidationError as exc:
        return _form(request, validation_detail(exc.errors()), 422)
    except MedcredError as exc:  # a form's input refused (400) is answered as the form's problem (422)
        return _form(request, exc.message, 422 if exc.status_code == 400 else exc.status_code)
    return redirect(request, f"/cards/{verification.verification_id}")


@router.get("/cards/{verification_id}", response_class=HTMLResponse)
async def card_result(request: Request, verification_id: str, session: Viewer, cards: HealthCardsDep) -> Response:
    verification = cards.require(verification_id)
    results = [{"r": r, "reason": reason_words(r),
                "doses": [(vaccine_name(i.vaccine_system, i.vaccine_code), i) for i in r.immunizations]}
               for r in verification.results]  # fmt: skip
    return render(request, "card_result.html", {"v": verification, "results": results,
                                                "any_verified": any(r.verified for r in verification.results)})


@router.get("/cards/{verification_id}/fhir")
async def card_fhir(verification_id: str, session: Viewer, fhir: FhirDep) -> Response:
    response = fhir_response(fhir.of_cards(verification_id))
    response.headers["Content-Disposition"] = f'attachment; filename="health-card-{verification_id[:8]}.fhir.json"'
    return response


@router.get("/checks/{verification_id}/fhir")
async def check_fhir(verification_id: str, session: Viewer, fhir: FhirDep) -> Response:
    response = fhir_response(await fhir.of_proof(verification_id))
    response.headers["Content-Disposition"] = f'attachment; filename="check-{verification_id[:8]}.fhir.json"'
    return response

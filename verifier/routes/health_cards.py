"""`POST /health-cards/verify`: verify SMART Health Cards in any form; each verification kept to be read back
(as it was answered, or as FHIR)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from medcred.api_docs import errors
from verifier.deps import FhirDep, HealthCardsDep, require_staff
from verifier.fhir_out import FHIR_BUNDLE, fhir_response
from verifier.health_cards.models import CardVerification, VerifyCards

__all__ = ["router"]

router = APIRouter(prefix="/health-cards", tags=["health cards"], dependencies=[Depends(require_staff)])


@router.post("/verify", responses=errors(400, 401, 404, 413, 502, "4XX",
                                          e502="a link's host failed or is unreachable"))  # fmt: skip
async def verify_cards(body: VerifyCards, cards: HealthCardsDep) -> CardVerification:
    """Verify cards given as `shc` (a shc:/ text or the JWS), `qr_png_base64`, `file` (a .smart-health-card's
    JSON) or `shlink` (a SMART Health Link whose files are cards). Each result is verified, or not with its
    `reason` (bad_signature, unknown_issuer, unknown_kid, revoked, not_yet_valid, expired, bad_compression,
    invalid_fhir, trailing_data, bad_qr, malformed, insecure_issuer, issuer_unreachable), with the issuer
    (`iss` and its name in the trust list), the patient's name and birth date, and each immunization."""
    return await cards.verify(body)


@router.get("/verifications/{verification_id}", responses=errors(404))
async def get_card_verification(verification_id: str, cards: HealthCardsDep) -> CardVerification:
    return cards.require(verification_id)


@router.get("/verifications/{verification_id}/fhir", response_class=Response,
            responses=FHIR_BUNDLE | errors(404, 409, e409="no card of it verified"))
async def card_verification_fhir(
    verification_id: Annotated[str, Path(max_length=64)], fhir: FhirDep
) -> Response:
    """The verified cards as FHIR R4 (application/fhir+json): a Bundle with each card's Patient and
    Immunizations as signed, and a Provenance per card naming its issuer (`iss`, trust-list name), the
    method (SMART Health Card) and when it was checked. Refused cards are left out."""
    return fhir_response(fhir.of_cards(verification_id))

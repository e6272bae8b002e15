"""`POST /health-cards/verify`: verify SMART Health Cards in any form; each verification kept to be read back."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from medcred.api_docs import errors
from verifier.deps import HealthCardsDep, require_staff
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

"""A card's payload: what the issuer signs, and what a verifier reads of it.

    payload = card_payload(iss, nbf, bundle, rid)   # {"iss","nbf","vc":{"type":[...],"credentialSubject":{...},"rid"}}
    claims = CardClaims.of(token.payload)           # CardRejectedError(MALFORMED) if a required claim is missing
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from medcred.health_cards._errors import CardRejectedError, Refusal

__all__ = ["FHIR_VERSION", "HEALTH_CARD", "IMMUNIZATION", "CardClaims", "card_payload"]

HEALTH_CARD = "https://smarthealth.cards#health-card"
IMMUNIZATION = "https://smarthealth.cards#immunization"
FHIR_VERSION = "4.0.1"


def card_payload(iss: str, nbf: int, bundle: dict[str, Any], rid: str | None = None) -> dict[str, Any]:
    vc: dict[str, Any] = {
        "type": [HEALTH_CARD, IMMUNIZATION],
        "credentialSubject": {"fhirVersion": FHIR_VERSION, "fhirBundle": bundle},
    }
    if rid is not None:
        vc["rid"] = rid
    return {"iss": iss, "nbf": nbf, "vc": vc}


@dataclass(frozen=True, slots=True)
class CardClaims:
    iss: str
    nbf: float
    exp: float | None
    rid: str | None
    types: tuple[str, ...]
    fhir_version: str | None
    bundle: Any

    @classmethod
    def of(cls, payload: dict[str, Any]) -> CardClaims:
        iss, nbf, exp, vc = payload.get("iss"), payload.get("nbf"), payload.get("exp"), payload.get("vc")
        if not isinstance(iss, str) or not iss:
            raise CardRejectedError(Refusal.MALFORMED, "the card names no issuer (iss)")
        if isinstance(nbf, bool) or not isinstance(nbf, int | float):
            raise CardRejectedError(Refusal.MALFORMED, "the card has no numeric nbf")
        if exp is not None and (isinstance(exp, bool) or not isinstance(exp, int | float)):
            raise CardRejectedError(Refusal.MALFORMED, "the card's exp is not a number")
        if not isinstance(vc, dict) or not isinstance(vc.get("type"), list) or HEALTH_CARD not in vc["type"]:
            raise CardRejectedError(Refusal.MALFORMED, f"the card's vc.type does not hold {HEALTH_CARD}")
        subject = vc.get("credentialSubject")
        if not isinstance(subject, dict):
            raise CardRejectedError(Refusal.MALFORMED, "the card has no vc.credentialSubject")
        rid = vc.get("rid")
        if rid is not None and (not isinstance(rid, str) or len(rid) > 24 or "." in rid):
            raise CardRejectedError(Refusal.MALFORMED, "the card's vc.rid is not a rid (24 characters, no '.')")
        version = subject.get("fhirVersion")
        return cls(iss, float(nbf), float(exp) if exp is not None else None, rid,
                   tuple(str(t) for t in vc["type"]), version if isinstance(version, str) else None,
                   subject.get("fhirBundle"))  # fmt: skip

"""The verifier's FHIR out: a finished verification, read back by its id, as a FHIR Bundle.

    fhir = FhirOut(verifications, cards, verifier=settings.label)     # create_app makes it
    await fhir.of_proof(verification_id)      # 404 unknown, 409 not verified
    fhir.of_cards(verification_id)            # 404 unknown, 409 no card verified
"""

from __future__ import annotations

from typing import Any

from verifier.fhir_out.cards import card_bundle
from verifier.fhir_out.proofs import proof_bundle
from verifier.health_cards.service import CardVerifications
from verifier.service import VerificationService

__all__ = ["FhirOut"]


class FhirOut:
    def __init__(self, verifications: VerificationService, cards: CardVerifications, *, verifier: str) -> None:
        self._verifications = verifications
        self._cards = cards
        self._verifier = verifier

    async def of_proof(self, verification_id: str) -> dict[str, Any]:
        return proof_bundle(await self._verifications.get(verification_id), verifier=self._verifier)

    def of_cards(self, verification_id: str) -> dict[str, Any]:
        return card_bundle(self._cards.require(verification_id), verifier=self._verifier)

"""Verifying SMART Health Cards in any of their forms, and keeping each finished verification (FHIR out).

    verification = await cards.verify(VerifyCards(shc="shc:/5676..."))      # or qr_png_base64, file, shlink
    cards.require(verification.verification_id)

The forms: a `shc:/` numeric text (or the JWS itself), a PNG of the QR code (zxing-cpp reads it), the
JSON of a `.smart-health-card` file, or a SMART Health Link whose files are cards (`ShareReader`). A form
that holds no card (a QR of another content or header, a file of another shape) is one refused result
with its reason; each card found is checked on its own (`CardChecker`). Never logged: a card's content.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime

from agents.audit import NO_AUDIT, AuditRecorder
from medcred.errors import NotFoundError
from medcred.health_cards import HEADER, CardRejectedError, cards_in_file, from_numeric
from medcred.store import DocumentStore
from verifier.health_cards.checks import CardChecker
from verifier.health_cards.models import CardResult, CardVerification, VerifyCards
from verifier.models import OpenShare
from verifier.qr import qr_texts
from verifier.shares import ShareReader

__all__ = ["CardVerifications"]

log = logging.getLogger(__name__)

COLLECTION = "card_verifications"


class CardVerifications:
    def __init__(self, checker: CardChecker, reader: ShareReader, store: DocumentStore,
                 audit: AuditRecorder = NO_AUDIT) -> None:  # fmt: skip
        self.checker = checker
        self.reader = reader
        self.store = store
        self.audit = audit

    async def verify(self, request: VerifyCards) -> CardVerification:
        try:
            cards = await self._cards(request)
        except CardRejectedError as exc:
            results = [CardResult(verified=False, reason=exc.reason, detail=exc.message)]
        else:
            results = [await self.checker.check(jws) for jws in cards]
        verification = CardVerification(verification_id=str(uuid.uuid4()), checked_at=datetime.now(UTC),
                                        results=results)  # fmt: skip
        self.store.put(COLLECTION, verification.verification_id, verification.model_dump(mode="json"))
        verified = sum(result.verified for result in results)
        self.audit.record("health_card.verified", verification_id=verification.verification_id, cards=len(results),
                          verified=verified, reasons=sorted({r.reason.value for r in results if r.reason}))  # fmt: skip
        log.info("health card verification %s: %d of %d card(s) verified", verification.verification_id, verified,
                 len(results))  # fmt: skip
        return verification

    def require(self, verification_id: str) -> CardVerification:
        document = self.store.get(COLLECTION, verification_id)
        if document is None:
            raise NotFoundError(f"no health card verification {verification_id}")
        return CardVerification.model_validate(document)

    async def _cards(self, request: VerifyCards) -> list[str]:
        if request.shc is not None:
            text = request.shc.strip()
            return [from_numeric(text) if text.lower().startswith(HEADER) or text[:1].isdigit() else text]
        if request.qr_png_base64 is not None:
            texts = await asyncio.to_thread(qr_texts, request.qr_png_base64)
            return [from_numeric(text) for text in texts[:1]]
        if request.file is not None:
            return cards_in_file(request.file)
        files = await self.reader.card_files(OpenShare(shlink=request.shlink, passcode=request.passcode))
        return [jws for data in files for jws in cards_in_file(data)]

"""The `.smart-health-card` file: `{"verifiableCredential": ["<jws>", ...]}`, application/smart-health-card."""

from __future__ import annotations

import json

from medcred.health_cards._errors import CardRejectedError, Refusal

__all__ = ["MAX_FILE_BYTES", "MEDIA_TYPE", "card_file", "cards_in_file"]

MEDIA_TYPE = "application/smart-health-card"
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_CARDS = 100


def card_file(*jws: str) -> bytes:
    return json.dumps({"verifiableCredential": list(jws)}, separators=(",", ":")).encode()


def cards_in_file(data: bytes | str) -> list[str]:
    if len(data) > MAX_FILE_BYTES:
        raise CardRejectedError(Refusal.MALFORMED, f"a .smart-health-card file is at most {MAX_FILE_BYTES} bytes")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        raise CardRejectedError(Refusal.MALFORMED, "the .smart-health-card file is not JSON") from None
    cards = document.get("verifiableCredential") if isinstance(document, dict) else None
    if not isinstance(cards, list) or not cards or not all(isinstance(card, str) for card in cards):
        raise CardRejectedError(Refusal.MALFORMED, "a .smart-health-card file holds verifiableCredential: [JWS, ...]")
    if len(cards) > MAX_CARDS:
        raise CardRejectedError(Refusal.MALFORMED, f"a .smart-health-card file holds at most {MAX_CARDS} cards")
    return cards

"""A card as the QR code a phone shows: its `shc:/` numeric form in one symbol of version 22 at most.

    svg = card_qr_svg(jws)      # ConflictError when the card is too long for one QR code

The specification deprecates chunking (several QR codes), so a card longer than 1195 characters (the
most one version-22 symbol holds at error correction L) has no QR code here: its file or a SMART Health
Link carries it. zxing-cpp writes `shc:/` as a byte segment and the digits as a numeric one, as the
specification asks. The level is the highest of Q, M and L that still fits version 22, so a short card
is printed more robustly.
"""

from __future__ import annotations

from medcred.errors import ConflictError
from medcred.health_cards._numeric import MAX_SINGLE_QR_JWS, to_numeric
from medcred.qr import qr_svg

__all__ = ["MAX_QR_VERSION", "card_qr_svg"]

MAX_QR_VERSION = 22
LEVELS = ("Q", "M", "L")  # the most error correction first


def card_qr_svg(jws: str) -> str:
    if len(jws) > MAX_SINGLE_QR_JWS:
        raise ConflictError(f"the card is {len(jws)} characters, more than one QR code holds ({MAX_SINGLE_QR_JWS}): "
                            "use its .smart-health-card file or a SMART Health Link")  # fmt: skip
    text = to_numeric(jws)
    for level in LEVELS:
        try:
            return qr_svg(text, level, max_version=MAX_QR_VERSION)
        except ValueError:
            continue
    raise ConflictError(f"the card does not fit in one version-{MAX_QR_VERSION} QR code")

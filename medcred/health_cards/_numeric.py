"""The `shc:/` numeric form of a card (what its QR code holds): each JWS character as two digits, c - 45.

    text = to_numeric(jws)        # "shc:/5676290952..."
    jws = from_numeric(text)      # CardRejectedError(BAD_QR) for another header, chunks, odd or large digits
"""

from __future__ import annotations

import re

from medcred.health_cards._errors import CardRejectedError, Refusal

__all__ = ["HEADER", "MAX_SINGLE_QR_JWS", "from_numeric", "to_numeric"]

HEADER = "shc:/"
MAX_SINGLE_QR_JWS = 1195  # the longest JWS that fits one version-22 QR code (error correction L)
OFFSET = 45  # "-", the smallest character of base64url and "."
_DIGITS = re.compile(r"(?:\d\d)+")
_CHUNKED = re.compile(r"\d+/\d+/")


def to_numeric(jws: str) -> str:
    return HEADER + "".join(f"{ord(char) - OFFSET:02d}" for char in jws)


def from_numeric(text: str) -> str:
    if not text.startswith(HEADER):
        raise CardRejectedError(Refusal.BAD_QR, "not a SMART Health Card QR: its content does not start with shc:/")
    body = text[len(HEADER):]
    if _CHUNKED.match(body):
        raise CardRejectedError(Refusal.BAD_QR, "a chunked (multi-QR) card: chunking is deprecated and not accepted")
    if not body or not _DIGITS.fullmatch(body):
        raise CardRejectedError(Refusal.BAD_QR, "after shc:/ a card is an even number of digits (numeric mode)")
    pairs = [int(body[i : i + 2]) for i in range(0, len(body), 2)]
    if max(pairs) > ord("z") - OFFSET:
        raise CardRejectedError(Refusal.BAD_QR, "a digit pair above 77 encodes no JWS character")
    return "".join(chr(pair + OFFSET) for pair in pairs)

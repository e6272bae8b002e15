"""Reading a SMART Health Link from a QR code image (PNG, base64), as a clinic's scanner would.

    link = link_from_png(body.qr_png_base64)    # InvalidInputError (400) with the reason otherwise

`medcred.qr.read_qr_codes` reads the image (a PNG, a JPEG or a WebP; its size checked before its pixels
are decoded); the first QR code that holds a `shlink:/` is the link. CPU-bound: call it in a worker thread.
"""

from __future__ import annotations

import base64
import binascii

from medcred.errors import InvalidInputError, PayloadTooLargeError
from medcred.qr import MAX_IMAGE_BYTES, read_qr_codes

__all__ = ["MAX_PNG_BYTES", "link_from_png", "qr_texts"]

MAX_PNG_BYTES = MAX_IMAGE_BYTES


def _png_bytes(encoded: str) -> bytes:
    text = encoded.strip()
    if text.startswith("data:"):  # a data URL, as a browser gives an image
        _, _, text = text.partition(",")
    compact = "".join(text.split())
    if len(compact) * 3 // 4 > MAX_PNG_BYTES:
        raise PayloadTooLargeError(f"the image is larger than {MAX_PNG_BYTES} bytes")
    try:
        return base64.b64decode(compact.replace("-", "+").replace("_", "/") + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError("qr_png_base64 is not base64") from None


def qr_texts(encoded: str) -> list[str]:
    """The texts of the QR codes in a PNG, JPEG or WebP image (base64): 400 if none is found."""
    return read_qr_codes(_png_bytes(encoded))


def link_from_png(encoded: str) -> str:
    """The SMART Health Link in a QR code image."""
    texts = qr_texts(encoded)
    for text in texts:
        if "shlink:/" in text.lower():
            return text
    raise InvalidInputError("the QR code does not hold a SMART Health Link (shlink:/...)")

"""Reading a SMART Health Link from a QR code image (PNG, base64), as a clinic's scanner would.

    link = link_from_png(body.qr_png_base64)    # InvalidInputError (400) with the reason otherwise

Pillow reads the PNG (and nothing else: other formats are refused, so fewer decoders face untrusted
bytes); its size is checked before its pixels are decoded. zxing-cpp finds the QR codes; the first that
holds a `shlink:/` is the link. CPU-bound: call it in a worker thread.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings

import zxingcpp
from PIL import Image, UnidentifiedImageError

from medcred.errors import InvalidInputError, PayloadTooLargeError

__all__ = ["MAX_PNG_BYTES", "link_from_png", "qr_texts"]

MAX_PNG_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a photo of a screen is a few megapixels; decoding more is a memory bomb
NO_QR = "no QR code found"


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


def _open(data: bytes) -> Image.Image:
    """The PNG as a greyscale image; its size is checked before its pixels are decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=["PNG"])
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidInputError("qr_png_base64 is not a PNG image (or not one that can be read)") from None
        except (OSError, ValueError, SyntaxError):
            raise InvalidInputError("the PNG image is damaged or truncated") from None
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise InvalidInputError(f"the image is {width}x{height} pixels; at most {MAX_PIXELS} are read")
        try:
            image.load()
            return image.convert("L")
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidInputError("the PNG image is damaged or truncated") from None


def qr_texts(encoded: str) -> list[str]:
    """The texts of the QR codes in a PNG image (base64): 400 if none is found."""
    grey = _open(_png_bytes(encoded))
    try:
        codes = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    except (ValueError, RuntimeError):
        raise InvalidInputError(NO_QR) from None
    texts = [code.text for code in codes if code.valid and code.text]
    if not texts:
        raise InvalidInputError(NO_QR)
    return texts


def link_from_png(encoded: str) -> str:
    """The SMART Health Link in a QR code image."""
    texts = qr_texts(encoded)
    for text in texts:
        if "shlink:/" in text.lower():
            return text
    raise InvalidInputError("the QR code does not hold a SMART Health Link (shlink:/...)")

"""QR codes: drawn as scalable SVG documents for a phone to scan, and read from a photo or an image.

    svg = qr_svg("https://...")        # <svg ... viewBox="0 0 N N"><path d="..."/></svg>
    svg = qr_svg(text, "L", max_version=22)   # ValueError when it needs a larger symbol
    texts = read_qr_codes(image)       # the texts of the QR codes in a PNG, JPEG or WebP image's bytes

zxing-cpp encodes (in C++, error correction M; it scores the masks itself) and each run of dark
modules in a row becomes one stroke of the path, 1 module wide: the rows are joined with a light
module between them, so one regex pass finds every run and none spans two rows. An invitation URL
(~600 characters) takes ~3 ms, ~2 of them encoding; segno, in pure Python with one fixed mask, took
~11 ms.

zxing-cpp (3.x, its writer built on zint) chooses the segments itself and picks the shortest: a
SMART Health Card's `shc:/5676...` becomes a byte segment for `shc:/` and a numeric one for the digits
(a 1195-character card fits version 22 at error correction L, as the specification asks; in byte mode
it would need version 30), so no encoder of our own is needed. `tests/unit/medcred/test_qr.py` checks it.
"""

from __future__ import annotations

import io
import re
import warnings

import zxingcpp
from PIL import Image, UnidentifiedImageError

from medcred.errors import InvalidInputError, PayloadTooLargeError

__all__ = ["IMAGE_FORMATS", "MAX_IMAGE_BYTES", "MAX_PIXELS", "NO_QR", "qr_svg", "qr_version", "read_qr_codes"]

QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks
DARK_RUN = re.compile(rb"\x00+")  # zxing-cpp's image: one byte per module, 0 = dark
LIGHT = b"\xff"


def qr_version(width: int) -> int:
    """The QR version of a symbol `width` modules wide (without its quiet zone): 21 is version 1, 177 is 40."""
    return (width - 17) // 4


def qr_svg(data: str, ec_level: str = "M", *, max_version: int = 40) -> str:
    """`data` as a QR code (error correction `ec_level`, a 4-module quiet zone) in an SVG document;
    a ValueError when it does not fit in a symbol of `max_version` or less."""
    try:
        code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level)
    except (ValueError, RuntimeError) as exc:
        raise ValueError(f"{len(data)} characters do not fit in a QR code: {exc}") from exc
    image = code.to_image(scale=1, add_quiet_zones=False)
    rows, width = image.shape
    if qr_version(width) > max_version:
        raise ValueError(f"{len(data)} characters need a version {qr_version(width)} QR code, over {max_version}")
    pixels, stride, q = bytes(image), width + 1, QUIET_ZONE
    joined = LIGHT.join(pixels[start : start + width] for start in range(0, rows * width, width))
    spans = (run.span() for run in DARK_RUN.finditer(joined))
    runs = [f"M{start % stride + q} {start // stride + q}.5h{end - start}" for start, end in spans]
    size = width + 2 * q
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path stroke="#000" d="{"".join(runs)}"/></svg>'
    )


# Reading: what a phone's camera gives (JPEG; PNG or WebP for a screenshot), and nothing else, so that
# fewer of Pillow's decoders face untrusted bytes. The size is checked before any pixel is decoded.
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP")
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a phone's photo is 12 to 50 megapixels; decoding more is a memory bomb
NO_QR = "no QR code found in the image"


def _open(data: bytes) -> Image.Image:
    """The image as greyscale; refused (400) if it is not one of IMAGE_FORMATS or is too large."""
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLargeError(f"the image is {len(data)} bytes; at most {MAX_IMAGE_BYTES} are read")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS))
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidInputError("the file is not a PNG, JPEG or WebP image (or not one that can be read)") from None
        except (OSError, ValueError, SyntaxError):
            raise InvalidInputError("the image is damaged or truncated") from None
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise InvalidInputError(f"the image is {width}x{height} pixels; at most {MAX_PIXELS} are read")
        try:
            image.load()
            return image.convert("L")
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidInputError("the image is damaged or truncated") from None


def read_qr_codes(data: bytes) -> list[str]:
    """The texts of the QR codes in an image (400 with the reason if there is none). CPU-bound (a photo
    takes ~0.1 s): call it in a worker thread."""
    grey = _open(data)
    try:
        codes = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    except (ValueError, RuntimeError):
        raise InvalidInputError(NO_QR) from None
    texts = [code.text for code in codes if code.valid and code.text]
    if not texts:
        raise InvalidInputError(NO_QR)
    return texts

"""QR codes as scalable SVG documents, for a phone to scan: hospital invitations, SMART Health Links.

    svg = qr_svg("https://...")        # <svg ... viewBox="0 0 N N"><path d="..."/></svg>
    svg = qr_svg(text, "L", max_version=22)   # ValueError when it needs a larger symbol

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

import re

import zxingcpp

__all__ = ["qr_svg", "qr_version"]

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

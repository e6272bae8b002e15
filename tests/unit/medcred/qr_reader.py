"""Read back a QR code from `medcred.qr.qr_svg`'s SVG: draw its path's modules and decode them (zxing-cpp)."""

from __future__ import annotations

import re

import zxingcpp
from PIL import Image, ImageDraw

SCALE = 8


def read_qr_svg(svg: str) -> str:
    """The text of the QR code in `svg` (its path: `M x y` then `h n` runs, and `m dx dy` moves)."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))  # type: ignore[union-attr]
    path = re.search(r' d="([^"]+)"', svg).group(1)  # type: ignore[union-attr]
    image = Image.new("L", (size * SCALE, size * SCALE), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for op, a, b in re.findall(r"([MmHh])\s*(-?[\d.]+)(?:[ ,](-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:  # a run of dark modules on row y - 0.5, from x
            end = float(a) if op == "H" else x + float(a)
            top = int((y - 0.5) * SCALE)
            draw.rectangle((int(x * SCALE), top, int(end * SCALE) - 1, top + SCALE - 1), fill=0)
            x = end
    # QR codes only: in a dense code, zxing now and then also "finds" a 1D barcode (seen: 2 in 150).
    (code,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return code.text

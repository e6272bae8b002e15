"""medcred.qr: the SVG reads back as the data, at the sizes medcred puts in QR codes."""

from __future__ import annotations

import secrets

import pytest

from medcred.qr import qr_svg
from tests.unit.medcred.qr_reader import read_qr_svg


@pytest.mark.parametrize("length", [10, 300, 1200, 2200])
def test_qr_svg_reads_back_as_the_data(length: int) -> None:
    data = "https://hospital.example/?oob=" + secrets.token_urlsafe(length)[:length]
    svg = qr_svg(data)
    assert svg.startswith("<svg") and 'viewBox="0 0 ' in svg
    assert read_qr_svg(svg) == data


def test_qr_svg_refuses_data_too_long_for_a_qr_code() -> None:
    with pytest.raises(ValueError):
        qr_svg("x" * 5000)

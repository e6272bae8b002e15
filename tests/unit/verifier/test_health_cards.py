"""POST /health-cards/verify: the spec's example cards in every form with the example issuer in the trust
list; our own cards refused, each for its own reason (never a 500)."""

from __future__ import annotations

import base64
import io
import json
import re
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from medcred.health_cards import SigningKey, card_file, card_payload, minimal_bundle, sign, to_numeric
from tests.unit.verifier.conftest import STAFF, StartVerifier, Verifier

SPEC = Path(__file__).parents[2] / "fixtures" / "smart_health_cards"
EXAMPLE_ISS = "https://spec.smarthealth.cards/examples/issuer"
EXAMPLE_JWS = (SPEC / "example-00-d-jws.txt").read_text().strip()
OUR_ISS = "https://hospital.example"
KEY = SigningKey.generate()
PATIENT = {"resourceType": "Patient", "name": [{"family": "Ng", "given": ["Ada"]}], "birthDate": "1990-02-03"}
DOSE = {"resourceType": "Immunization", "status": "completed", "patient": {"reference": "Patient/x"},
        "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "207"}]},
        "occurrenceDateTime": "2021-03-04", "lotNumber": "LOT-9",
        "performer": [{"actor": {"display": "City"}}]}  # fmt: skip


def snapshot(*, our_crls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    example_keys = json.loads((SPEC / "jwks.json").read_text())["keys"]
    example_crl = json.loads((SPEC / "crl-3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json").read_text())
    ours = KEY.public_jwk(crl_version=1 if our_crls else 0)
    return {"issuerInfo": [
        {"issuer": {"iss": EXAMPLE_ISS, "name": "SMART Health Cards example issuer"}, "keys": example_keys,
         "crls": [example_crl]},
        {"issuer": {"iss": OUR_ISS, "name": "City Hospital"}, "keys": [ours], "crls": our_crls or []},
    ]}  # fmt: skip


@pytest.fixture
async def clinic(start_verifier: StartVerifier, tmp_path: Path) -> Verifier:
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps(snapshot(our_crls=[{"kid": KEY.kid, "method": "rid", "ctr": 1, "rids": ["gone"]}])))
    return await start_verifier(health_card_trust_list=trust)


def our_card(key: SigningKey = KEY, rid: str = "fine", **claims: Any) -> str:
    payload = card_payload(OUR_ISS, int(time.time()) - 60, minimal_bundle(PATIENT, [DOSE]), rid)
    return sign({**payload, **claims}, key)


def png_of_svg(svg: str) -> str:
    """The spec's SVG QR code drawn as a PNG (what a clinic's camera would give), base64."""
    size = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))  # type: ignore[union-attr]
    path = re.search(r'<path stroke="#000000" d="([^"]+)"', svg).group(1)  # type: ignore[union-attr]
    image = Image.new("L", (size * 6, size * 6), 255)
    draw, x, y = ImageDraw.Draw(image), 0.0, 0.0
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            draw.rectangle((int(x * 6), int((y - 0.5) * 6), int((x + float(a)) * 6) - 1, int((y + 0.5) * 6) - 1), 0)
            x += float(a)
    return png_b64(image)


def png_b64(image: Image.Image) -> str:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return base64.b64encode(out.getvalue()).decode()


def qr_png(text: str) -> str:
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="L")
    return png_b64(Image.fromarray(code.to_image(scale=4, add_quiet_zones=True)))


async def verify(clinic: Verifier, **body: str) -> dict[str, Any]:
    response = await clinic.http.post("/health-cards/verify", json=body, headers=STAFF)
    assert response.status_code == 200, response.text
    return response.json()


async def only_result(clinic: Verifier, **body: str) -> dict[str, Any]:
    (result,) = (await verify(clinic, **body))["results"]
    return result


@pytest.mark.parametrize("form", ["jws", "file", "numeric", "qr_image"])
async def test_the_spec_example_card_verifies_in_each_of_its_forms(clinic: Verifier, form: str) -> None:
    body = {
        "jws": {"shc": EXAMPLE_JWS},
        "file": {"file": (SPEC / "example-00-e-file.smart-health-card").read_text()},
        "numeric": {"shc": (SPEC / "example-00-f-qr-code-numeric-value-0.txt").read_text()},
        "qr_image": {"qr_png_base64": png_of_svg((SPEC / "example-00-g-qr-code-0.svg").read_text())},
    }[form]
    result = await only_result(clinic, **body)
    assert result["verified"] is True, result
    assert result["issuer"] == {"iss": EXAMPLE_ISS, "name": "SMART Health Cards example issuer"}
    assert (result["patient_name"], result["patient_birth_date"]) == ("John B. Anyperson", "1951-01-20")
    assert [(i["vaccine_system"], i["vaccine_code"], i["date"], i["lot_number"], i["performer"])
            for i in result["immunizations"]] == [
        ("http://hl7.org/fhir/sid/cvx", "207", "2021-01-01", "0000001", "ABC General Hospital"),
        ("http://hl7.org/fhir/sid/cvx", "207", "2021-01-29", "0000007", "ABC General Hospital")]  # fmt: skip


async def test_the_spec_example_revoked_card_is_refused_as_revoked(clinic: Verifier) -> None:
    result = await only_result(clinic, shc=(SPEC / "example-03-d-jws.txt").read_text())
    assert (result["verified"], result["reason"]) == (False, "revoked")


async def test_a_card_of_another_issuer_in_the_trust_list_verifies_like_the_example(clinic: Verifier) -> None:
    result = await only_result(clinic, qr_png_base64=qr_png(to_numeric(our_card())))
    assert result["verified"] is True and result["issuer"]["name"] == "City Hospital"
    assert result["immunizations"][0]["lot_number"] == "LOT-9"


def zlib_wrapped(jws: str) -> str:
    header, payload, signature = jws.split(".")
    raw = zlib.decompress(base64.urlsafe_b64decode(payload + "=="), -15)
    return f"{header}.{base64.urlsafe_b64encode(zlib.compress(raw)).rstrip(b'=').decode()}.{signature}"


def changed_signature(jws: str) -> str:
    head, _, signature = jws.rpartition(".")
    return f"{head}.{signature[:5]}{'A' if signature[5] != 'A' else 'B'}{signature[6:]}"


@pytest.mark.parametrize(("make", "reason"), [
    (lambda: changed_signature(our_card()), "bad_signature"),
    (lambda: our_card(SigningKey.generate()), "unknown_kid"),
    (lambda: our_card(iss="https://stranger.example"), "unknown_issuer"),
    (lambda: our_card(iss="http://hospital.example"), "insecure_issuer"),
    (lambda: our_card(rid="gone"), "revoked"),
    (lambda: our_card(nbf=int(time.time()) + 86_400), "not_yet_valid"),
    (lambda: our_card(exp=int(time.time()) - 86_400), "expired"),
    (lambda: our_card() + "~~", "trailing_data"),
    (lambda: zlib_wrapped(our_card()), "bad_compression"),
    (lambda: "shc:/1/2/5676", "bad_qr"),
    (lambda: "SHC:/5676", "bad_qr"),
    (lambda: "hello", "malformed"),
])  # fmt: skip
async def test_each_refusal_has_its_own_reason(clinic: Verifier, make: Any, reason: str) -> None:
    result = await only_result(clinic, shc=make())
    assert (result["verified"], result["reason"]) == (False, reason), result
    assert result["detail"]


async def test_an_invalid_fhir_bundle_is_refused_after_the_signature(clinic: Verifier) -> None:
    payload = card_payload(OUR_ISS, int(time.time()), {"resourceType": "Bundle", "type": "nonsense-type", "entry": 5})
    result = await only_result(clinic, shc=sign(payload, KEY))
    assert (result["verified"], result["reason"]) == (False, "invalid_fhir")


async def test_a_qr_of_the_wrong_content_is_refused(clinic: Verifier) -> None:
    result = await only_result(clinic, qr_png_base64=qr_png("https://example.org/not-a-card"))
    assert (result["verified"], result["reason"]) == (False, "bad_qr")


async def test_a_file_with_two_cards_gives_two_results_and_each_is_kept(clinic: Verifier) -> None:
    answer = await verify(clinic, file=card_file(our_card(), our_card(rid="gone")).decode())
    assert [r["verified"] for r in answer["results"]] == [True, False]
    kept = await clinic.http.get(f"/health-cards/verifications/{answer['verification_id']}", headers=STAFF)
    assert kept.json() == answer


async def test_requests_of_the_wrong_shape_are_4xx(clinic: Verifier) -> None:
    for body in ({}, {"shc": "x", "file": "y"}, {"nope": 1}):
        assert (await clinic.http.post("/health-cards/verify", json=body, headers=STAFF)).status_code == 422
    assert (await clinic.http.post("/health-cards/verify", json={"shc": "x"})).status_code == 401
    bad_png = await clinic.http.post("/health-cards/verify", json={"qr_png_base64": "bm90IGEgcG5n"}, headers=STAFF)
    assert bad_png.status_code == 400
    assert (await clinic.http.get("/health-cards/verifications/nope", headers=STAFF)).status_code == 404


async def test_with_no_trust_list_every_issuer_is_unknown(start_verifier: StartVerifier) -> None:
    clinic = await start_verifier()
    assert (await only_result(clinic, shc=EXAMPLE_JWS))["reason"] == "unknown_issuer"

"""medcred.health_cards: the spec's example cards read back; our cards' shape; every refusal with its reason."""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from pathlib import Path

import pytest
import zxingcpp

from medcred.errors import ConflictError
from medcred.health_cards import (
    MAX_SINGLE_QR_JWS,
    CardClaims,
    CardRejectedError,
    Crl,
    Refusal,
    SigningKey,
    card_file,
    card_payload,
    card_qr_svg,
    cards_in_file,
    from_numeric,
    load_or_create,
    minimal_bundle,
    new_rid,
    parse,
    public_key,
    read_bundle,
    sign,
    to_numeric,
)
from medcred.qr import qr_svg
from tests.unit.medcred.qr_reader import read_qr_svg

SPEC = Path(__file__).parents[2] / "fixtures" / "smart_health_cards"
EXAMPLE_JWS = (SPEC / "example-00-d-jws.txt").read_text().strip()
EXAMPLE_KEY = json.loads((SPEC / "jwks.json").read_text())["keys"][0]

PATIENT = {"resourceType": "Patient", "id": "p1", "meta": {"versionId": "3"},
           "text": {"status": "generated", "div": "<div/>"},
           "name": [{"family": "Ng", "given": ["Ada"]}], "birthDate": "1990-02-03"}  # fmt: skip
IMMUNIZATION = {
    "resourceType": "Immunization", "id": "i1", "status": "completed",
    "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "207", "display": "Moderna"}],
                    "text": "COVID-19 vaccine"},
    "patient": {"reference": "Patient/p1"}, "occurrenceDateTime": "2021-03-04", "lotNumber": "LOT-9",
    "performer": [{"actor": {"display": "City Hospital"}}],
}  # fmt: skip


def card(key: SigningKey, **changes: object) -> str:
    payload = card_payload("https://hospital.example", 1_700_000_000, minimal_bundle(PATIENT, [IMMUNIZATION]), "rid1")
    return sign({**payload, **changes}, key)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def refusal(text: str) -> Refusal:
    with pytest.raises(CardRejectedError) as caught:
        parse(text)
    return caught.value.reason


def test_the_spec_example_card_parses_and_verifies_with_the_example_issuers_key() -> None:
    token = parse(EXAMPLE_JWS)
    claims = CardClaims.of(token.payload)
    assert claims.iss == "https://spec.smarthealth.cards/examples/issuer"
    assert token.verifies_with(public_key(EXAMPLE_KEY))  # type: ignore[arg-type]
    patient, immunizations = read_bundle(claims.bundle)
    assert patient is not None and (patient.name, patient.birth_date) == ("John B. Anyperson", "1951-01-20")
    assert [(i.code, i.date, i.lot) for i in immunizations] == [("207", "2021-01-01", "0000001"),
                                                               ("207", "2021-01-29", "0000007")]  # fmt: skip


def test_the_spec_example_in_its_file_numeric_and_qr_forms_is_the_same_card() -> None:
    assert cards_in_file((SPEC / "example-00-e-file.smart-health-card").read_bytes()) == [EXAMPLE_JWS]
    numeric = (SPEC / "example-00-f-qr-code-numeric-value-0.txt").read_text().strip()
    assert from_numeric(numeric) == EXAMPLE_JWS and to_numeric(EXAMPLE_JWS) == numeric
    svg = (SPEC / "example-00-g-qr-code-0.svg").read_text()
    background = '<path fill="#ffffff" d="M0 0h97v97H0z"/>'  # a white square: no modules
    assert background in svg and read_qr_svg(svg.replace(background, "")) == numeric


def test_the_kid_is_the_rfc7638_thumbprint(tmp_path: Path) -> None:
    key = load_or_create(tmp_path / "key.jwk")
    public = key.public_jwk()
    members = json.dumps({k: public[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
    assert key.kid == b64(hashlib.sha256(members.encode()).digest())
    assert load_or_create(tmp_path / "key.jwk").kid == key.kid  # made once, then read back
    assert (tmp_path / "key.jwk").stat().st_mode & 0o077 == 0
    assert "d" not in public and public["use"] == "sig" and public["alg"] == "ES256"
    assert "crlVersion" not in public and key.public_jwk(crl_version=2)["crlVersion"] == 2


def test_our_card_is_a_zip_def_es256_jws_of_a_minimal_bundle() -> None:
    key = SigningKey.generate()
    header_b64, payload_b64, _ = card(key).split(".")
    assert json.loads(base64.urlsafe_b64decode(header_b64 + "==")) == {"zip": "DEF", "alg": "ES256", "kid": key.kid}
    raw = zlib.decompress(base64.urlsafe_b64decode(payload_b64 + "=="), -15)
    assert b" " not in raw.split(b'"fhirBundle"')[0]  # minified
    payload = json.loads(raw)
    entries = payload["vc"]["credentialSubject"]["fhirBundle"]["entry"]
    assert [e["fullUrl"] for e in entries] == ["resource:0", "resource:1"]
    patient, immunization = entries[0]["resource"], entries[1]["resource"]
    assert "id" not in patient and "meta" not in patient and "text" not in patient
    assert immunization["patient"] == {"reference": "resource:0"} and "id" not in immunization
    assert immunization["vaccineCode"] == {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "207"}]}
    assert payload["vc"]["rid"] == "rid1"


def test_a_changed_byte_in_payload_or_signature_fails_the_signature() -> None:
    key = SigningKey.generate()
    jws = card(key)
    public = public_key(key.public_jwk())
    assert public is not None and parse(jws).verifies_with(public)
    header, payload, signature = jws.split(".")
    other = "A" if signature[10] != "A" else "B"
    assert not parse(f"{header}.{payload}.{signature[:10]}{other}{signature[11:]}").verifies_with(public)
    flipped = bytearray(zlib.decompress(base64.urlsafe_b64decode(payload + "=="), -15))
    flipped[flipped.index(b"LOT-9")] = ord("X")
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    altered = b64(deflate.compress(bytes(flipped)) + deflate.flush())
    assert not parse(f"{header}.{altered}.{signature}").verifies_with(public)


def test_each_malformed_card_is_refused_with_its_own_reason() -> None:
    jws = card(SigningKey.generate())
    header, payload, signature = jws.split(".")
    raw = zlib.decompress(base64.urlsafe_b64decode(payload + "=="), -15)
    assert refusal(jws + "  ") is Refusal.TRAILING_DATA
    assert refusal(jws + "AAAA") is Refusal.TRAILING_DATA
    assert refusal(f"{header}.{b64(zlib.compress(raw))}.{signature}") is Refusal.BAD_COMPRESSION  # zlib, not raw
    assert refusal(f"{header}.{b64(raw)}.{signature}") is Refusal.BAD_COMPRESSION  # not compressed at all
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    extra = b64(deflate.compress(raw) + deflate.flush() + b"xx")
    assert refusal(f"{header}.{extra}.{signature}") is Refusal.TRAILING_DATA
    no_zip = b64(json.dumps({"alg": "ES256", "kid": "k"}).encode())
    assert refusal(f"{no_zip}.{payload}.{signature}") is Refusal.BAD_COMPRESSION
    assert refusal("not.a-jws") is Refusal.MALFORMED
    assert refusal(f"{header}.{payload}.{signature[:40]}") is Refusal.BAD_SIGNATURE


def test_numeric_form_refuses_another_header_chunks_and_odd_or_large_digits() -> None:
    for text in ("SHC:/5676", "https://x/5676", "shc:/1/2/5676", "shc:/567", "shc:/5699", "shc:/eyJ6"):
        with pytest.raises(CardRejectedError) as caught:
            from_numeric(text)
        assert caught.value.reason is Refusal.BAD_QR, text


def test_a_card_of_1195_characters_fits_one_version_22_qr_in_numeric_mode() -> None:
    text = to_numeric("e" * MAX_SINGLE_QR_JWS)
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="L")
    read = zxingcpp.read_barcode(code.to_image(scale=4))
    assert read is not None and read.text == text
    assert int(read.extra["Version"]) <= 22  # byte mode would need version 30 for these 2395 characters
    assert read_qr_svg(qr_svg(text, ec_level="L")) == text


def qr_version_of(svg: str) -> int:
    """The version of the QR code in `svg`, from its width (less the 4-module quiet zone each side)."""
    return (int(svg.split('viewBox="0 0 ', 1)[1].split(" ", 1)[0]) - 8 - 17) // 4


def test_a_cards_qr_code_is_one_numeric_symbol_of_version_22_at_most_else_a_409(tmp_path: Path) -> None:
    jws = card(load_or_create(tmp_path / "key.jwk"))
    svg = card_qr_svg(jws)
    assert read_qr_svg(svg) == to_numeric(jws)
    longest = "e" * MAX_SINGLE_QR_JWS
    svg = card_qr_svg(longest)
    assert qr_version_of(svg) == 22 and read_qr_svg(svg) == to_numeric(longest)
    with pytest.raises(ConflictError, match="more than one QR code holds"):
        card_qr_svg(longest + "e")
    with pytest.raises(ValueError, match="version 23 QR code, over 22"):
        qr_svg(to_numeric(longest + "ee"), "L", max_version=22)


def test_the_crl_revokes_a_rid_and_a_rid_before_a_time() -> None:
    crl = Crl(kid="k", ctr=2, rids=["aaa", "bbb.1000"])
    assert crl.revokes("aaa", 5000) and crl.revokes("bbb", 999.5) and crl.revokes("bbb", 1000.4)
    assert not crl.revokes("bbb", 1001) and not crl.revokes("ccc", 1)
    assert len(new_rid()) == 11 and new_rid() != new_rid()


def test_the_spec_example_revoked_card_is_on_the_example_crl() -> None:
    claims = CardClaims.of(parse((SPEC / "example-03-d-jws.txt").read_text().strip()).payload)
    crl = Crl.model_validate_json((SPEC / "crl-3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s.json").read_text())
    assert claims.rid is not None and crl.revokes(claims.rid, claims.nbf)


def test_a_card_file_holds_its_cards_and_nothing_else() -> None:
    assert cards_in_file(card_file("a.b.c", "d.e.f")) == ["a.b.c", "d.e.f"]
    for bad in (b"[]", b'{"verifiableCredential": []}', b'{"verifiableCredential": [1]}', b"nope"):
        with pytest.raises(CardRejectedError):
            cards_in_file(bad)


def test_an_invalid_fhir_bundle_is_refused() -> None:
    for bundle in ({"resourceType": "Patient"}, {"resourceType": "Bundle", "type": 7, "entry": "x"}):
        with pytest.raises(CardRejectedError) as caught:
            read_bundle(bundle)
        assert caught.value.reason is Refusal.INVALID_FHIR

"""Consent receipts checked without any agent: the did:key in the kid, EdDSA, the patient it names."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from nacl.signing import SigningKey

from holder.receipts import GRANT, TYP, public_jwk, verify_receipt
from medcred.errors import InvalidInputError
from tests.unit.holder.conftest import b64url, did_key_of, jwt_sign

PATIENT_KEY = SigningKey(b"\x01" * 32)
PATIENT = did_key_of(PATIENT_KEY)


def claims(**changes: Any) -> dict[str, Any]:
    return {"type": GRANT, "grant_id": "g-1", "patient": PATIENT, "verifier_did": "EWWExmvTPTTaet8ipxYg3T",
            "credential_types": ["vaccination"], "reveal": ["vaccine_code"], "prove": [], "purpose": "school",
            "iat": 1778328000, "exp": 1780920000} | changes  # fmt: skip


def signed(payload: dict[str, Any] | None = None, key: SigningKey = PATIENT_KEY, **headers: Any) -> str:
    return jwt_sign(key, {"typ": TYP, **headers}, payload or claims())


def with_part(token: str, index: int, value: dict[str, Any]) -> str:
    parts = token.split(".")
    parts[index] = b64url(json.dumps(value).encode())
    return ".".join(parts)


def test_a_patients_receipt_verifies_and_gives_its_claims() -> None:
    assert verify_receipt(signed()) == claims()


def test_the_did_key_decodes_to_the_ed25519_public_key() -> None:
    assert PATIENT.startswith("did:key:z6Mk")
    x = public_jwk(PATIENT).export_public(as_dict=True)["x"]
    assert base64.urlsafe_b64decode(x + "==") == bytes(PATIENT_KEY.verify_key)


def test_a_tampered_payload_fails() -> None:
    token = signed()
    with pytest.raises(InvalidInputError, match="signature does not verify"):
        verify_receipt(with_part(token, 1, claims(reveal=["vaccine_code", "lot_number"])))


def test_another_key_cannot_sign_for_the_patient() -> None:
    forger = SigningKey(b"\x02" * 32)
    header = {"typ": TYP, "alg": "EdDSA", "kid": f"{PATIENT}#{PATIENT.removeprefix('did:key:')}"}
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims()).encode())}"
    forged = f"{signing_input}.{b64url(forger.sign(signing_input.encode()).signature)}"
    with pytest.raises(InvalidInputError, match="signature does not verify"):
        verify_receipt(forged)
    with pytest.raises(InvalidInputError, match="not signed by the patient it names"):
        verify_receipt(signed(key=forger))  # valid for the forger's own did:key, but it names our patient


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ({"typ": "JWT", "alg": "EdDSA", "kid": f"{PATIENT}#{PATIENT[8:]}"}, "typ medcred-consent"),
        ({"typ": TYP, "alg": "none", "kid": f"{PATIENT}#{PATIENT[8:]}"}, "alg EdDSA"),
        ({"typ": TYP, "alg": "EdDSA", "kid": "did:sov:EWWExmvTPTTaet8ipxYg3T#key-1"}, "not a base58btc did:key"),
        ({"typ": TYP, "alg": "EdDSA", "kid": f"{PATIENT}#z6MkOther"}, "not a key of its did:key"),
        ({"typ": TYP, "alg": "EdDSA", "kid": "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"},
         "not an Ed25519 key"),
    ],
)  # fmt: skip
def test_a_receipt_with_a_wrong_header_fails(header: dict[str, Any], reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        verify_receipt(with_part(signed(), 0, header))


@pytest.mark.parametrize("token", ["", "a.b", "not base64!.x.y", f"{b64url(b'[1]')}.x.y"])
def test_malformed_receipts_fail(token: str) -> None:
    with pytest.raises(InvalidInputError):
        verify_receipt(token)


def test_a_signed_token_that_is_not_a_consent_receipt_fails() -> None:
    with pytest.raises(InvalidInputError, match="not a medcred consent receipt"):
        verify_receipt(signed(claims(type="something-else")))

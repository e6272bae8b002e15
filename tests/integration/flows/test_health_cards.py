"""SMART Health Cards on the real stack: a vaccination issued with its card reaches the patient's wallet
beside the AnonCreds credential; the card is shared by SMART Health Link and verified by the clinic (the
hospital in its trust list, keys and CRL fetched live), and exported as FHIR; the hospital revokes, and
then the card fails as revoked and so does the AnonCreds proof. And a card of the stack's hospital checked
by an independent verifier written from the specification (jwcrypto + zlib + fhir.resources)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zlib
from typing import Any

import httpx
import zxingcpp
from fhir.resources.R4B.bundle import Bundle
from jwcrypto import jwk, jws  # type: ignore[import-untyped]
from PIL import Image, ImageDraw

from medcred import samples
from stack.clients import ControllerError, HospitalClient, VerifierClient
from stack.network import MedcredNetwork
from tests.integration.flows.conftest import Onboard, Patient, issue, request_proof

type Json = dict[str, Any]

SINGLE_QR_JWS = 1195  # the longest JWS one version-22 QR code holds (the spec's size rule for a QR card)


async def card_of(patient: Patient, credential_id: str) -> Json:
    (card,) = [c for c in await patient.wallet.call("GET", "/me/health-cards") if credential_id in c["credential_ids"]]
    return card


def svg_text(svg: str) -> str:
    """What the QR code in the wallet's SVG says, read by zxing-cpp from a drawing of it (as a camera would)."""
    size = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))  # type: ignore[union-attr]
    path = re.search(r' d="([^"]+)"', svg).group(1)  # type: ignore[union-attr]
    image = Image.new("L", (size * 4, size * 4), 255)
    draw = ImageDraw.Draw(image)
    for x, y, run in re.findall(r"M(\d+) (\d+)\.5h(\d+)", path):
        left, top = int(x) * 4, int(y) * 4
        draw.rectangle((left, top, left + int(run) * 4 - 1, top + 3), fill=0)
    (code,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return code.text


async def verify(clinic: VerifierClient, **form: str) -> Json:
    verification: Json = await clinic.call("POST", "/health-cards/verify", json=form)
    return verification


async def test_a_vaccination_card_is_listed_shared_verified_exported_and_revoked_with_its_credential(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard, network: MedcredNetwork
) -> None:
    patient = await onboard(given="Robin", birth_date="1984-09-30")
    credential_id = await issue(hospital, patient, "vaccination", health_card=True,
                                fhir=samples.immunization(patient.ref, dose=2, date="2026-02-11", lot="LOT-SHC-1"))

    # The wallet lists both: the AnonCreds credential and the card that carries it.
    credentials = await patient.wallet.credentials()
    assert [c["attributes"]["lot_number"] for c in credentials if c["type"] == "vaccination"] == ["LOT-SHC-1"]
    card = await card_of(patient, credential_id)
    assert card["revoked"] is False and card["iss"] == network.issuer.settings.health_card_iss
    assert (card["patient_name"], card["birth_date"]) == ("Robin Rivera", "1984-09-30")
    assert [(d["code"], d["date"], d["lot"]) for d in card["immunizations"]] == [("208", "2026-02-11", "LOT-SHC-1")]

    # Its file and its QR code, from the wallet.
    file = await patient.wallet.download(f"/me/health-cards/{card['card_id']}/file")
    assert file.headers["content-type"] == "application/smart-health-card"
    (jws_text,) = file.json()["verifiableCredential"]
    qr = await patient.wallet.download(f"/me/health-cards/{card['card_id']}/qr")
    numeric = svg_text(qr.text)
    assert numeric.startswith("shc:/") and numeric[5:].isdigit()
    by_qr = await verify(clinic, shc=numeric)
    assert by_qr["results"][0]["verified"] is True, by_qr

    # Shared by SMART Health Link; the clinic opens it and verifies the card in it.
    share = await patient.wallet.call("POST", f"/me/health-cards/{card['card_id']}/share", json={"label": "vaccine"})
    assert share["record_ids"] == [card["record_id"]]
    checked = await verify(clinic, shlink=share["shlink"])
    (result,) = checked["results"]
    assert result["verified"] is True, result
    assert result["issuer"] == {"iss": card["iss"], "name": network.issuer.settings.label}
    assert (result["patient_name"], result["patient_birth_date"]) == ("Robin Rivera", "1984-09-30")
    assert [(i["vaccine_code"], i["lot_number"]) for i in result["immunizations"]] == [("208", "LOT-SHC-1")]
    assert any("loopback" in warning for warning in result["warnings"])  # iss is http on 127.0.0.1
    fhir = await clinic.call("GET", f"/health-cards/verifications/{checked['verification_id']}/fhir")
    Bundle.model_validate(fhir)
    assert {e["resource"]["resourceType"] for e in fhir["entry"]} == {"Patient", "Immunization", "Provenance"}

    # The AnonCreds proof of the same vaccination verifies too, and comes out as FHIR with its issuer.
    verification_id, request_id = await request_proof(clinic, patient, "vaccination-status")
    await patient.wallet.present(request_id)
    assert (await clinic.result(verification_id, wait=30))["state"] == "verified"
    proof_fhir = await clinic.call("GET", f"/verifications/{verification_id}/fhir")
    Bundle.model_validate(proof_fhir)
    (provenance,) = [e["resource"] for e in proof_fhir["entry"] if e["resource"]["resourceType"] == "Provenance"]
    assert provenance["agent"][0]["who"]["identifier"]["value"] == await hospital_did(hospital)

    # The hospital revokes the vaccination: the card is revoked with it, at once.
    await hospital.revoke(credential_id)
    assert (await card_of(patient, credential_id))["revoked"] is True
    again = await verify(clinic, shlink=share["shlink"])
    assert (again["results"][0]["verified"], again["results"][0]["reason"]) == (False, "revoked"), again
    assert (await verify(clinic, shc=jws_text))["results"][0]["reason"] == "revoked"
    try:
        await patient.wallet.call("POST", f"/me/health-cards/{card['card_id']}/share")
        raise AssertionError("a revoked card was shared again")
    except ControllerError as refused:
        assert refused.status_code == 409

    verification_id, request_id = await request_proof(clinic, patient, "vaccination-status")
    try:
        await patient.wallet.present(request_id)
    except ControllerError as refused:
        assert refused.status_code == 409 and "revoked" in str(refused.detail)
    result = await clinic.result(verification_id, wait=30)
    assert result["state"] == "failed" and "revoked" in result["reason"]
    try:
        await clinic.call("GET", f"/verifications/{verification_id}/fhir")
        raise AssertionError("a failed verification was exported as FHIR")
    except ControllerError as refused:
        assert refused.status_code == 409


async def hospital_did(hospital: HospitalClient) -> str:
    return str((await hospital.call("GET", "/issuer"))["did"]).removeprefix("did:sov:")


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _no_display_only_fields(value: Any, key: str = "") -> None:
    if isinstance(value, dict):
        assert not {"id", "text", "meta"} & set(value) or key == "", value  # no Resource.id, narrative or meta
        assert not (key == "coding" and "display" in value), value
        for name, item in value.items():
            _no_display_only_fields(item, name)
    elif isinstance(value, list):
        for item in value:
            _no_display_only_fields(item, key)


async def test_an_independent_verifier_written_from_the_spec_accepts_the_hospitals_card(
    hospital: HospitalClient, onboard: Onboard, network: MedcredNetwork, http: httpx.AsyncClient
) -> None:
    patient = await onboard(given="Sasha")
    credential_id = await issue(hospital, patient, "vaccination", health_card=True,
                                fhir=samples.immunization(patient.ref, dose=1))
    card = await card_of(patient, credential_id)
    file = await patient.wallet.download(f"/me/health-cards/{card['card_id']}/file")
    (token,) = file.json()["verifiableCredential"]
    assert len(token) <= SINGLE_QR_JWS and re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token)

    # The issuer's key set, from {iss}/.well-known/jwks.json, without any key.
    iss = network.issuer.settings.health_card_iss
    key_set = (await http.get(f"{iss}/.well-known/jwks.json")).json()
    header_b64 = token.split(".")[0]
    header = json.loads(b64url(header_b64))
    assert header == {"zip": "DEF", "alg": "ES256", "kid": header["kid"]}
    (member,) = [k for k in key_set["keys"] if k["kid"] == header["kid"]]
    assert (member["kty"], member["crv"], member["use"], member["alg"]) == ("EC", "P-256", "sig", "ES256")
    assert "d" not in member
    thumbprint = hashlib.sha256(json.dumps({k: member[k] for k in ("crv", "kty", "x", "y")},
                                           separators=(",", ":"), sort_keys=True).encode()).digest()  # fmt: skip
    assert base64.urlsafe_b64encode(thumbprint).rstrip(b"=").decode() == member["kid"]  # RFC 7638

    # The signature (jwcrypto), then the payload: raw DEFLATE (wbits -15), minified JSON.
    verified = jws.JWS()
    verified.deserialize(token)
    verified.verify(jwk.JWK(**member), alg="ES256")
    inflater = zlib.decompressobj(-15)
    raw = inflater.decompress(verified.objects["payload"])
    assert inflater.eof and not inflater.unused_data
    payload = json.loads(raw)
    assert raw == json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    assert payload["iss"] == iss and isinstance(payload["nbf"], int | float)
    vc = payload["vc"]
    assert "https://smarthealth.cards#health-card" in vc["type"] and isinstance(vc["rid"], str)
    assert vc["credentialSubject"]["fhirVersion"] == "4.0.1"
    bundle = vc["credentialSubject"]["fhirBundle"]
    Bundle.model_validate(bundle)
    assert [e["fullUrl"] for e in bundle["entry"]] == [f"resource:{n}" for n in range(len(bundle["entry"]))]
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient", "Immunization"]
    assert bundle["entry"][1]["resource"]["patient"] == {"reference": "resource:0"}
    for entry in bundle["entry"]:
        _no_display_only_fields(entry["resource"])

    # Not on its key's CRL yet; on it once the hospital revokes the vaccination.
    crl_url = f"{iss}/.well-known/crl/{header['kid']}.json"
    assert vc["rid"] not in (await http.get(crl_url)).json()["rids"]
    await hospital.revoke(credential_id)
    crl = (await http.get(crl_url)).json()
    assert vc["rid"] in crl["rids"]
    keys_after = (await http.get(f"{iss}/.well-known/jwks.json")).json()["keys"]
    assert next(k for k in keys_after if k["kid"] == header["kid"])["crlVersion"] == crl["ctr"]


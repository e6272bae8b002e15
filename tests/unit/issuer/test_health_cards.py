"""The hospital's SMART Health Cards over ASGI with a faked agent: keys, issuing, the portal, revoking both ways."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import pytest
from jwcrypto import jwk, jws  # type: ignore[import-untyped]

from issuer.health_cards.keys import check_iss
from medcred.errors import ConfigurationError
from tests.unit.issuer import examples
from tests.unit.issuer.conftest import PUBLIC_URL, Issuer
from tests.unit.issuer.test_credential_routes import exchange, issued, revocation_ids

WITH_CARD = {"type": "vaccination", "fhir": examples.immunization(), "health_card": True}


def payload_of(card: str) -> dict[str, Any]:
    return json.loads(zlib.decompress(base64.urlsafe_b64decode(card.split(".")[1] + "=="), -15))


async def key_set(issuer: Issuer) -> dict[str, Any]:
    response = await issuer.http.get("/.well-known/jwks.json", headers={"X-API-Key": ""})
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == "*"
    return response.json()


async def portal_cards(issuer: Issuer) -> list[dict[str, Any]]:
    key = issuer.connection_keys["p1"]
    response = await issuer.portal("GET", f"{key}/health-cards")
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_key_set_is_public_and_holds_only_the_public_key(issuer: Issuer) -> None:
    (key,) = (await key_set(issuer))["keys"]
    assert key["kid"] == jwk.JWK(**key).thumbprint() and "d" not in key
    assert (key["kty"], key["crv"], key["use"], key["alg"]) == ("EC", "P-256", "sig", "ES256")
    assert "crlVersion" not in key
    crl = await issuer.http.get(f"/.well-known/crl/{key['kid']}.json", headers={"X-API-Key": ""})
    assert crl.json() == {"kid": key["kid"], "method": "rid", "ctr": 0, "rids": []}
    assert (await issuer.http.get("/.well-known/crl/other.json")).status_code == 404


async def test_a_vaccination_issued_with_its_card_reaches_the_portal_signed_by_the_published_key(
    issuer: Issuer,
) -> None:
    await issuer.connected_patient()
    answer = await issuer.http.post("/patients/p1/credentials", json=WITH_CARD)
    assert answer.status_code == 202, answer.text
    card_id = answer.json()["health_card_id"]
    (listed,) = (await issuer.http.get("/health-cards", params={"patient_ref": "p1"})).json()
    assert listed["card_id"] == card_id and listed["credential_ids"] == [answer.json()["credential_id"]]
    (card,) = await portal_cards(issuer)
    token = jws.JWS()
    token.deserialize(card["jws"])
    token.verify(jwk.JWK(**(await key_set(issuer))["keys"][0]))  # raises if not signed by it
    payload = payload_of(card["jws"])
    assert payload["iss"] == PUBLIC_URL and len(payload["vc"]["rid"]) == 11
    patient, dose = (entry["resource"] for entry in payload["vc"]["credentialSubject"]["fhirBundle"]["entry"])
    assert patient == {"resourceType": "Patient", "name": [{"family": "Doe", "given": ["Jane", "Q"]}],
                       "birthDate": "1990-01-02"}  # fmt: skip
    assert dose["lotNumber"] == "EW0182" and dose["patient"] == {"reference": "resource:0"}
    records = (await issuer.portal("GET", f"{issuer.connection_keys['p1']}/records")).json()
    assert [r["content_type"] for r in records] == ["application/smart-health-card"]


async def test_revoking_the_credential_revokes_its_card_on_the_crl_at_once(issuer: Issuer) -> None:
    await issuer.connected_patient()
    answer = (await issuer.http.post("/patients/p1/credentials", json=WITH_CARD)).json()
    cred_ex_id = issuer.service.registry.credential(answer["credential_id"]).cred_ex_id  # type: ignore[union-attr]
    await exchange(issuer, cred_ex_id, "credential-issued")
    await revocation_ids(issuer, cred_ex_id)
    assert (await issuer.http.post(f"/credentials/{answer['credential_id']}/revoke")).status_code == 200
    card = (await issuer.http.get(f"/health-cards/{answer['health_card_id']}")).json()
    assert card["revoked"] is True
    (key,) = (await key_set(issuer))["keys"]
    crl = (await issuer.http.get(f"/.well-known/crl/{key['kid']}.json")).json()
    (portal_card,) = await portal_cards(issuer)
    assert crl["ctr"] == key["crlVersion"] == 1 and crl["rids"] == [payload_of(portal_card["jws"])["vc"]["rid"]]


async def test_revoking_the_card_revokes_its_credential(issuer: Issuer) -> None:
    await issuer.connected_patient()
    answer = (await issuer.http.post("/patients/p1/credentials", json=WITH_CARD)).json()
    cred_ex_id = issuer.service.registry.credential(answer["credential_id"]).cred_ex_id  # type: ignore[union-attr]
    await exchange(issuer, cred_ex_id, "credential-issued")
    await revocation_ids(issuer, cred_ex_id)
    revoked = await issuer.http.post(f"/health-cards/{answer['health_card_id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert len(issuer.agent.calls("POST", "/anoncreds/revocation/revoke")) == 1
    assert (await issuer.http.get(f"/credentials/{answer['credential_id']}")).json()["revoked"] is True
    again = await issuer.http.post(f"/health-cards/{answer['health_card_id']}/revoke")
    assert again.json() == revoked.json() and len(issuer.agent.calls("POST", "/anoncreds/revocation/revoke")) == 1


async def test_several_existing_doses_make_one_card(issuer: Issuer) -> None:
    first, _ = await issued(issuer)
    second = (await issuer.http.post("/patients/p1/credentials", json={"type": "vaccination",
                                                                      "fhir": examples.immunization()})).json()
    body = {"credential_ids": [first, second["credential_id"]],
            "immunizations": [examples.immunization(), examples.immunization()]}  # fmt: skip
    response = await issuer.http.post("/patients/p1/health-cards", json=body)
    assert response.status_code == 201, response.text
    (card,) = await portal_cards(issuer)
    assert len(payload_of(card["jws"])["vc"]["credentialSubject"]["fhirBundle"]["entry"]) == 3


async def test_a_card_only_for_the_patients_own_live_vaccinations(issuer: Issuer) -> None:
    allergy, _ = await issued(issuer, {"type": "allergy", "fhir": examples.allergy()})
    one = {"immunizations": [examples.immunization()]}
    assert (await issuer.http.post("/patients/p1/health-cards", json={**one, "credential_ids": [allergy]})
            ).status_code == 422  # fmt: skip
    assert (await issuer.http.post("/patients/p1/health-cards", json={**one, "credential_ids": ["nope"]})
            ).status_code == 404  # fmt: skip
    mismatched = {"credential_ids": [allergy], "immunizations": []}
    assert (await issuer.http.post("/patients/p1/health-cards", json=mismatched)).status_code == 422
    refused = await issuer.http.post("/patients/p1/credentials", json={"type": "allergy", "fhir": examples.allergy(),
                                                                      "health_card": True})  # fmt: skip
    assert refused.status_code == 422 and "vaccination" in refused.text
    assert (await issuer.http.post("/health-cards/nope/revoke")).status_code == 404
    assert (await issuer.http.get("/health-cards", headers={"X-API-Key": "wrong"})).status_code == 401


@pytest.mark.parametrize("url", ["https://hospital.example", "http://127.0.0.1:8001", "http://localhost:8001"])
def test_iss_https_or_loopback_http(url: str) -> None:
    assert check_iss(url + "/") == url


@pytest.mark.parametrize("url", ["http://hospital.example", "ftp://x", "https://h.example/?q=1", "https://u:p@h.example"])
def test_iss_refused_otherwise(url: str) -> None:
    with pytest.raises(ConfigurationError):
        check_iss(url)

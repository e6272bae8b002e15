"""The hospital API over ASGI with a faked agent: staff key, patients, invitations, the issuer's identity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medcred.credentials import CredentialType
from tests.unit.issuer import examples
from tests.unit.issuer.conftest import Issuer, connection_record, running
from tests.unit.issuer.fakes import NEW_DID, FakeAgent, FakeLedger

ROUTES = [
    ("GET", "/issuer"),
    ("PUT", "/patients/p1"),
    ("GET", "/patients/p1"),
    ("POST", "/patients/p1/invitation"),
    ("POST", "/patients/p1/credentials"),
    ("GET", "/credentials"),
    ("GET", "/credentials/c1"),
    ("POST", "/credentials/c1/revoke"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("headers", [{"X-API-Key": ""}, {"X-API-Key": "wrong-key"}])
async def test_every_route_needs_the_staff_key(issuer: Issuer, method: str, path: str, headers: dict[str, str]) -> None:
    response = await issuer.http.request(method, path, headers=headers, json=examples.patient())
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_without_any_key_is_401(issuer: Issuer) -> None:
    issuer.http.headers.pop("X-API-Key")
    assert (await issuer.http.get("/issuer")).status_code == 401


async def test_issuer_identity_after_onboarding(issuer: Issuer) -> None:
    body = (await issuer.http.get("/issuer")).json()
    assert body["did"] == NEW_DID
    assert set(body["credential_definitions"]) == {t.value for t in CredentialType}
    assert all(c.startswith(f"{NEW_DID}:3:CL:") for c in body["credential_definitions"].values())


async def test_put_patient_creates_then_updates_without_echoing_health_data(issuer: Issuer) -> None:
    first = await issuer.http.put("/patients/p-1.a_B", json=examples.patient())
    assert first.status_code == 201
    assert first.json()["patient_ref"] == "p-1.a_B" and first.json()["connected"] is False
    assert "Jane" not in first.text and "1990" not in first.text and "HID-123456" not in first.text
    second = await issuer.http.put("/patients/p-1.a_B", json=examples.patient() | {"birthDate": "1991-05-06"})
    assert second.status_code == 200
    assert second.json()["created_at"] == first.json()["created_at"]
    assert issuer.service.registry.patient("p-1.a_B").birth_date.isoformat() == "1991-05-06"


@pytest.mark.parametrize("patient_ref", ["has%20space", "x" * 65, "semi%3Bcolon", "%C3%A9"])
async def test_bad_patient_ref_is_400(issuer: Issuer, patient_ref: str) -> None:
    response = await issuer.http.put(f"/patients/{patient_ref}", json=examples.patient())
    assert response.status_code == 400
    assert "patient_ref" in response.json()["detail"]
    assert (await issuer.http.post(f"/patients/{patient_ref}/invitation")).status_code == 400


async def test_invalid_fhir_patient_is_422_without_the_values(issuer: Issuer) -> None:
    resource = examples.patient() | {"birthDate": "1990-13-45"}
    resource["name"] = [{"family": "Secretname", "given": 42}]
    response = await issuer.http.put("/patients/p1", json=resource)
    assert response.status_code == 422
    assert "birthDate" in response.json()["detail"]
    assert "1990-13-45" not in response.text and "Secretname" not in response.text and "42" not in response.text


async def test_patient_missing_birth_date_says_so(issuer: Issuer) -> None:
    resource = examples.patient()
    del resource["birthDate"]
    response = await issuer.http.put("/patients/p1", json=resource)
    assert response.status_code == 422 and "birthDate" in response.json()["detail"]


async def test_a_non_object_body_is_422(issuer: Issuer) -> None:
    response = await issuer.http.put("/patients/p1", json=["Jane Doe"])
    assert response.status_code == 422 and "Jane" not in response.text


@pytest.mark.parametrize(("method", "path"), [("GET", "/patients/nobody"),
                                              ("POST", "/patients/nobody/invitation"),
                                              ("POST", "/patients/nobody/credentials"),
                                              ("GET", "/credentials?patient_ref=nobody")])  # fmt: skip
async def test_unknown_patient_is_404(issuer: Issuer, method: str, path: str) -> None:
    body = {"type": "health_id", "expiry": "2099-01-01"}
    response = await issuer.http.request(method, path, json=body if method == "POST" else None)
    assert response.status_code == 404


async def test_invitation_is_an_oob_didexchange_invitation_with_a_qr_code(issuer: Issuer) -> None:
    await issuer.http.put("/patients/p1", json=examples.patient())
    response = await issuer.http.post("/patients/p1/invitation")
    assert response.status_code == 201
    body = response.json()
    assert body["invitation_url"].startswith("http://127.0.0.1:8020?oob=")
    assert body["qr_svg"].startswith("<svg") and "<path" in body["qr_svg"]
    (request,) = issuer.agent.calls("POST", "/out-of-band/create-invitation")
    sent = json.loads(request.content)
    assert sent["handshake_protocols"] == ["https://didcomm.org/didexchange/1.1"]
    # to the hospital's public DID, so that a wallet can tell the hospital from a look-alike
    assert sent["use_public_did"] is True and sent["alias"] == "p1" and "attachments" not in sent
    assert request.url.params["auto_accept"] == "true"
    assert issuer.service.registry.invitation_patient(body["invitation_id"]) == "p1"


async def test_an_active_connection_links_the_patient_and_survives_a_restart(tmp_path: Path) -> None:
    agent, ledger = FakeAgent(), FakeLedger()
    async for issuer in running(tmp_path, agent, ledger):
        await issuer.http.put("/patients/p1", json=examples.patient())
        invitation = (await issuer.http.post("/patients/p1/invitation")).json()
        base = connection_record("conn-9", invitation["invitation_id"], "p1")
        await issuer.webhook("connections", base | {"state": "request", "rfc23_state": "request-received",
                                                    "updated_at": "1"})  # fmt: skip
        assert issuer.service.registry.patient("p1").connection_id is None
        await issuer.webhook("connections", base | {"updated_at": "2"})
        await issuer.webhook("connections", connection_record("conn-x", "someone-else's", "p2"))
    published = len(agent.publishing_calls())
    async for issuer in running(tmp_path, agent, ledger):
        assert issuer.service.registry.patient("p1").connection_id == "conn-9"
        response = await issuer.http.put("/patients/p1", json=examples.patient())
        assert response.status_code == 200 and response.json()["connected"] is True
    assert len(agent.publishing_calls()) == published  # the restart found its DID and definitions


async def test_reading_a_patient_says_whether_their_wallet_is_connected(issuer: Issuer) -> None:
    put = (await issuer.http.put("/patients/p1", json=examples.patient())).json()
    before = await issuer.http.get("/patients/p1")
    assert before.status_code == 200 and before.json() == put
    assert before.json()["connected"] is False
    invitation = (await issuer.http.post("/patients/p1/invitation")).json()["invitation_id"]
    await issuer.webhook("connections", connection_record("conn-1", invitation, "p1"))
    after = await issuer.http.get("/patients/p1")
    assert after.json()["connected"] is True and after.json()["patient_ref"] == "p1"
    assert "Jane" not in after.text and "HID-123456" not in after.text and "1990" not in after.text
    await issuer.webhook("connections", connection_record("conn-1", invitation, "p1") | {"state": "deleted"})
    assert (await issuer.http.get("/patients/p1")).json()["connected"] is False


async def test_a_connection_from_an_expired_invitation_is_not_linked(issuer: Issuer) -> None:
    await issuer.http.put("/patients/p1", json=examples.patient())
    invitation = (await issuer.http.post("/patients/p1/invitation")).json()["invitation_id"]
    stored = issuer.service.registry.store.get("invitations", invitation)
    assert stored is not None
    issuer.service.registry.store.put("invitations", invitation, stored | {"created_at": "2020-01-01T00:00:00+00:00"})
    await issuer.webhook("connections", connection_record("conn-1", invitation, "p1"))
    assert issuer.service.registry.patient("p1").connection_id is None
    fresh = (await issuer.http.post("/patients/p1/invitation")).json()["invitation_id"]  # the desk invites again
    await issuer.webhook("connections", connection_record("conn-2", fresh, "p1"))
    assert issuer.service.registry.patient("p1").connection_id == "conn-2"


async def test_a_connection_gone_after_a_reuse_for_anothers_invitation_unlinks_its_own_patient(issuer: Issuer) -> None:
    await issuer.connected_patient("p1")
    await issuer.http.put("/patients/p2", json=examples.patient())
    theirs = (await issuer.http.post("/patients/p2/invitation")).json()["invitation_id"]
    # p1's wallet scanned p2's invitation and reused its connection: ACA-Py wrote p2's invitation id into it.
    reused = connection_record("conn-p1", theirs, "p1") | {"updated_at": "2025-01-01T00:05:00Z"}
    await issuer.webhook("connections", reused)  # (ACA-Py posts none for a reuse: were it to, nothing moves)
    assert [(await issuer.http.get(f"/patients/{p}")).json()["connected"] for p in ("p1", "p2")] == [True, False]
    await issuer.webhook("connections", reused | {"state": "deleted"})
    assert [(await issuer.http.get(f"/patients/{p}")).json()["connected"] for p in ("p1", "p2")] == [False, False]

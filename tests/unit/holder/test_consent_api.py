"""Consent grants over HTTP: creation and its checks, status over time, withdrawal, receipts, isolation."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from holder import create_app
from holder.receipts import GRANT, TYP, WITHDRAWAL, verify_receipt
from tests.unit.holder.conftest import STAFF, FakeAgent, Holder, PatientHandle, settings_in

type Json = dict[str, Any]

VERIFIER = "EWWExmvTPTTaet8ipxYg3T"
BODY: Json = {
    "verifier_did": f"did:sov:{VERIFIER}", "credential_types": ["vaccination"],
    "reveal": ["vaccine_code", "occurrence_date"], "prove": ["dose_number"], "purpose": "school enrolment",
}  # fmt: skip


async def give(holder: Holder, patient: PatientHandle, **changes: Any) -> httpx.Response:
    return await holder.http.post("/me/consents", json=BODY | changes, headers=patient.headers)


async def test_a_grant_is_active_with_a_receipt_signed_by_the_patients_own_did_key(holder: Holder) -> None:
    patient = await holder.patient()
    response = await give(holder, patient)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "active"
    assert body["verifier_did"] == VERIFIER
    assert body["expires_at"] == "2026-06-08T12:00:00Z"
    assert body["withdrawn_at"] is None and body["withdrawal_receipt"] is None
    assert "patient_id" not in body
    (did,) = holder.agent.keys[patient.wallet_id]  # made in the patient's own sub-wallet
    assert body["patient_did"] == did and did.startswith("did:key:z6Mk")
    claims = verify_receipt(body["receipt"])
    assert claims == {
        "type": GRANT, "jti": body["grant_id"], "grant_id": body["grant_id"], "patient": did,
        "verifier_did": VERIFIER, "credential_types": ["vaccination"], "reveal": ["vaccine_code", "occurrence_date"],
        "prove": ["dose_number"], "purpose": "school enrolment", "auto_answer": False,
        "iat": 1778328000, "exp": 1780920000,
    }  # fmt: skip
    ((wallet_id, sign_body),) = holder.agent.signed
    assert wallet_id == patient.wallet_id
    assert sign_body == {"did": did, "headers": {"typ": TYP}, "payload": claims}


async def test_the_did_key_is_made_once_per_patient(holder: Holder) -> None:
    alice, bob = await holder.patient(), await holder.patient()
    first, second = (await give(holder, alice)).json(), (await give(holder, alice, auto_answer=True)).json()
    assert first["patient_did"] == second["patient_did"]
    assert len(holder.agent.keys[alice.wallet_id]) == 1
    assert (await give(holder, bob)).json()["patient_did"] != first["patient_did"]


async def test_granting_is_heard_by_the_hook_with_names_not_values(holder: Holder) -> None:
    patient = await holder.patient()
    grant_id = (await give(holder, patient)).json()["grant_id"]
    assert holder.events == [("consent granted", patient.patient_id, {
        "grant_id": grant_id, "verifier_did": VERIFIER, "credential_types": ["vaccination"],
        "reveal": ["vaccine_code", "occurrence_date"], "prove": ["dose_number"], "purpose": "school enrolment",
        "auto_answer": False, "expires_at": "2026-06-08T12:00:00+00:00",
    })]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"reveal": ["vaccine_code", "blood_type"]}, "attributes not in the schemas of vaccination: blood_type"),
        ({"verifier_did": "did:sov:0OIl"}, "DID must be"),
        ({"expires_in_days": 0}, "greater than or equal to 1"),
        ({"expires_in_days": 3651}, "less than or equal to 3650"),
        ({"expires_at": "2026-05-09T12:00:00.500Z"}, "at least 1 second in the future"),
        ({"expires_at": "2036-05-09T12:00:00Z"}, "within 3650 days"),
        ({"expires_at": "2026-06-01T00:00:00"}, "timezone"),
    ],
)
async def test_a_bad_grant_is_a_422_with_the_reason(holder: Holder, changes: Json, reason: str) -> None:
    patient = await holder.patient()
    response = await give(holder, patient, **changes)
    assert response.status_code == 422
    assert reason in str(response.json()["detail"])
    assert holder.agent.signed == [] and holder.events == []
    assert (await holder.http.get("/me/consents", headers=patient.headers)).json() == []


async def test_status_is_computed_when_read(holder: Holder) -> None:
    patient = await holder.patient()
    response = await give(holder, patient, expires_at="2026-05-09T12:00:01Z")
    assert response.status_code == 201, response.text
    grant_id = response.json()["grant_id"]
    url = f"/me/consents/{grant_id}"
    assert (await holder.http.get(url, headers=patient.headers)).json()["status"] == "active"
    holder.clock.advance(seconds=1)
    assert (await holder.http.get(url, headers=patient.headers)).json()["status"] == "expired"
    listed = (await holder.http.get("/me/consents", headers=patient.headers)).json()
    assert [(g["grant_id"], g["status"]) for g in listed] == [(grant_id, "expired")]
    response = await holder.http.post(f"{url}/withdraw", headers=patient.headers)
    assert (response.status_code, response.json()["detail"]) == (409, f"consent {grant_id} is already expired")


async def test_withdrawal_is_signed_and_ends_the_grant(holder: Holder) -> None:
    patient = await holder.patient()
    granted = (await give(holder, patient)).json()
    holder.clock.advance(hours=2)
    response = await holder.http.post(f"/me/consents/{granted['grant_id']}/withdraw", headers=patient.headers)
    assert response.status_code == 200, response.text
    withdrawn = response.json()
    assert withdrawn["status"] == "withdrawn"
    assert withdrawn["withdrawn_at"] == "2026-05-09T14:00:00Z"
    assert withdrawn["receipt"] == granted["receipt"]
    claims = verify_receipt(withdrawn["withdrawal_receipt"])
    assert claims["type"] == WITHDRAWAL and claims["grant_id"] == granted["grant_id"]
    assert claims["iat"] == claims["withdrawn_at"] == 1778335200
    assert claims["grant_receipt_sha256"] == hashlib.sha256(granted["receipt"].encode()).hexdigest()
    assert holder.events[-1] == ("consent withdrawn", patient.patient_id, {
        "grant_id": granted["grant_id"], "verifier_did": VERIFIER, "purpose": "school enrolment"})  # fmt: skip
    again = await holder.http.post(f"/me/consents/{granted['grant_id']}/withdraw", headers=patient.headers)
    assert again.status_code == 409
    holder.clock.advance(days=100)
    fetched = (await holder.http.get(f"/me/consents/{granted['grant_id']}", headers=patient.headers)).json()
    assert fetched["status"] == "withdrawn"


async def test_receipts_as_json_or_as_a_jose_download(holder: Holder) -> None:
    patient = await holder.patient()
    granted = (await give(holder, patient)).json()
    url = f"/me/consents/{granted['grant_id']}/receipt"
    response = await holder.http.get(url, headers=patient.headers)
    assert response.json() == {"grant": granted["receipt"], "withdrawal": None}
    jose = {**patient.headers, "Accept": "application/jose"}
    response = await holder.http.get(url, headers=jose)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jose"
    assert response.headers["content-disposition"] == f'attachment; filename="consent-{granted["grant_id"]}-grant.jws"'
    assert response.text == granted["receipt"]
    assert (await holder.http.get(url, params={"kind": "withdrawal"}, headers=jose)).status_code == 404
    withdrawn = (await holder.http.post(f"/me/consents/{granted['grant_id']}/withdraw", headers=patient.headers)).json()
    response = await holder.http.get(url, params={"kind": "withdrawal"}, headers=jose)
    assert response.text == withdrawn["withdrawal_receipt"]
    both = (await holder.http.get(url, headers=patient.headers)).json()
    assert both == {"grant": granted["receipt"], "withdrawal": withdrawn["withdrawal_receipt"]}


async def test_another_patients_grant_is_404_everywhere(holder: Holder) -> None:
    alice, bob = await holder.patient(), await holder.patient()
    grant_id = (await give(holder, alice)).json()["grant_id"]
    for method, path in [("GET", ""), ("POST", "/withdraw"), ("GET", "/receipt")]:
        response = await holder.http.request(method, f"/me/consents/{grant_id}{path}", headers=bob.headers)
        assert response.status_code == 404, (method, path)
    assert (await holder.http.get("/me/consents", headers=bob.headers)).json() == []
    assert (await holder.http.get("/me/consents/not-a-grant", headers=alice.headers)).status_code == 404
    assert (await holder.http.get(f"/me/consents/{grant_id}", headers=alice.headers)).json()["status"] == "active"
    assert (await holder.http.get("/me/consents")).status_code == 401


async def test_a_failed_signature_keeps_no_grant(holder: Holder) -> None:
    patient = await holder.patient()
    await give(holder, patient)
    holder.agent.keys[patient.wallet_id].clear()  # the agent can no longer sign with the patient's key
    response = await give(holder, patient, purpose="another purpose")
    assert response.status_code == 502
    assert len((await holder.http.get("/me/consents", headers=patient.headers)).json()) == 1


async def test_a_failing_hook_does_not_undo_the_grant(holder: Holder) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("audit store down")

    holder.app.state.consents.on_event = broken
    patient = await holder.patient()
    assert (await give(holder, patient)).status_code == 201


async def test_grants_survive_a_restart(tmp_path: Path) -> None:
    agent = FakeAgent()
    first = create_app(settings_in(tmp_path), admin_transport=httpx.MockTransport(agent))
    async with first.router.lifespan_context(first):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=first), base_url="http://h") as http:
            token = (await http.post("/patients", headers=STAFF)).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            granted = (await http.post("/me/consents", json=BODY, headers=headers)).json()
            grant_id = (await http.post("/me/consents", json=BODY, headers=headers)).json()["grant_id"]
            await http.post(f"/me/consents/{grant_id}/withdraw", headers=headers)
    second = create_app(settings_in(tmp_path), admin_transport=httpx.MockTransport(agent))
    async with second.router.lifespan_context(second):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://h") as http:
            listed = (await http.get("/me/consents", headers=headers)).json()
    assert [(g["grant_id"], g["status"]) for g in listed] == [(granted["grant_id"], "active"), (grant_id, "withdrawn")]
    assert listed[0]["receipt"] == granted["receipt"]

"""Issuing, following and revoking credentials over ASGI with a faked agent."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from agents.events import WebhookEvent
from medcred.credentials import SCHEMAS, CredentialType
from tests.unit.issuer import examples
from tests.unit.issuer.conftest import Issuer, connection_record

VACCINATION = {"type": "vaccination", "fhir": examples.immunization()}


async def issued(issuer: Issuer, body: dict[str, Any] = VACCINATION) -> tuple[str, str]:
    """An offer to a connected patient: (credential_id, cred_ex_id)."""
    await issuer.connected_patient()
    response = await issuer.http.post("/patients/p1/credentials", json=body)
    assert response.status_code == 202, response.text
    credential_id = response.json()["credential_id"]
    return credential_id, issuer.service.registry.credential(credential_id).cred_ex_id


async def exchange(issuer: Issuer, cred_ex_id: str, state: str, **extra: str) -> None:
    await issuer.webhook("issue_credential_v2_0", {"cred_ex_id": cred_ex_id, "state": state,
                                                   "updated_at": state, **extra})  # fmt: skip


async def revocation_ids(issuer: Issuer, cred_ex_id: str) -> None:
    await issuer.webhook("issue_credential_v2_0_anoncreds", {"cred_ex_anoncreds_id": "d1", "cred_ex_id": cred_ex_id,
                                                             "rev_reg_id": "RR1", "cred_rev_id": "7"})  # fmt: skip


async def test_issuing_before_a_connection_is_409(issuer: Issuer) -> None:
    await issuer.http.put("/patients/p1", json=examples.patient())
    response = await issuer.http.post("/patients/p1/credentials", json=VACCINATION)
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith("the patient has no completed connection to the hospital")
    assert "?wait_connection=<seconds>" in detail and "GET /patients/{patient_ref}" in detail
    assert issuer.agent.calls("POST", "/issue-credential-2.0/send-offer") == []


async def test_an_offer_whose_schema_the_agent_could_not_read_is_503_to_retry(issuer: Issuer) -> None:
    await issuer.connected_patient()
    issuer.agent.offer_misses = 1
    response = await issuer.http.post("/patients/p1/credentials", json=VACCINATION)
    assert response.status_code == 503, response.text
    assert "Retry-After" in response.headers
    assert "could not read the credential's schema from the ledger" in response.json()["detail"]
    assert issuer.service.registry.credentials("p1") == []
    assert (await issuer.http.post("/patients/p1/credentials", json=VACCINATION)).status_code == 202


async def test_offer_carries_the_mapped_attributes_and_the_right_definition(issuer: Issuer) -> None:
    credential_id, cred_ex_id = await issued(issuer)
    offer = issuer.agent.offers[cred_ex_id]
    identity = (await issuer.http.get("/issuer")).json()
    assert offer["connection_id"] == "conn-p1"
    assert offer["filter"] == {"anoncreds": {"cred_def_id": identity["credential_definitions"]["vaccination"]}}
    assert offer["auto_issue"] is True and offer["auto_remove"] is False
    preview = offer["credential_preview"]
    assert preview["@type"] == "issue-credential/2.0/credential-preview"
    values = {a["name"]: a["value"] for a in preview["attributes"]}
    assert tuple(values) == SCHEMAS[CredentialType.VACCINATION].attributes
    assert values["patient_name"] == "Jane Q Doe" and values["vaccine_code"] == "207"
    stored = json.dumps(issuer.service.registry.credential(credential_id).model_dump(mode="json"))
    assert "Jane" not in stored and "207" not in stored and "EW0182" not in stored  # ids and states only


@pytest.mark.parametrize(
    "body",
    [
        {"type": "health_id", "expiry": "2099-12-31"},
        {"type": "allergy", "fhir": examples.allergy()},
    ],
)
async def test_other_credential_types_are_accepted(issuer: Issuer, body: dict[str, Any]) -> None:
    credential_id, cred_ex_id = await issued(issuer, body)
    view = (await issuer.http.get(f"/credentials/{credential_id}")).json()
    assert view["type"] == body["type"] and view["state"] == "offer-sent" and view["revoked"] is False
    identity = (await issuer.http.get("/issuer")).json()
    wanted = identity["credential_definitions"][body["type"]]
    assert issuer.agent.offers[cred_ex_id]["filter"]["anoncreds"]["cred_def_id"] == wanted


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"type": "vaccination", "fhir": examples.immunization() | {"occurrenceDateTime": "SECRET-2021"}},
         "occurrenceDateTime"),
        ({"type": "allergy", "fhir": examples.immunization()}, "AllergyIntolerance"),
        ({"type": "vaccination", "fhir": examples.immunization() | {"status": "not-done"}}, "status"),
        ({"type": "health_id", "expiry": "2001-01-01"}, "expiry"),
        ({"type": "health_id", "expiry": "31/12/2099"}, "expiry"),
        ({"type": "passport", "fhir": {}}, "type"),
    ],
)  # fmt: skip
async def test_invalid_credential_requests_are_422_without_values(
    issuer: Issuer, body: dict[str, Any], reason: str
) -> None:
    await issuer.connected_patient()
    response = await issuer.http.post("/patients/p1/credentials", json=body)
    assert response.status_code == 422 and reason in response.text
    assert "SECRET-2021" not in response.text and "31/12/2099" not in response.text
    assert issuer.agent.calls("POST", "/issue-credential-2.0/send-offer") == []


async def test_webhooks_move_the_state_forward_only(issuer: Issuer) -> None:
    credential_id, cred_ex_id = await issued(issuer)
    await exchange(issuer, cred_ex_id, "credential-issued")
    await revocation_ids(issuer, cred_ex_id)
    view = (await issuer.http.get(f"/credentials/{credential_id}")).json()
    assert view["state"] == "credential-issued" and view["issued_at"] is not None
    await exchange(issuer, cred_ex_id, "done")
    await exchange(issuer, cred_ex_id, "request-received")  # a late delivery never moves it back
    assert (await issuer.http.get(f"/credentials/{credential_id}")).json()["state"] == "done"
    listed = (await issuer.http.get("/credentials", params={"patient_ref": "p1"})).json()
    assert [c["credential_id"] for c in listed] == [credential_id]


async def test_events_that_came_before_the_record_are_applied(issuer: Issuer) -> None:
    def agent_is_faster(cred_ex_id: str) -> None:  # the event is seen before issue() saves its record
        issuer.service.link.events.feed(
            WebhookEvent("issue_credential_v2_0", {"cred_ex_id": cred_ex_id, "state": "request-received"})
        )

    issuer.agent.on_offer = agent_is_faster
    await issuer.connected_patient()
    response = await issuer.http.post("/patients/p1/credentials", json=VACCINATION)
    assert response.json()["state"] == "request-received"


async def test_wait_answers_once_issued(issuer: Issuer) -> None:
    credential_id, cred_ex_id = await issued(issuer)
    issuer.agent.revocation_ids[cred_ex_id] = {"rev_reg_id": "RR1", "cred_rev_id": "3"}

    async def later() -> None:
        await asyncio.sleep(0.05)
        await exchange(issuer, cred_ex_id, "done")

    task = asyncio.create_task(later())
    view = (await issuer.http.get(f"/credentials/{credential_id}", params={"wait": 5})).json()
    await task
    assert view["state"] == "done"
    record = issuer.service.registry.credential(credential_id)  # no anoncreds webhook: read from the agent
    assert (record.rev_reg_id, record.cred_rev_id) == ("RR1", "3")


async def test_wait_times_out_with_the_current_state_and_is_bounded(issuer: Issuer) -> None:
    credential_id, _ = await issued(issuer)
    response = await issuer.http.get(f"/credentials/{credential_id}", params={"wait": 0.05})
    assert response.status_code == 200 and response.json()["state"] == "offer-sent"
    assert (await issuer.http.get(f"/credentials/{credential_id}", params={"wait": 31})).status_code == 422


async def test_abandoned_exchange_says_why(issuer: Issuer) -> None:
    credential_id, cred_ex_id = await issued(issuer)
    await exchange(issuer, cred_ex_id, "abandoned", error_msg="holder declined")
    view = (await issuer.http.get(f"/credentials/{credential_id}", params={"wait": 1})).json()
    assert view["state"] == "abandoned" and view["reason"] == "holder declined"


async def test_unknown_credential_is_404(issuer: Issuer) -> None:
    assert (await issuer.http.get("/credentials/nope")).status_code == 404
    assert (await issuer.http.post("/credentials/nope/revoke")).status_code == 404


async def test_revoking_before_issuance_is_409(issuer: Issuer) -> None:
    credential_id, _ = await issued(issuer)
    assert (await issuer.http.post(f"/credentials/{credential_id}/revoke")).status_code == 409
    assert issuer.agent.calls("POST", "/anoncreds/revocation/revoke") == []


async def test_revoke_publishes_and_is_idempotent(issuer: Issuer) -> None:
    credential_id, cred_ex_id = await issued(issuer)
    await exchange(issuer, cred_ex_id, "credential-issued")
    await revocation_ids(issuer, cred_ex_id)
    first = await issuer.http.post(f"/credentials/{credential_id}/revoke")
    assert first.status_code == 200
    assert first.json()["revoked"] is True and first.json()["revoked_at"] is not None
    (call,) = issuer.agent.calls("POST", "/anoncreds/revocation/revoke")
    body = json.loads(call.content)
    assert (body["rev_reg_id"], body["cred_rev_id"], body["publish"]) == ("RR1", "7", True)
    again = await issuer.http.post(f"/credentials/{credential_id}/revoke")
    assert again.json() == first.json() and len(issuer.agent.calls("POST", "/anoncreds/revocation/revoke")) == 1
    assert (await issuer.http.get(f"/credentials/{credential_id}")).json()["revoked"] is True


async def test_issuing_waits_for_a_wallet_that_is_still_connecting(issuer: Issuer) -> None:
    await issuer.http.put("/patients/p1", json=examples.patient())
    invitation = (await issuer.http.post("/patients/p1/invitation")).json()

    async def wallet_connects() -> None:
        await asyncio.sleep(0.05)
        await issuer.webhook("connections", connection_record("conn-late", invitation["invitation_id"], "p1"))

    task = asyncio.create_task(wallet_connects())
    response = await issuer.http.post("/patients/p1/credentials", json=VACCINATION, params={"wait_connection": 5})
    await task
    assert response.status_code == 202
    (offer,) = issuer.agent.offers.values()
    assert offer["connection_id"] == "conn-late"


async def test_waiting_for_a_connection_is_bounded(issuer: Issuer) -> None:
    await issuer.http.put("/patients/p1", json=examples.patient())
    response = await issuer.http.post("/patients/p1/credentials", json=VACCINATION, params={"wait_connection": 0.05})
    assert response.status_code == 409
    too_long = await issuer.http.post("/patients/p1/credentials", json=VACCINATION, params={"wait_connection": 31})
    assert too_long.status_code == 422

"""Proof requests judged by consent: declined at once, answered, left waiting, and never answered beyond it."""

from __future__ import annotations

import re
from typing import Any

from agents.events import WebhookEvent
from holder.proofs import ORIGINS
from tests.unit.holder.conftest import (
    ISSUER,
    Holder,
    PatientHandle,
    candidate,
    proof_invitation,
    url_of,
    vaccination,
)

type Json = dict[str, Any]

VERIFIER = "EWWExmvTPTTaet8ipxYg3T"
OTHER_VERIFIER = "D2p6vMV4ppQg1ZU3YiF9vq"
THREAD = "7f000000-0000-4000-8000-0000000000c1"
RESTRICTIONS = [{"schema_name": "medcred-vaccination", "issuer_did": ISSUER}]
STATUS: Json = {  # verifier/templates.py's vaccination-status
    "name": "vaccination-status", "version": "1.0", "nonce": "1",
    "requested_attributes": {"vaccine": {"names": ["vaccine_code", "occurrence_date"], "restrictions": RESTRICTIONS}},
    "requested_predicates": {"doses": {"name": "dose_number", "p_type": ">=", "p_value": 2,
                                       "restrictions": RESTRICTIONS}},
}  # fmt: skip
STATUS_AND_LOT: Json = {
    **STATUS,
    "requested_attributes": {**STATUS["requested_attributes"],
                             "lot": {"name": "lot_number", "restrictions": RESTRICTIONS}},
}  # fmt: skip
GRANT: Json = {
    "verifier_did": f"did:sov:{VERIFIER}", "credential_types": ["vaccination"],
    "reveal": ["vaccine_code", "occurrence_date"], "prove": ["dose_number"], "purpose": "school enrolment",
}  # fmt: skip
ALL = ["vaccine", "doses", "lot"]


async def give(holder: Holder, patient: PatientHandle, **changes: Any) -> str:
    response = await holder.http.post("/me/consents", json=GRANT | changes, headers=patient.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["grant_id"])


async def scan(holder: Holder, patient: PatientHandle, request: Json = STATUS, did: str | None = VERIFIER) -> Json:
    url = url_of(proof_invitation(request, THREAD, label="City Clinic", public_did=did))
    response = await holder.http.post("/me/invitations", json={"invitation_url": url}, headers=patient.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def waiting(holder: Holder, patient: PatientHandle) -> list[Json]:
    return list((await holder.http.get("/me/proof-requests", headers=patient.headers)).json())


# -- declined at once ----------------------------------------------------------------------------------


async def test_a_request_under_an_expired_consent_is_declined_at_once(holder: Holder) -> None:
    patient = await holder.patient()
    grant_id = await give(holder, patient, expires_at="2026-05-09T12:00:01Z")
    holder.clock.advance(seconds=2)
    answer = await scan(holder, patient)
    (pres_ex_id,) = holder.agent.proofs[patient.wallet_id]
    assert answer == {"proof_request_id": pres_ex_id, "state": "declined", "reason": "declined: consent expired",
                      "grant_id": grant_id}  # fmt: skip
    assert holder.agent.reports == [(pres_ex_id, "declined: consent expired")]
    assert holder.agent.sent == []
    assert holder.events[-1] == ("request declined by consent", patient.patient_id, {
        "grant_id": grant_id, "proof_request_id": pres_ex_id, "verifier_did": VERIFIER,
        "revealed": ["vaccine_code", "occurrence_date"], "proved": ["dose_number"], "purpose": "school enrolment",
        "reason": "declined: consent expired",
    })  # fmt: skip
    assert await waiting(holder, patient) == []


async def test_a_request_under_a_withdrawn_consent_is_declined_at_once(holder: Holder) -> None:
    patient = await holder.patient()
    grant_id = await give(holder, patient, auto_answer=True)
    await holder.http.post(f"/me/consents/{grant_id}/withdraw", headers=patient.headers)
    answer = await scan(holder, patient)
    assert (answer["state"], answer["reason"]) == ("declined", "declined: consent withdrawn")
    assert [reason for _, reason in holder.agent.reports] == ["declined: consent withdrawn"]


async def test_a_request_arriving_over_a_connection_is_judged_by_its_webhook(holder: Holder) -> None:
    patient = await holder.patient()
    await give(holder, patient, expires_at="2026-05-09T12:00:01Z")
    holder.clock.advance(seconds=5)
    holder.agent.connections["conn-v"] = {"connection_id": "conn-v", "their_label": "City Clinic",
                                          "their_public_did": f"did:sov:{VERIFIER}"}  # fmt: skip
    pres_ex_id = holder.agent.add_request(patient.wallet_id, STATUS, connection_id="conn-v")
    record = holder.agent.proofs[patient.wallet_id][pres_ex_id]
    holder.agent.deliver(WebhookEvent("present_proof_v2_0", dict(record), wallet_id=patient.wallet_id))
    await holder.app.state.link.webhooks.drain()
    assert holder.agent.reports == [(pres_ex_id, "declined: consent expired")]


async def test_a_request_over_a_connection_without_a_public_did_waits(holder: Holder) -> None:
    patient = await holder.patient()
    await give(holder, patient, expires_at="2026-05-09T12:00:01Z")
    holder.clock.advance(seconds=5)
    holder.agent.connections["conn-x"] = {"connection_id": "conn-x", "their_label": "Someone"}
    pres_ex_id = holder.agent.add_request(patient.wallet_id, STATUS, connection_id="conn-x")
    record = holder.agent.proofs[patient.wallet_id][pres_ex_id]
    holder.agent.deliver(WebhookEvent("present_proof_v2_0", dict(record), wallet_id=patient.wallet_id))
    await holder.app.state.link.webhooks.drain()
    assert holder.agent.reports == []
    assert [item["id"] for item in await waiting(holder, patient)] == [pres_ex_id]


async def test_a_request_over_a_connection_cannot_borrow_a_scanned_verifiers_did(holder: Holder) -> None:
    """A peer connected without a public DID asks on the thread of a clinic's QR code the patient scanned:
    it is still that peer asking (no DID), not the clinic, so the clinic's auto-answer grant does not apply."""
    patient = await holder.patient()
    await give(holder, patient, auto_answer=True)
    holder.agent.default_candidates = [candidate(vaccination("d2", 2, "2021-06-01"), ["vaccine", "doses"])]
    await scan(holder, patient)  # the clinic's own request (thread THREAD), answered under the grant
    sent = len(holder.agent.sent)
    holder.agent.connections["conn-rogue"] = {"connection_id": "conn-rogue", "their_label": "City Clinic"}
    pres_ex_id = holder.agent.add_request(patient.wallet_id, STATUS, thread_id=THREAD, connection_id="conn-rogue")
    record = holder.agent.proofs[patient.wallet_id][pres_ex_id]
    holder.agent.deliver(WebhookEvent("present_proof_v2_0", dict(record), wallet_id=patient.wallet_id))
    await holder.app.state.link.webhooks.drain()
    assert len(holder.agent.sent) == sent  # nothing presented to the peer
    (waiting_request,) = [item for item in await waiting(holder, patient) if item["id"] == pres_ex_id]
    assert waiting_request["verifier_did"] is None


# -- answered automatically ----------------------------------------------------------------------------


async def test_a_request_within_a_live_auto_answer_grant_is_presented(holder: Holder) -> None:
    patient = await holder.patient()
    grant_id = await give(holder, patient, auto_answer=True)
    holder.agent.default_candidates = [candidate(vaccination("d2", 2, "2021-06-01"), ["vaccine", "doses"])]
    answer = await scan(holder, patient)
    (pres_ex_id,) = holder.agent.proofs[patient.wallet_id]
    assert answer == {"proof_request_id": pres_ex_id, "state": "presented", "grant_id": grant_id}
    assert holder.agent.sent == [(pres_ex_id, {"anoncreds": {
        "requested_attributes": {"vaccine": {"cred_id": "d2", "revealed": True}},
        "requested_predicates": {"doses": {"cred_id": "d2"}},
        "self_attested_attributes": {},
    }})]  # fmt: skip
    event, patient_id, details = holder.events[-1]
    assert (event, patient_id) == ("request auto-answered", patient.patient_id)
    assert details == {"grant_id": grant_id, "proof_request_id": pres_ex_id, "verifier_did": VERIFIER,
                       "revealed": ["vaccine_code", "occurrence_date"], "proved": ["dose_number"],
                       "purpose": "school enrolment"}  # fmt: skip
    shown = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", repr(holder.events))
    assert "2021-06-01" not in shown and "208" not in shown  # (random ids may hold "208": not values)


async def test_an_auto_answer_uses_only_credentials_of_the_granted_types(holder: Holder) -> None:
    patient = await holder.patient()
    await give(holder, patient, auto_answer=True)
    other = {**vaccination("other", 2, "2021-06-01"), "schema_id": f"{ISSUER}:2:look-alike:1.0"}
    holder.agent.default_candidates = [
        candidate(other, ["vaccine", "doses"]),
        candidate(vaccination("d2", 2, "2021-07-01"), ["vaccine", "doses"]),
    ]
    assert (await scan(holder, patient))["state"] == "presented"
    ((_, sent),) = holder.agent.sent
    assert sent["anoncreds"]["requested_attributes"]["vaccine"]["cred_id"] == "d2"
    assert sent["anoncreds"]["requested_predicates"]["doses"]["cred_id"] == "d2"


async def test_an_auto_answer_that_nothing_can_answer_is_refused_with_the_reason(holder: Holder) -> None:
    patient = await holder.patient()
    grant_id = await give(holder, patient, auto_answer=True)
    answer = await scan(holder, patient)
    reason = "no-credential: nothing matches vaccine_code, occurrence_date"
    assert (answer["state"], answer["reason"], answer["grant_id"]) == ("refused", reason, grant_id)
    assert [r for _, r in holder.agent.reports] == [reason]


# -- left for the patient ------------------------------------------------------------------------------


async def test_covered_but_not_auto_answer_waits_and_says_it_is_covered(holder: Holder) -> None:
    patient = await holder.patient()
    grant_id = await give(holder, patient)
    answer = await scan(holder, patient)
    assert (answer["state"], answer["grant_id"]) == ("request-received", grant_id)
    (item,) = await waiting(holder, patient)
    assert item["verifier"] == "City Clinic" and item["verifier_did"] == VERIFIER
    assert item["consent"] == {"grant_id": grant_id, "status": "active", "covered": True, "exceeds": []}
    assert holder.agent.sent == [] and holder.agent.reports == []


async def test_a_request_asking_more_than_the_grant_waits_and_says_what_exceeds(holder: Holder) -> None:
    patient = await holder.patient()
    grant_id = await give(holder, patient, auto_answer=True)
    answer = await scan(holder, patient, STATUS_AND_LOT)
    assert answer["state"] == "request-received"
    (item,) = await waiting(holder, patient)
    assert item["consent"] == {"grant_id": grant_id, "status": "active", "covered": False, "exceeds": ["lot_number"]}
    assert holder.agent.sent == [] and holder.agent.reports == []


async def test_no_grant_or_no_public_did_waits_as_before(holder: Holder) -> None:
    patient = await holder.patient()
    await give(holder, patient, verifier_did=OTHER_VERIFIER, auto_answer=True)
    answer = await scan(holder, patient)
    assert set(answer) == {"proof_request_id", "state"} and answer["state"] == "request-received"
    (item,) = await waiting(holder, patient)
    assert item["consent"] == {"grant_id": None, "status": None, "covered": False, "exceeds": []}
    holder.agent.proofs.clear()
    inline = await scan(holder, patient, did=None)  # an inline service names no DID
    assert inline["state"] == "request-received"
    origin = holder.app.state.holder.store.get(ORIGINS, f"{patient.patient_id}:{THREAD}")
    assert origin == {"verifier": "City Clinic", "verifier_did": None}
    assert holder.agent.sent == [] and holder.agent.reports == []


# -- the patient's own answer, held to a live grant ----------------------------------------------------


async def present(holder: Holder, patient: PatientHandle, pres_ex_id: str) -> tuple[int, Json]:
    response = await holder.http.post(f"/me/proof-requests/{pres_ex_id}/present", headers=patient.headers)
    return response.status_code, response.json()


async def test_a_manual_answer_does_not_reveal_a_single_attribute_outside_the_grant(holder: Holder) -> None:
    patient = await holder.patient()
    await give(holder, patient)
    pres_ex_id = (await scan(holder, patient, STATUS_AND_LOT))["proof_request_id"]
    holder.agent.candidates[pres_ex_id] = [candidate(vaccination("d2", 2, "2021-06-01"), ALL)]
    assert (await present(holder, patient, pres_ex_id))[0] == 200
    ((_, sent),) = holder.agent.sent
    assert sent["anoncreds"]["requested_attributes"] == {
        "vaccine": {"cred_id": "d2", "revealed": True},
        "lot": {"cred_id": "d2", "revealed": False},
    }


async def test_a_manual_answer_refuses_a_group_outside_the_grant(holder: Holder) -> None:
    patient = await holder.patient()
    await give(holder, patient, reveal=["vaccine_code"], prove=["occurrence_date", "dose_number"])
    pres_ex_id = (await scan(holder, patient))["proof_request_id"]
    holder.agent.candidates[pres_ex_id] = [candidate(vaccination("d2", 2, "2021-06-01"), ALL)]
    status, body = await present(holder, patient, pres_ex_id)
    assert (status, body) == (409, {"detail": "request exceeds consent: occurrence_date"})
    assert holder.agent.sent == [] and holder.agent.reports == []  # still the patient's to decline
    assert [item["id"] for item in await waiting(holder, patient)] == [pres_ex_id]


async def test_a_manual_answer_without_a_live_grant_reveals_what_the_patient_chose(holder: Holder) -> None:
    patient = await holder.patient()
    pres_ex_id = (await scan(holder, patient, STATUS_AND_LOT))["proof_request_id"]
    grant_id = await give(holder, patient)
    await holder.http.post(f"/me/consents/{grant_id}/withdraw", headers=patient.headers)
    holder.agent.candidates[pres_ex_id] = [candidate(vaccination("d2", 2, "2021-06-01"), ALL)]
    assert (await present(holder, patient, pres_ex_id))[0] == 200
    ((_, sent),) = holder.agent.sent
    assert all(spec["revealed"] for spec in sent["anoncreds"]["requested_attributes"].values())

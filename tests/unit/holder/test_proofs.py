"""Proof requests: listing, explicit credential choice (never revoked, predicates checked), refusal, decline."""

from __future__ import annotations

import pytest

from holder.proofs import DECLINED
from tests.unit.holder.conftest import (
    VACCINATION_REQUEST,
    Holder,
    PatientHandle,
    candidate,
    connection_invitation,
    proof_invitation,
    url_of,
    vaccination,
)

BOTH = ["vaccine", "doses"]


async def pending_request(holder: Holder, *candidates: dict[str, object]) -> tuple[PatientHandle, str]:
    patient = await holder.patient()
    pres_ex_id = holder.agent.add_request(patient.wallet_id, VACCINATION_REQUEST)
    holder.agent.candidates[pres_ex_id] = list(candidates)  # type: ignore[arg-type]
    return patient, pres_ex_id


async def present(holder: Holder, patient: PatientHandle, pres_ex_id: str) -> tuple[int, dict[str, object]]:
    response = await holder.http.post(f"/me/proof-requests/{pres_ex_id}/present", headers=patient.headers)
    return response.status_code, response.json()


async def test_pending_requests_say_who_asks_and_what(holder: Holder) -> None:
    patient = await holder.patient()
    url = url_of(proof_invitation(VACCINATION_REQUEST, "7f000000-0000-4000-8000-000000000001", label="Clinic A"))
    scanned = (await holder.http.post("/me/invitations", json={"invitation_url": url}, headers=patient.headers)).json()
    await holder.http.post("/me/invitations", json={"invitation": connection_invitation("Insurer B")},
                           headers=patient.headers)  # fmt: skip
    over_connection = holder.agent.add_request(patient.wallet_id, VACCINATION_REQUEST, connection_id="conn-1")
    response = await holder.http.get("/me/proof-requests", headers=patient.headers)
    assert response.status_code == 200
    listed = {item["id"]: item for item in response.json()}
    assert listed.keys() == {scanned["proof_request_id"], over_connection}
    first = listed[scanned["proof_request_id"]]
    assert first["verifier"] == "Clinic A"
    assert first["name"] == "vaccination-status"
    assert sorted(first["revealed"]) == ["occurrence_date", "vaccine_code"]
    assert first["predicates"] == ["dose_number >= 2"]
    assert listed[over_connection]["verifier"] == "Insurer B"


async def test_another_patients_request_is_404_everywhere(holder: Holder) -> None:
    alice, request_id = await pending_request(holder, candidate(vaccination("a-2", 2, "2021-06-01"), BOTH))
    bob = await holder.patient()
    assert (await holder.http.get("/me/proof-requests", headers=bob.headers)).json() == []
    for action in ("present", "decline"):
        response = await holder.http.post(f"/me/proof-requests/{request_id}/{action}", headers=bob.headers)
        assert response.status_code == 404
    assert holder.agent.sent == [] and holder.agent.reports == []
    alice_listing = (await holder.http.get("/me/proof-requests", headers=alice.headers)).json()
    assert [item["id"] for item in alice_listing] == [request_id]


async def test_a_malformed_id_is_404_without_asking_the_agent(holder: Holder) -> None:
    patient = await holder.patient()
    before = len(holder.agent.requests)
    response = await holder.http.post("/me/proof-requests/not-a-record-id/present", headers=patient.headers)
    assert response.status_code == 404
    assert len(holder.agent.requests) == before


async def test_a_revoked_candidate_is_skipped_for_a_valid_one(holder: Holder) -> None:
    revoked, valid = vaccination("old", 2, "2021-06-01"), vaccination("new", 3, "2022-01-10")
    holder.agent.revoked["old"] = True
    patient, request_id = await pending_request(holder, candidate(revoked, BOTH), candidate(valid, BOTH))
    status, body = await present(holder, patient, request_id)
    assert (status, body) == (200, {"id": request_id, "state": "presentation-sent"})
    ((sent_id, sent),) = holder.agent.sent
    assert sent_id == request_id
    assert sent == {"anoncreds": {
        "requested_attributes": {"vaccine": {"cred_id": "new", "revealed": True}},
        "requested_predicates": {"doses": {"cred_id": "new"}},
        "self_attested_attributes": {},
    }}  # fmt: skip


async def test_a_failing_predicate_drops_a_candidate_and_one_credential_answers_everything(holder: Holder) -> None:
    dose_one, dose_two = vaccination("d1", 1, "2021-03-01"), vaccination("d2", 2, "2021-06-01")
    patient, request_id = await pending_request(holder, candidate(dose_one, BOTH), candidate(dose_two, BOTH))
    status, _ = await present(holder, patient, request_id)
    assert status == 200
    ((_, sent),) = holder.agent.sent
    assert sent["anoncreds"]["requested_predicates"] == {"doses": {"cred_id": "d2"}}
    assert sent["anoncreds"]["requested_attributes"] == {"vaccine": {"cred_id": "d2", "revealed": True}}


async def test_a_candidate_of_unknown_revocation_comes_after_a_known_valid_one(holder: Holder) -> None:
    unknown, valid = vaccination("unknown", 2, "2021-06-01"), vaccination("valid", 2, "2021-07-01")
    holder.agent.revoked["unknown"] = None  # the agent cannot tell
    patient, request_id = await pending_request(holder, candidate(unknown, BOTH), candidate(valid, BOTH))
    assert (await present(holder, patient, request_id))[0] == 200
    assert holder.agent.sent[0][1]["anoncreds"]["requested_predicates"] == {"doses": {"cred_id": "valid"}}


@pytest.mark.parametrize(
    ("stored", "revoked", "reason"),
    [
        ([vaccination("d1", 1, "2021-03-01")], {}, "predicate-not-met: dose_number >= 2"),
        ([vaccination("d2", 2, "2021-06-01")], {"d2": True}, "revoked: every matching credential is revoked"),
        ([], {}, "no-credential: nothing matches vaccine_code, occurrence_date"),
    ],
)
async def test_nothing_usable_sends_a_problem_report_and_answers_409(
    holder: Holder, stored: list[dict[str, object]], revoked: dict[str, bool], reason: str
) -> None:
    holder.agent.revoked.update(revoked)
    patient, request_id = await pending_request(holder, *(candidate(info, BOTH) for info in stored))
    status, body = await present(holder, patient, request_id)
    assert (status, body) == (409, {"detail": reason})
    assert holder.agent.reports == [(request_id, reason)]
    assert holder.agent.sent == []


async def test_decline_sends_the_problem_report(holder: Holder) -> None:
    patient, request_id = await pending_request(holder, candidate(vaccination("d2", 2, "2021-06-01"), BOTH))
    response = await holder.http.post(f"/me/proof-requests/{request_id}/decline", headers=patient.headers)
    assert (response.status_code, response.json()) == (200, {"id": request_id, "state": "declined"})
    assert holder.agent.reports == [(request_id, DECLINED)] and DECLINED == "declined: the patient declined"
    assert (await holder.http.get("/me/proof-requests", headers=patient.headers)).json() == []


async def test_an_answered_request_is_409(holder: Holder) -> None:
    patient, request_id = await pending_request(holder, candidate(vaccination("d2", 2, "2021-06-01"), BOTH))
    assert (await present(holder, patient, request_id))[0] == 200
    for action in ("present", "decline"):
        response = await holder.http.post(f"/me/proof-requests/{request_id}/{action}", headers=patient.headers)
        assert response.status_code == 409
    assert len(holder.agent.sent) == 1 and holder.agent.reports == []


async def scanned_request(holder: Holder) -> tuple[PatientHandle, str]:
    """A clinic's request scanned by the patient, arriving (as the agent posts it) with its webhook."""
    holder.agent.request_arrives = "by-webhook"
    holder.agent.default_candidates = [candidate(vaccination("d2", 2, "2021-06-01"), BOTH)]
    patient = await holder.patient()
    url = url_of(proof_invitation(VACCINATION_REQUEST, "thread-scanned"))
    response = await holder.http.post("/me/invitations", json={"invitation_url": url}, headers=patient.headers)
    assert response.status_code == 201, response.text
    await holder.app.state.link.webhooks.drain()  # the webhook's handler has kept the request
    return patient, response.json()["proof_request_id"]


def record_reads(holder: Holder, request_id: str) -> int:
    return sum(r.method == "GET" and r.url.path == f"/present-proof-2.0/records/{request_id}"
               for r in holder.agent.requests)  # fmt: skip


async def test_a_request_kept_from_its_webhook_is_answered_without_reading_it_back(holder: Holder) -> None:
    patient, request_id = await scanned_request(holder)
    assert (await present(holder, patient, request_id))[0] == 200
    assert [sent for sent, _ in holder.agent.sent] == [request_id]
    assert record_reads(holder, request_id) == 0


async def test_a_kept_request_answered_meanwhile_is_still_409(holder: Holder) -> None:
    patient, request_id = await scanned_request(holder)
    holder.agent.proofs[patient.wallet_id][request_id]["state"] = "presentation-sent"  # answered elsewhere
    status, body = await present(holder, patient, request_id)
    assert status == 409 and "can no longer be answered" in str(body["detail"])
    assert holder.agent.sent == [] and holder.agent.reports == []


async def test_a_kept_request_no_longer_waiting_gets_no_problem_report(holder: Holder) -> None:
    patient, request_id = await scanned_request(holder)
    holder.agent.default_candidates = []  # nothing could answer it now...
    holder.agent.proofs[patient.wallet_id][request_id]["state"] = "done"  # ...but it was answered already
    status, body = await present(holder, patient, request_id)
    assert status == 409 and "already answered" in str(body["detail"])
    assert holder.agent.reports == []  # a problem report would have ended the answered exchange


async def test_decline_reads_the_request_even_when_it_was_kept(holder: Holder) -> None:
    patient, request_id = await scanned_request(holder)
    holder.agent.proofs[patient.wallet_id][request_id]["state"] = "done"
    response = await holder.http.post(f"/me/proof-requests/{request_id}/decline", headers=patient.headers)
    assert response.status_code == 409
    assert holder.agent.reports == [] and record_reads(holder, request_id) == 1

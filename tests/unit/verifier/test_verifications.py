"""The verification flows through the app: create, webhooks, first-result-only, clean-up, auth, errors."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from datetime import datetime, timedelta

import pytest

from agents.events import WebhookEvent
from medcred.endings import STALE_ENDING, Endings
from tests.unit.medcred.qr_reader import read_qr_svg
from tests.unit.verifier.conftest import RECORDS, STAFF, FakeAgent, StartVerifier, Verifier
from tests.unit.verifier.presentations import record, webhook
from verifier.records import ENDINGS
from verifier.results import NOT_VERIFIED
from verifier.templates import TEMPLATES

REVEALED = {"vaccine_code": "207", "occurrence_date": "2026-01-15"}
NOT_REQUESTED = "Jane Q. Patient"  # a value the holder shows although nobody asked for it


async def answered(verifier: Verifier, **fields: object) -> tuple[str, str]:
    """A verification whose presentation the fake agent holds as `done` (and its pres_ex_id)."""
    vid = (await verifier.create())["verification_id"]
    pres_ex_id = verifier.pres_ex_id(vid)
    verifier.agent.records[pres_ex_id] = record(pres_ex_id, REVEALED, predicates={"dose_number": 0}, **fields)  # type: ignore[arg-type]
    return vid, pres_ex_id


async def test_create_asks_the_agent_for_a_request_then_a_connectionless_invitation(verifier: Verifier) -> None:
    before = datetime.now().astimezone()
    created = await verifier.create("vaccination-status")
    agent = verifier.agent
    [create_request] = agent.calls("POST", "/present-proof-2.0/create-request")
    [invitation] = agent.calls("POST", "/out-of-band/create-invitation")
    assert agent.requests.index(create_request) < agent.requests.index(invitation)
    body = agent.body(create_request)
    assert (body["auto_verify"], body["auto_remove"], body["comment"]) == (True, True, "vaccination-status")
    assert body["presentation_request"]["anoncreds"]["requested_attributes"]["revealed"]["names"] == [
        "vaccine_code", "occurrence_date"
    ]  # fmt: skip
    oob = agent.body(invitation)
    assert oob["attachments"] == [{"id": verifier.pres_ex_id(created["verification_id"]), "type": "present-proof"}]
    assert "handshake_protocols" not in oob
    assert (oob["use_public_did"], oob["my_label"]) == (True, "Riverside Clinic")  # patients see who asks
    assert invitation.url.params["auto_accept"] == "true"
    assert created["invitation_url"].startswith("http://127.0.0.1:8040?oob=")
    assert read_qr_svg(created["qr_svg"]) == created["invitation_url"]  # the patient's wallet scans it
    assert created["template"] == "vaccination-status"
    expires = datetime.fromisoformat(created["expires_at"])
    assert before + timedelta(seconds=59) < expires < before + timedelta(seconds=62)
    shown = await verifier.read(created["verification_id"])
    assert (shown["state"], shown["verified"], shown["revealed"]) == ("pending", None, {})
    assert shown["predicates"] == ["dose_number >= 2"]


@pytest.mark.parametrize(("template", "asked_by"), [("vaccination-status", "Riverside Clinic"),
                                                     ("allergy-check", "Riverside Clinic"),
                                                     ("insurance-eligibility", "Riverside Health Insurance")])
async def test_each_verification_names_who_asks_the_clinic_or_the_insurer(
    verifier: Verifier, template: str, asked_by: str
) -> None:
    created = await verifier.create(template)
    [invitation] = verifier.agent.calls("POST", "/out-of-band/create-invitation")
    [create_request] = verifier.agent.calls("POST", "/present-proof-2.0/create-request")
    assert verifier.agent.body(invitation)["my_label"] == asked_by  # the label the patient's wallet shows
    request = verifier.agent.body(create_request)["presentation_request"]["anoncreds"]
    assert request["name"] == f"{TEMPLATES[template].title} ({asked_by})"
    assert created["asked_by"] == asked_by


async def test_each_verification_gets_a_fresh_request(verifier: Verifier) -> None:
    await verifier.create()
    await verifier.create()
    bodies = [verifier.agent.body(r) for r in verifier.agent.calls("POST", "/present-proof-2.0/create-request")]
    nonces = {b["presentation_request"]["anoncreds"]["nonce"] for b in bodies}
    assert len(nonces) == 2


async def test_a_done_webhook_carrying_the_record_is_read_from_the_webhook_alone(verifier: Verifier) -> None:
    """The agent runs with --debug-webhooks: no read back, and no delete (the agent auto-removes `done`)."""
    vid = (await verifier.create())["verification_id"]
    pres_ex_id = verifier.pres_ex_id(vid)
    full = record(pres_ex_id, {**REVEALED, "patient_name": NOT_REQUESTED}, predicates={"dose_number": 0})
    assert (
        await verifier.webhook(webhook(pres_ex_id, "done", by_format=full["by_format"], verified="true"))
    ).status_code == 200
    shown = await verifier.read(vid)
    assert (shown["state"], shown["verified"], shown["reason"]) == ("verified", True, None)
    assert shown["revealed"] == REVEALED
    assert verifier.agent.calls("GET", RECORDS + pres_ex_id) == []
    assert verifier.agent.deleted == []
    with sqlite3.connect(verifier.settings.folder() / "verifier.db") as db:
        bodies = " ".join(body for (body,) in db.execute("SELECT body FROM documents"))
    assert "207" in bodies and NOT_REQUESTED not in bodies


async def test_a_done_webhook_carrying_a_failed_record_fails(verifier: Verifier) -> None:
    vid = (await verifier.create())["verification_id"]
    pres_ex_id = verifier.pres_ex_id(vid)
    full = record(pres_ex_id, REVEALED, verified="false")
    await verifier.webhook(webhook(pres_ex_id, "done", by_format=full["by_format"], verified="false"))
    shown = await verifier.read(vid)
    assert (shown["state"], shown["verified"], shown["reason"]) == ("failed", False, NOT_VERIFIED)
    assert verifier.agent.calls("GET", RECORDS + pres_ex_id) == []


async def test_done_and_verified_stores_only_the_requested_values(verifier: Verifier) -> None:
    """A state-only webhook (an agent without --debug-webhooks): the record is read back."""
    vid = (await verifier.create())["verification_id"]
    pres_ex_id = verifier.pres_ex_id(vid)
    verifier.agent.records[pres_ex_id] = record(
        pres_ex_id, {**REVEALED, "patient_name": NOT_REQUESTED}, predicates={"dose_number": 0}
    )
    assert (await verifier.webhook(webhook(pres_ex_id, "done", verified="true"))).status_code == 200
    shown = await verifier.read(vid)
    assert (shown["state"], shown["verified"], shown["reason"]) == ("verified", True, None)
    assert shown["revealed"] == REVEALED
    assert shown["completed_at"] is not None
    assert len(verifier.agent.calls("GET", RECORDS + pres_ex_id)) == 1
    assert verifier.agent.deleted == []  # created with auto_remove: the agent deletes a `done` record itself
    with sqlite3.connect(verifier.settings.folder() / "verifier.db") as db:
        bodies = " ".join(body for (body,) in db.execute("SELECT body FROM documents"))
    assert "207" in bodies and NOT_REQUESTED not in bodies


async def test_done_but_not_verified_fails(verifier: Verifier) -> None:
    vid, pres_ex_id = await answered(verifier, verified="false")
    await verifier.webhook(webhook(pres_ex_id, "done", verified="false"))
    shown = await verifier.read(vid)
    assert (shown["state"], shown["verified"], shown["revealed"]) == ("failed", False, {})
    assert shown["reason"] == NOT_VERIFIED
    assert verifier.agent.deleted == []


@pytest.mark.parametrize(
    ("error_msg", "state", "reason"),
    [
        ("abandoned: declined: not now", "declined", "declined: not now"),
        ("abandoned: predicate-not-met: dose_number >= 2", "failed", "predicate not met: dose_number >= 2"),
        ("abandoned: revoked: the credential was revoked", "failed", "revoked"),
        ("abandoned: no-credential: no vaccination credential", "failed", "no matching credential"),
        ("abandoned: something else entirely", "failed", "abandoned: something else entirely"),
    ],
)
async def test_abandoned_records_the_patients_reason(
    verifier: Verifier, error_msg: str, state: str, reason: str
) -> None:
    vid = (await verifier.create())["verification_id"]
    pres_ex_id = verifier.pres_ex_id(vid)
    await verifier.webhook(webhook(pres_ex_id, "abandoned", error_msg=error_msg))
    shown = await verifier.read(vid)
    assert (shown["state"], shown["reason"], shown["revealed"]) == (state, reason, {})
    assert verifier.agent.deleted == [pres_ex_id]


async def test_only_the_first_result_counts(verifier: Verifier) -> None:
    vid, pres_ex_id = await answered(verifier)
    await verifier.webhook(webhook(pres_ex_id, "done", verified="true"))
    # Someone answers the same invitation again: the agent reopens P and reports another result.
    verifier.agent.records[pres_ex_id] = record(pres_ex_id, {"vaccine_code": "999", "occurrence_date": "x"},
                                                verified="false")  # fmt: skip
    reads_before = len(verifier.agent.calls("GET", RECORDS + pres_ex_id))
    await verifier.webhook(webhook(pres_ex_id, "done", verified="false"))
    await verifier.webhook(webhook(pres_ex_id, "abandoned", error_msg="abandoned: declined: no"))
    shown = await verifier.read(vid)
    assert (shown["state"], shown["revealed"]) == ("verified", REVEALED)
    assert len(verifier.agent.calls("GET", RECORDS + pres_ex_id)) == reads_before
    assert verifier.agent.deleted == [pres_ex_id] * 2  # the late answers' records are dropped


async def test_concurrent_results_for_one_request_are_recorded_once(verifier: Verifier) -> None:
    vid, pres_ex_id = await answered(verifier)
    for payload in (webhook(pres_ex_id, "done", verified="true"), webhook(pres_ex_id, "done", verified="true")):
        assert verifier.link.webhooks.dispatch(WebhookEvent("present_proof_v2_0", payload))  # both run at once
    await verifier.link.webhooks.drain()
    assert (await verifier.read(vid))["state"] == "verified"
    assert len(verifier.agent.calls("GET", RECORDS + pres_ex_id)) == 1
    assert verifier.agent.deleted == [pres_ex_id]  # the second, a late answer's record


async def test_events_of_other_exchanges_are_ignored(verifier: Verifier) -> None:
    vid = (await verifier.create())["verification_id"]
    await verifier.webhook(webhook("someone-elses-exchange", "done", verified="true"))
    await verifier.webhook(webhook(verifier.pres_ex_id(vid), "presentation-received"))
    assert (await verifier.read(vid))["state"] == "pending"
    assert verifier.agent.deleted == []


async def test_the_invitation_is_deleted_once_the_agent_deleted_the_exchange(verifier: Verifier) -> None:
    """ACA-Py keeps the out-of-band record of an invitation that carries a request; its ack still needs
    it after `done`, so only the exchange's `deleted` webhook (sent after the ack) lets it go."""
    vid, pres_ex_id = await answered(verifier)
    stored = verifier.service._records.get(vid)
    assert stored is not None and stored.invitation_id
    await verifier.webhook(webhook(pres_ex_id, "done", verified="true"))
    await verifier.link.webhooks.drain()
    assert (await verifier.read(vid))["state"] == "verified"
    assert verifier.agent.deleted_invitations == []
    await verifier.webhook(webhook("someone-elses-exchange", "deleted"))
    await verifier.webhook(webhook(pres_ex_id, "deleted"))
    await verifier.link.webhooks.drain()
    assert verifier.agent.deleted_invitations == [stored.invitation_id]
    assert (await verifier.read(vid))["state"] == "verified"


async def test_an_invitation_already_gone_is_no_error(verifier: Verifier, caplog: pytest.LogCaptureFixture) -> None:
    vid = (await verifier.create())["verification_id"]
    stored = verifier.service._records.get(vid)
    assert stored is not None and stored.invitation_id
    verifier.agent.fail[f"/out-of-band/invitations/{stored.invitation_id}"] = 404
    response = await verifier.webhook(webhook(stored.pres_ex_id, "deleted"))
    await verifier.link.webhooks.drain()
    assert response.status_code == 200
    assert len(verifier.agent.calls("DELETE", f"/out-of-band/invitations/{stored.invitation_id}")) == 1
    assert (await verifier.read(vid))["state"] == "pending"
    # The webhook handler runs detached (its 200 comes first): a failure would only show in the log.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_a_record_reopened_before_it_is_read_waits_for_its_own_result(verifier: Verifier) -> None:
    vid, pres_ex_id = await answered(verifier, state="presentation-received")
    await verifier.webhook(webhook(pres_ex_id, "done", verified="true"))
    assert (await verifier.read(vid))["state"] == "pending"
    verifier.agent.records[pres_ex_id]["state"] = "done"
    await verifier.webhook(webhook(pres_ex_id, "done", verified="true"))
    assert (await verifier.read(vid))["state"] == "verified"


async def test_wait_returns_as_soon_as_the_result_is_in(verifier: Verifier) -> None:
    vid, pres_ex_id = await answered(verifier)
    started = time.monotonic()
    reading = asyncio.create_task(verifier.read(vid, wait=10))
    await asyncio.sleep(0.05)  # let the read start waiting
    assert not reading.done()
    await verifier.webhook(webhook(pres_ex_id, "done", verified="true"))
    shown = await asyncio.wait_for(reading, 5)
    assert shown["state"] == "verified"
    assert time.monotonic() - started < 5


async def test_wait_ends_pending_when_nothing_comes(verifier: Verifier) -> None:
    vid = (await verifier.create())["verification_id"]
    started = time.monotonic()
    assert (await verifier.read(vid, wait=0.1))["state"] == "pending"
    assert time.monotonic() - started < 2


async def test_an_unanswered_verification_times_out_and_its_record_is_dropped(start_verifier: StartVerifier) -> None:
    verifier = await start_verifier(request_timeout=0.2)
    vid = (await verifier.create())["verification_id"]
    pres_ex_id = verifier.pres_ex_id(vid)
    started = time.monotonic()
    shown = await verifier.read(vid, wait=10)
    assert time.monotonic() - started < 5  # ended by the timer, not by the end of the wait
    assert (shown["state"], shown["verified"]) == ("timed_out", None)
    assert shown["reason"] == "timed out: the patient did not answer within 0.2 s"
    assert verifier.agent.deleted == [pres_ex_id]
    verifier.agent.records[pres_ex_id] = record(pres_ex_id, REVEALED, predicates={"dose_number": 0})
    await verifier.webhook(webhook(pres_ex_id, "done", verified="true"))  # a late answer
    assert (await verifier.read(vid))["state"] == "timed_out"
    assert verifier.agent.calls("GET", RECORDS + pres_ex_id) == []


async def test_pending_verifications_survive_a_restart_and_expire_on_time(start_verifier: StartVerifier) -> None:
    first = await start_verifier(request_timeout=0.3)
    vid = (await first.create())["verification_id"]
    pres_ex_id = first.pres_ex_id(vid)
    await first.stop()  # its timer is cancelled with it
    assert first.agent.deleted == []
    second = await start_verifier(request_timeout=60)
    assert vid in second.service.timers
    shown = await second.read(vid, wait=10)
    assert (shown["state"], shown["reason"]) == ("timed_out", "timed out: the patient did not answer within 0.3 s")
    assert second.agent.deleted == [pres_ex_id]


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/verifications"), ("GET", "/verifications/abc"), ("GET", "/templates")]
)
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}])
async def test_staff_routes_need_the_key(verifier: Verifier, method: str, path: str, headers: dict[str, str]) -> None:
    response = await verifier.http.request(method, path, json={"template": "allergy-check"}, headers=headers)
    assert response.status_code == 401
    assert verifier.agent.calls("POST", "/present-proof-2.0/create-request") == []


async def test_webhooks_need_their_own_key(verifier: Verifier) -> None:
    vid = (await verifier.create())["verification_id"]
    response = await verifier.webhook(webhook(verifier.pres_ex_id(vid), "abandoned"), key="staff-key")
    assert response.status_code == 401
    assert (await verifier.read(vid))["state"] == "pending"


async def test_unknown_template_is_404_listing_the_known_ones(verifier: Verifier) -> None:
    response = await verifier.http.post("/verifications", json={"template": "blood-type"}, headers=STAFF)
    assert response.status_code == 404
    assert all(name in response.json()["detail"] for name in TEMPLATES)
    assert not verifier.agent.calls("POST", "/present-proof-2.0/create-request")  # nothing reached the agent
    assert not verifier.agent.calls("POST", "/out-of-band/create-invitation")


@pytest.mark.parametrize("body", [{}, {"template": ""}, {"template": "allergy-check", "extra": 1}, []])
async def test_malformed_create_is_422(verifier: Verifier, body: object) -> None:
    response = await verifier.http.post("/verifications", json=body, headers=STAFF)
    assert response.status_code == 422


async def test_unknown_verification_is_404(verifier: Verifier) -> None:
    response = await verifier.http.get("/verifications/no-such-id", headers=STAFF)
    assert response.status_code == 404


async def test_wait_above_30_seconds_is_refused(verifier: Verifier) -> None:
    vid = (await verifier.create())["verification_id"]
    response = await verifier.http.get(f"/verifications/{vid}", params={"wait": 31}, headers=STAFF)
    assert response.status_code == 422


async def test_an_agent_failure_is_502_and_leaves_no_request_behind(start_verifier: StartVerifier) -> None:
    agent = FakeAgent(fail={"/out-of-band/create-invitation": 500})
    verifier = await start_verifier(agent)
    response = await verifier.http.post("/verifications", json={"template": "allergy-check"}, headers=STAFF)
    assert response.status_code == 502
    assert len(agent.deleted) == 1
    assert len(verifier.service.timers) == 0


async def test_templates_lists_what_each_reveals_and_proves(verifier: Verifier) -> None:
    response = await verifier.http.get("/templates", headers=STAFF)
    assert response.status_code == 200
    listed = {t["name"]: t for t in response.json()}
    assert set(listed) == set(TEMPLATES)
    assert listed["insurance-eligibility"]["reveals"] == ["health_id_number"]
    assert listed["insurance-eligibility"]["proves"] == ["age >= 18", "not expired"]
    assert listed["vaccination-status"]["credential"] == "medcred-vaccination"
    assert {name: t["party"] for name, t in listed.items()} == {
        "vaccination-status": "clinic", "allergy-check": "clinic", "insurance-eligibility": "insurer"
    }  # fmt: skip


@pytest.mark.parametrize("dies_in", ["save", "audit"])
async def test_an_ending_whose_instance_died_before_recording_it_is_recorded_once_by_the_sweep(
    verifier: Verifier, monkeypatch: pytest.MonkeyPatch, dies_in: str
) -> None:
    service = verifier.service
    # as on a store several instances share: an ending claimed an instant ago may be under way elsewhere
    service._records.endings = Endings(service._records._store, ENDINGS, stale_after=STALE_ENDING)
    vid = (await verifier.create())["verification_id"]
    pres_ex_id = verifier.pres_ex_id(vid)
    verifier.agent.records[pres_ex_id] = record(pres_ex_id, REVEALED, predicates={"dose_number": 0})

    def killed(*_: object, **__: object) -> None:  # the instance is SIGKILLed here, after its claim
        raise RuntimeError("killed")

    target = service._records if dies_in == "save" else service._audit
    original = target.save if dies_in == "save" else target.record
    monkeypatch.setattr(target, "save" if dies_in == "save" else "record", killed)
    await verifier.webhook(webhook(pres_ex_id, "done", verified="true"))  # its handler dies (and is logged)
    monkeypatch.setattr(target, "save" if dies_in == "save" else "record", original)

    def endings() -> list[str]:
        return [e.event for e in service._audit.log.entries(subject=vid) if e.event != "proof.requested"]

    assert endings() == []
    service.repair_endings()  # too soon: the instance may still be recording it
    assert endings() == []
    later = service._clock() + timedelta(seconds=STALE_ENDING + 1)
    monkeypatch.setattr(service, "_clock", lambda: later)
    service.repair_endings()
    service.repair_endings()  # a second sweep (or another instance's) records nothing more
    assert endings() == ["proof.verified"]
    shown = await verifier.read(vid)
    assert (shown["state"], shown["verified"], shown["revealed"]) == ("verified", True, REVEALED)

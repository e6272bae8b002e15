"""An exchange the wallet does not finish ends abandoned, with a reason, after the issuance timeout; the
agent is told (a problem report, its record deleted; what it issued, revoked); a restart re-arms the
deadlines; a late webhook never moves an abandoned record back."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.unit.issuer.conftest import Issuer, running
from tests.unit.issuer.fakes import FakeAgent, FakeLedger
from tests.unit.issuer.test_credential_routes import exchange, issued, revocation_ids

WAIT = {"wait": 10}  # answered once the exchange has ended here and on the agent, long before 10 s


async def test_an_offer_the_wallet_never_answers_ends_abandoned_and_the_agent_forgets_it(tmp_path: Path) -> None:
    agent = FakeAgent()
    async for issuer in running(tmp_path, agent, FakeLedger(), issuance_timeout=0.2):
        credential_id, cred_ex_id = await issued(issuer)
        view = (await issuer.http.get(f"/credentials/{credential_id}", params=WAIT)).json()
        assert view["state"] == "abandoned"
        assert view["reason"] == (
            "the patient's wallet did not complete the issuance within 0.2 s (it stopped at offer-sent)"
        )
        assert agent.ended == [("problem-report", cred_ex_id), ("delete", cred_ex_id)]
        (report,) = agent.calls("POST", f"/issue-credential-2.0/records/{cred_ex_id}/problem-report")
        assert json.loads(report.content) == {"description": view["reason"]}
        assert cred_ex_id not in agent.offers  # a late credential request finds no exchange to answer
        assert credential_id not in issuer.service.issuance.timers


async def test_a_late_webhook_never_moves_an_abandoned_record_back(tmp_path: Path) -> None:
    agent = FakeAgent()
    async for issuer in running(tmp_path, agent, FakeLedger(), issuance_timeout=0.2):
        credential_id, cred_ex_id = await issued(issuer)
        assert (await issuer.http.get(f"/credentials/{credential_id}", params=WAIT)).json()["state"] == "abandoned"
        for state in ("request-received", "credential-issued", "done"):
            await exchange(issuer, cred_ex_id, state)
        view = (await issuer.http.get(f"/credentials/{credential_id}")).json()
        assert view["state"] == "abandoned"
        assert view["reason"].startswith("the patient's wallet did not complete the issuance")


async def test_an_exchange_abandoned_by_the_agent_stays_abandoned_after_a_late_done(issuer: Issuer) -> None:
    credential_id, cred_ex_id = await issued(issuer)
    await exchange(issuer, cred_ex_id, "abandoned", error_msg="holder declined")
    await exchange(issuer, cred_ex_id, "done")
    view = (await issuer.http.get(f"/credentials/{credential_id}")).json()
    assert (view["state"], view["reason"]) == ("abandoned", "holder declined")


async def test_a_credential_issued_but_never_confirmed_is_revoked_when_abandoned(tmp_path: Path) -> None:
    agent = FakeAgent()
    async for issuer in running(tmp_path, agent, FakeLedger(), issuance_timeout=0.3):
        credential_id, cred_ex_id = await issued(issuer)
        await exchange(issuer, cred_ex_id, "credential-issued")
        await revocation_ids(issuer, cred_ex_id)
        await issuer.service.link.events.wait_for(  # `wait` answers at once: credential-issued is issued
            "issue_credential_v2_0", "cred_ex_id", cred_ex_id, states={"abandoned"}, timeout=10
        )
        view = (await issuer.http.get(f"/credentials/{credential_id}")).json()
        assert view["state"] == "abandoned" and "(it stopped at credential-issued)" in view["reason"]
        (call,) = agent.calls("POST", "/anoncreds/revocation/revoke")
        assert (json.loads(call.content)["rev_reg_id"], json.loads(call.content)["cred_rev_id"]) == ("RR1", "7")
        assert (await issuer.http.get(f"/credentials/{credential_id}")).json()["revoked"] is True
        assert agent.ended == [("problem-report", cred_ex_id), ("delete", cred_ex_id)]


async def test_an_agent_down_when_told_is_told_again_when_it_goes_on(tmp_path: Path) -> None:
    agent = FakeAgent()
    async for issuer in running(tmp_path, agent, FakeLedger(), issuance_timeout=0.2):
        credential_id, cred_ex_id = await issued(issuer)
        agent.down = True
        assert (await issuer.http.get(f"/credentials/{credential_id}", params=WAIT)).json()["state"] == "abandoned"
        assert agent.ended == []
        agent.down = False
        await exchange(issuer, cred_ex_id, "request-received")  # back up, it answers the wallet's late request
        assert agent.ended == [("problem-report", cred_ex_id), ("delete", cred_ex_id)]
        assert (await issuer.http.get(f"/credentials/{credential_id}")).json()["state"] == "abandoned"


async def test_unfinished_issuances_are_resumed_after_a_restart_with_the_time_left(tmp_path: Path) -> None:
    agent, ledger = FakeAgent(), FakeLedger()
    first = running(tmp_path, agent, ledger, issuance_timeout=60)
    issuer = await anext(first)
    credential_id, cred_ex_id = await issued(issuer)
    finished = (await issuer.http.post("/patients/p1/credentials", json={"type": "health_id", "expiry": "2099-12-31"}))
    finished_id = finished.json()["credential_id"]
    await exchange(issuer, issuer.service.registry.credential(finished_id).cred_ex_id, "done")  # type: ignore[union-attr]
    await first.aclose()  # stopped: the deadline is cancelled, the exchange stays offer-sent in the store
    assert agent.ended == []

    async for restarted in running(tmp_path, agent, ledger, issuance_timeout=0.2):
        assert credential_id in restarted.service.issuance.timers
        assert finished_id not in restarted.service.issuance.timers
        view = (await restarted.http.get(f"/credentials/{credential_id}", params=WAIT)).json()
        assert view["state"] == "abandoned" and "within 0.2 s (it stopped at offer-sent)" in view["reason"]
        assert agent.ended == [("problem-report", cred_ex_id), ("delete", cred_ex_id)]
        assert (await restarted.http.get(f"/credentials/{finished_id}")).json()["state"] == "done"


async def test_an_exchange_another_instance_ended_is_not_ended_again_here(tmp_path: Path) -> None:
    """Two instances of the hospital: the other one's deadline took the ending first (its claim is in the
    shared store); this one's webhook of `done` then records nothing: no second ending, no audit entry."""
    agent = FakeAgent()
    async for issuer in running(tmp_path, agent, FakeLedger(), issuance_timeout=30):
        credential_id, cred_ex_id = await issued(issuer)
        endings = issuer.service.issuance.registry.endings
        assert endings.claim(credential_id, "abandoned", {}, time.time())  # the other instance, recording it
        await exchange(issuer, cred_ex_id, "done")
        view = (await issuer.http.get(f"/credentials/{credential_id}")).json()
        assert view["state"] == "offer-sent"  # what the other instance saves is its own ending
        events = [entry.event for entry in issuer.service.audit.log.entries(subject="p1")]
        assert "credential.offered" in events and "credential.issued" not in events
        assert credential_id not in issuer.service.issuance.timers
        assert not endings.claim(credential_id, "done", {}, time.time())  # one ending, ever

"""An issuance is never a credential the hospital does not know, nor two for one request: the record is
saved before its offer, an offer whose answer was lost is found on the agent by its comment, a request
sent again with its Idempotency-Key gets the first one's credential, and a deadline asks the agent first."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from issuer.issuance import NEVER_OFFERED, OFFER_MARK, STALE_CLAIM
from issuer.registry import CredentialState
from tests.unit.issuer.conftest import Issuer, running
from tests.unit.issuer.fakes import FakeAgent, FakeLedger
from tests.unit.issuer.test_credential_routes import VACCINATION, exchange, issued, revocation_ids

WAIT = {"wait": 10}
OFFERS = "/issue-credential-2.0/send-offer"


async def test_a_request_sent_again_with_its_idempotency_key_is_the_same_credential(issuer: Issuer) -> None:
    await issuer.connected_patient()
    key = {"Idempotency-Key": "desk-7f3a"}
    first = await issuer.http.post("/patients/p1/credentials", json=VACCINATION, headers=key)
    again = await issuer.http.post("/patients/p1/credentials", json=VACCINATION, headers=key)
    assert (first.status_code, again.status_code) == (202, 202), again.text
    assert again.json()["credential_id"] == first.json()["credential_id"]
    assert len(issuer.agent.calls("POST", OFFERS)) == 1 and len(issuer.service.registry.credentials("p1")) == 1
    other = await issuer.http.post("/patients/p1/credentials", json={"type": "health_id", "expiry": "2099-12-31"},
                                   headers=key)  # fmt: skip
    assert other.status_code == 422 and "another request" in other.json()["detail"]
    fresh = await issuer.http.post("/patients/p1/credentials", json=VACCINATION, headers={"Idempotency-Key": "k2"})
    assert fresh.json()["credential_id"] != first.json()["credential_id"]  # a new key is a new issuance
    bad = await issuer.http.post("/patients/p1/credentials", json=VACCINATION, headers={"Idempotency-Key": "a b"})
    assert bad.status_code == 422 and "idempotency-key" in bad.json()["detail"].lower()


async def test_the_offer_names_its_record_which_is_saved_before_it_is_sent(issuer: Issuer) -> None:
    seen: list[str] = []
    issuer.agent.on_offer = lambda _: seen.extend(r.state for r in issuer.service.registry.credentials("p1"))
    credential_id, cred_ex_id = await issued(issuer)
    assert seen == ["offering"]  # recorded while the agent made the exchange
    assert issuer.agent.offers[cred_ex_id]["comment"] == f"{OFFER_MARK}{credential_id}"
    assert issuer.service.registry.credential(credential_id).state == "offer-sent"  # type: ignore[union-attr]


async def test_an_offer_whose_answer_was_lost_is_found_on_the_agent_and_followed(tmp_path: Path) -> None:
    agent = FakeAgent(offers_lost=1)
    async for issuer in running(tmp_path, agent, FakeLedger(), issuance_timeout=30):
        await issuer.connected_patient()
        key = {"Idempotency-Key": "lost-answer"}
        lost = await issuer.http.post("/patients/p1/credentials", json=VACCINATION, headers=key)
        assert lost.status_code == 503 and "Retry-After" in lost.headers
        (record,) = issuer.service.registry.credentials("p1")
        assert (record.state, record.cred_ex_id) == ("offering", None)
        again = await issuer.http.post("/patients/p1/credentials", json=VACCINATION, headers=key)  # the client retries
        assert again.status_code == 202 and again.json()["credential_id"] == record.credential_id
        await issuer.service.issuance._expire(record.credential_id)  # its reconciliation timer, run now
        (cred_ex_id,) = agent.offers
        found = issuer.service.registry.credential(record.credential_id)
        assert found is not None and (found.state, found.cred_ex_id) == ("offer-sent", cred_ex_id)
        await exchange(issuer, cred_ex_id, "done")
        view = (await issuer.http.get(f"/credentials/{record.credential_id}", params=WAIT)).json()
        assert view["state"] == "done" and len(agent.calls("POST", OFFERS)) == 1


async def test_an_offer_that_never_reached_the_agent_ends_abandoned_saying_so(tmp_path: Path) -> None:
    agent = FakeAgent(offers_refused_down=1)
    async for issuer in running(tmp_path, agent, FakeLedger(), issuance_timeout=30):
        await issuer.connected_patient()
        assert (await issuer.http.post("/patients/p1/credentials", json=VACCINATION)).status_code == 503
        (record,) = issuer.service.registry.credentials("p1")
        agent.down = True  # still down when first asked: asked again later
        await issuer.service.issuance._expire(record.credential_id)
        assert issuer.service.registry.credential(record.credential_id).state == "offering"  # type: ignore[union-attr]
        assert record.credential_id in issuer.service.issuance.timers
        agent.down = False
        await issuer.service.issuance._expire(record.credential_id)
        view = (await issuer.http.get(f"/credentials/{record.credential_id}", params=WAIT)).json()
        assert (view["state"], view["reason"]) == ("abandoned", NEVER_OFFERED)
        assert agent.offers == {} and agent.ended == []


async def test_an_offer_the_agent_refused_leaves_no_record(issuer: Issuer) -> None:
    await issuer.connected_patient()
    issuer.agent.offer_misses = 1  # a 400: the agent made nothing
    key = {"Idempotency-Key": "refused"}
    assert (await issuer.http.post("/patients/p1/credentials", json=VACCINATION, headers=key)).status_code == 503
    assert issuer.service.registry.credentials("p1") == []
    retried = await issuer.http.post("/patients/p1/credentials", json=VACCINATION, headers=key)
    assert retried.status_code == 202  # the key was released with it: the retry issues


async def test_a_deadline_asks_the_agent_first_and_a_lost_done_is_done(tmp_path: Path) -> None:
    agent = FakeAgent()
    async for issuer in running(tmp_path, agent, FakeLedger(), issuance_timeout=0.2):
        credential_id, cred_ex_id = await issued(issuer)
        agent.states[cred_ex_id] = "done"  # the wallet stored it; the webhook saying so was lost
        async with asyncio.timeout(10):  # a waiter learns it from the record, not at the end of its 30 s
            view = (await issuer.http.get(f"/credentials/{credential_id}", params={"wait": 30})).json()
        assert view["state"] == "done" and agent.ended == []
        events = [entry.event for entry in issuer.service.audit.log.entries(subject="p1")]
        assert events.count("credential.issued") == 1 and "credential.abandoned" not in events


async def test_a_key_whose_first_request_died_before_saving_its_record_is_taken_over_after_a_while(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    await issuer.connected_patient()
    registry, issuance = issuer.service.registry, issuer.service.issuance
    save = registry.insert_credential

    def dies(record: object) -> bool:  # the instance dies between claiming the key and saving the record
        raise RuntimeError("killed")

    monkeypatch.setattr(registry, "insert_credential", dies)
    key = {"Idempotency-Key": "died-between"}
    with pytest.raises(RuntimeError):
        await issuer.http.post("/patients/p1/credentials", json=VACCINATION, headers=key)
    monkeypatch.setattr(registry, "insert_credential", save)
    claimed = registry.store.get("issue_keys", "p1\x1fdied-between")
    assert claimed is not None and registry.credentials("p1") == []

    soon = await issuer.http.post("/patients/p1/credentials", json=VACCINATION, headers=key)
    assert soon.status_code == 409 and "being offered right now" in soon.json()["detail"]
    later = issuance._clock() + timedelta(seconds=STALE_CLAIM + 1)
    monkeypatch.setattr(issuance, "_clock", lambda: later)
    taken = await issuer.http.post("/patients/p1/credentials", json=VACCINATION, headers=key)
    assert taken.status_code == 202, taken.text
    assert taken.json()["credential_id"] == claimed["credential_id"]  # the claim's own credential, not a new one
    again = await issuer.http.post("/patients/p1/credentials", json=VACCINATION, headers=key)
    assert again.json()["credential_id"] == claimed["credential_id"]
    assert len(issuer.agent.calls("POST", OFFERS)) == 1 and len(registry.credentials("p1")) == 1


async def test_of_two_requests_saving_one_claimed_record_only_the_first_does(issuer: Issuer) -> None:
    await issuer.connected_patient()
    credential_id, _ = await issued(issuer)
    record = issuer.service.registry.credential(credential_id)
    assert record is not None
    fresh = record.model_copy(update={"credential_id": "c-new", "cred_ex_id": None, "state": CredentialState.OFFERING})
    assert issuer.service.registry.insert_credential(fresh) is True
    assert issuer.service.registry.insert_credential(fresh) is False


async def test_a_waiter_does_not_return_at_credential_issued_but_at_done_with_the_revocation_ids(
    issuer: Issuer,
) -> None:
    """`credential-issued` comes before the revocation ids: a caller revoking at once would get 409."""
    credential_id, cred_ex_id = await issued(issuer)
    waiter = asyncio.create_task(issuer.http.get(f"/credentials/{credential_id}", params={"wait": 10}))
    await asyncio.sleep(0.1)
    await exchange(issuer, cred_ex_id, "credential-issued")
    await asyncio.sleep(1.5)  # past a re-read of the record (each second)
    assert not waiter.done()
    await revocation_ids(issuer, cred_ex_id)
    await exchange(issuer, cred_ex_id, "done")
    async with asyncio.timeout(5):
        view = (await waiter).json()
    assert (view["state"], view["revoked"]) == ("done", False)
    assert issuer.service.registry.credential(credential_id).cred_rev_id == "7"  # type: ignore[union-attr]

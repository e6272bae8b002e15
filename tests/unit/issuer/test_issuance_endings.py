"""An issuance's ending claimed by an instance that died before saving or auditing it is recorded once
after all: at the next start (a store of its own), or by a sweep once it is stale (a shared store)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from issuer.registry import CredentialRecord
from medcred.endings import STALE_ENDING, Endings
from tests.unit.issuer.conftest import Issuer, running
from tests.unit.issuer.fakes import FakeAgent, FakeLedger
from tests.unit.issuer.test_credential_routes import exchange, issued, revocation_ids

WAIT = {"wait": 10}


def _die_after_the_claim(issuer: Issuer, monkeypatch: pytest.MonkeyPatch, dies_in: str) -> None:
    """The instance is SIGKILLed after claiming an ending: before saving it, or before auditing it."""
    issuance = issuer.service.issuance
    if dies_in == "save":
        save = issuance.registry.save_credential

        def save_unless_final(record: CredentialRecord) -> None:
            if record.state.final:
                raise RuntimeError("killed")
            save(record)

        monkeypatch.setattr(issuance.registry, "save_credential", save_unless_final)
    else:
        record = issuance.audit.record

        def record_unless_ending(event: str, **fields: Any) -> None:
            if event in ("credential.issued", "credential.abandoned"):
                raise RuntimeError("killed")
            record(event, **fields)

        monkeypatch.setattr(issuance.audit, "record", record_unless_ending)


def _endings(issuer: Issuer) -> list[str]:
    entries = issuer.service.audit.log.entries(subject="p1")
    return [e.event for e in entries if e.event in ("credential.issued", "credential.abandoned")]


@pytest.mark.parametrize("dies_in", ["save", "audit"])
async def test_a_done_whose_instance_died_before_recording_it_is_recorded_once_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dies_in: str
) -> None:
    agent, ledger = FakeAgent(), FakeLedger()
    first = running(tmp_path, agent, ledger, issuance_timeout=60)
    issuer = await anext(first)
    credential_id, cred_ex_id = await issued(issuer)
    with monkeypatch.context() as patch:
        _die_after_the_claim(issuer, patch, dies_in)
        await exchange(issuer, cred_ex_id, "done")  # its handler dies (and is logged)
    await revocation_ids(issuer, cred_ex_id)  # they may come after the ending's claim: not lost to it
    assert _endings(issuer) == []
    await exchange(issuer, cred_ex_id, "done")  # the agent's webhook sent again finds the ending claimed
    assert _endings(issuer) == []
    await first.aclose()

    async for restarted in running(tmp_path, agent, ledger, issuance_timeout=60):
        assert _endings(restarted) == ["credential.issued"]
        view = (await restarted.http.get(f"/credentials/{credential_id}")).json()
        assert (view["state"], view["issued_at"] is not None) == ("done", True)
        assert restarted.service.registry.credential(credential_id).cred_rev_id == "7"  # type: ignore[union-attr]
        assert agent.ended == []
        await restarted.service.issuance.repair_endings()  # recorded once: nothing left to repair
        assert _endings(restarted) == ["credential.issued"]


async def test_an_abandonment_whose_instance_died_is_recorded_and_ended_on_the_agent_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent, ledger = FakeAgent(), FakeLedger()
    first = running(tmp_path, agent, ledger, issuance_timeout=0.2)
    issuer = await anext(first)
    credential_id, cred_ex_id = await issued(issuer)
    with monkeypatch.context() as patch:
        _die_after_the_claim(issuer, patch, "audit")
        view = (await issuer.http.get(f"/credentials/{credential_id}", params=WAIT)).json()
    assert view["state"] == "abandoned"  # saved, then the instance died: the agent was never told
    assert (_endings(issuer), agent.ended) == ([], [])
    await first.aclose()

    async for restarted in running(tmp_path, agent, ledger, issuance_timeout=0.2):
        assert _endings(restarted) == ["credential.abandoned"]
        assert agent.ended == [("problem-report", cred_ex_id), ("delete", cred_ex_id)]
        view = (await restarted.http.get(f"/credentials/{credential_id}")).json()
        assert view["state"] == "abandoned" and "within 0.2 s" in view["reason"]


async def test_on_a_shared_store_the_sweep_records_an_ending_only_once_it_is_stale(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    issuance = issuer.service.issuance
    # as on a store several instances share: an ending claimed an instant ago may be under way elsewhere
    issuance.registry.endings = Endings(issuance.registry.store, "endings", stale_after=STALE_ENDING)
    credential_id, cred_ex_id = await issued(issuer)
    with monkeypatch.context() as patch:
        _die_after_the_claim(issuer, patch, "save")
        await exchange(issuer, cred_ex_id, "done")

    await issuance.adopt()  # the sweep, too soon: the claiming instance may still be recording it
    assert _endings(issuer) == []
    assert (await issuer.http.get(f"/credentials/{credential_id}")).json()["state"] == "offer-sent"
    later = issuance._clock() + timedelta(seconds=STALE_ENDING + 1)
    monkeypatch.setattr(issuance, "_clock", lambda: later)
    await issuance.adopt()
    await issuance.adopt()  # a second sweep (or another instance's) records nothing more
    assert _endings(issuer) == ["credential.issued"]
    assert (await issuer.http.get(f"/credentials/{credential_id}")).json()["state"] == "done"

"""The service on its own, with a clock it does not share with its timers: expiry is also checked on read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest_asyncio

from agents.admin import AdminClient
from agents.events import EventWaiter, WebhookEvent
from medcred.store import SqliteDocumentStore
from tests.unit.verifier.conftest import FakeAgent
from tests.unit.verifier.presentations import webhook
from verifier.models import Party
from verifier.records import VerificationRecords
from verifier.results import abandoned_outcome
from verifier.service import VerificationService

START = datetime(2026, 5, 9, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Setup:
    service: VerificationService
    agent: FakeAgent
    clock: Clock
    records: VerificationRecords


@pytest_asyncio.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    agent, clock = FakeAgent(), Clock()
    store = SqliteDocumentStore(tmp_path / "verifier.db")
    records = VerificationRecords(store)
    async with AdminClient("http://agent.test", "admin-key", transport=httpx.MockTransport(agent)) as admin:
        labels = {Party.CLINIC: "Clinic", Party.INSURER: "Insurer"}
        service = VerificationService(
            admin, EventWaiter(), records, labels=labels, issuer_did=None, request_timeout=60, clock=clock
        )
        yield Setup(service, agent, clock, records)
        await service.close()
    store.close()


async def test_a_read_after_expiry_times_out_even_if_no_timer_ran(setup: Setup) -> None:
    created = await setup.service.create("allergy-check")
    vid = created.verification_id
    pres_ex_id = setup.service._records.get(vid).pres_ex_id  # type: ignore[union-attr]
    assert created.expires_at == START + timedelta(seconds=60)
    setup.clock.now = START + timedelta(seconds=59)
    assert (await setup.service.get(vid)).pending
    setup.clock.now = START + timedelta(seconds=61)  # the timer (on the real clock) is still asleep
    shown = await setup.service.get(vid)
    assert (shown.state, shown.reason) == ("timed_out", "timed out: the patient did not answer within 60 s")
    assert shown.completed_at == START + timedelta(seconds=61)
    assert setup.agent.deleted == [pres_ex_id]
    assert vid not in setup.service.timers


async def test_an_answer_arriving_after_expiry_is_not_accepted(setup: Setup) -> None:
    vid = (await setup.service.create("allergy-check")).verification_id
    pres_ex_id = setup.service._records.get(vid).pres_ex_id  # type: ignore[union-attr]
    setup.clock.now = START + timedelta(seconds=60)
    await setup.service.on_presentation(WebhookEvent("present_proof_v2_0", webhook(pres_ex_id, "done")))
    assert (await setup.service.get(vid)).state == "timed_out"
    assert setup.agent.calls("GET", f"/present-proof-2.0/records/{pres_ex_id}") == []


async def test_resume_times_out_what_expired_while_stopped_and_rearms_the_rest(setup: Setup) -> None:
    old = (await setup.service.create("allergy-check")).verification_id
    setup.clock.now = START + timedelta(seconds=30)
    fresh = (await setup.service.create("allergy-check")).verification_id
    await setup.service.close()
    assert len(setup.service.timers) == 0
    setup.clock.now = START + timedelta(seconds=75)  # "restart": old expired at 60 s, fresh expires at 90 s
    await setup.service.resume()
    assert (await setup.service.get(old, wait=5)).state == "timed_out"
    assert fresh in setup.service.timers
    assert (await setup.service.get(fresh)).pending


async def test_resume_ends_at_once_an_exchange_that_ended_while_no_one_listened(setup: Setup) -> None:
    """A presentation refused (or verified) while the controller was down: its webhook is lost, but the
    agent's record says how it ended, and that is the result at start-up, not a time-out later."""
    refused = (await setup.service.create("allergy-check")).verification_id
    verified = (await setup.service.create("vaccination-status")).verification_id
    waiting = (await setup.service.create("allergy-check")).verification_id
    await setup.service.close()
    records = {vid: setup.service._records.get(vid).pres_ex_id for vid in (refused, verified)}  # type: ignore[union-attr]
    setup.agent.records[records[refused]] = webhook(records[refused], "abandoned") | {
        "error_msg": "Presented attr group revealed does not satisfy proof request restrictions"}
    setup.agent.records[records[verified]] = webhook(records[verified], "done", verified="true")
    await setup.service.resume()
    ended = await setup.service.get(refused)
    assert (ended.state, ended.reason) == ("failed", abandoned_outcome(
        "Presented attr group revealed does not satisfy proof request restrictions").reason)
    assert not (await setup.service.get(verified)).pending
    assert (await setup.service.get(waiting)).pending and waiting in setup.service.timers


async def test_two_instances_ending_one_verification_at_once_record_one_ending(setup: Setup, tmp_path: Path) -> None:
    """One instance's webhook (`done`) and the other's timer fire together on one shared store: one ending
    is taken, and both instances then answer with it."""
    other_store = SqliteDocumentStore(tmp_path / "verifier.db")  # the same store, as another instance opens it
    labels = {Party.CLINIC: "Clinic", Party.INSURER: "Insurer"}
    async with AdminClient("http://agent.test", "admin-key", transport=httpx.MockTransport(setup.agent)) as admin:
        other = VerificationService(admin, EventWaiter(), VerificationRecords(other_store), labels=labels,
                                    issuer_did=None, request_timeout=60, clock=setup.clock)  # fmt: skip
        vid = (await setup.service.create("allergy-check")).verification_id
        pres_ex_id = setup.records.get(vid).pres_ex_id  # type: ignore[union-attr]
        setup.agent.records[pres_ex_id] = webhook(pres_ex_id, "done")
        ends = await asyncio.gather(
            setup.service.on_presentation(WebhookEvent("present_proof_v2_0", webhook(pres_ex_id, "done"))),
            other._time_out(vid),
        )
        stored = setup.records.get(vid)
        assert stored is not None and not stored.pending
        assert ends[1].state == stored.state  # the loser answers with the winner's ending
        assert setup.agent.deleted == [pres_ex_id]  # the agent's record is dropped once, by the winner
        await other.close()
    other_store.close()

"""EventWaiter: resolves on an event, also on one that came first; times out cleanly; leaks nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agents.events import EventWaiter, WebhookEvent
from medcred.errors import TimeoutError_

TOPIC = "present_proof_v2_0"


def proof_event(state: str, pres_ex_id: str = "p1", wallet_id: str | None = None, **extra: Any) -> WebhookEvent:
    payload = {"pres_ex_id": pres_ex_id, "thread_id": f"thread-{pres_ex_id}", "state": state, **extra}
    return WebhookEvent(TOPIC, payload, wallet_id)


async def test_resolves_when_the_state_arrives() -> None:
    waiter = EventWaiter()
    task = asyncio.create_task(waiter.wait_for(TOPIC, "pres_ex_id", "p1", states={"done", "abandoned"}, timeout=5))
    await asyncio.sleep(0)
    waiter.feed(proof_event("request-sent"))
    await asyncio.sleep(0)
    assert not task.done()
    waiter.feed(proof_event("done", verified="true"))
    assert (await task)["verified"] == "true"
    assert waiter.pending == 0


async def test_resolves_at_once_for_an_event_that_came_before() -> None:
    waiter = EventWaiter()
    waiter.feed(proof_event("done"))
    payload = await waiter.wait_for(TOPIC, "pres_ex_id", "p1", states={"done"}, timeout=0.01)
    assert payload["state"] == "done"
    assert waiter.pending == 0


async def test_an_earlier_state_that_does_not_match_is_not_enough() -> None:
    waiter = EventWaiter()
    waiter.feed(proof_event("request-sent"))
    with pytest.raises(TimeoutError_, match=r"last state seen: request-sent"):
        await waiter.wait_for(TOPIC, "pres_ex_id", "p1", states={"done"}, timeout=0.05)
    assert waiter.pending == 0


async def test_waits_by_any_id_field() -> None:
    waiter = EventWaiter()
    waiter.feed(proof_event("done"))
    payload = await waiter.wait_for(TOPIC, "thread_id", "thread-p1", states={"done"}, timeout=0.01)
    assert payload["pres_ex_id"] == "p1"


async def test_any_state_when_states_is_none() -> None:
    waiter = EventWaiter()
    task = asyncio.create_task(waiter.wait_for(TOPIC, "pres_ex_id", "p1", timeout=5))
    await asyncio.sleep(0)
    waiter.feed(proof_event("request-sent"))
    assert (await task)["state"] == "request-sent"


async def test_other_records_and_topics_do_not_resolve() -> None:
    waiter = EventWaiter()
    waiter.feed(proof_event("done", pres_ex_id="p2"))
    waiter.feed(WebhookEvent("issue_credential_v2_0", {"pres_ex_id": "p1", "state": "done"}))
    with pytest.raises(TimeoutError_):
        await waiter.wait_for(TOPIC, "pres_ex_id", "p1", states={"done"}, timeout=0.05)


async def test_wallet_filter() -> None:
    waiter = EventWaiter()
    waiter.feed(proof_event("done", wallet_id="w-other"))
    with pytest.raises(TimeoutError_):
        await waiter.wait_for(TOPIC, "pres_ex_id", "p1", states={"done"}, timeout=0.05, wallet_id="w-mine")
    waiter.feed(proof_event("done", wallet_id="w-mine"))
    assert await waiter.wait_for(TOPIC, "pres_ex_id", "p1", states={"done"}, timeout=0.05, wallet_id="w-mine")


async def test_no_leaks_after_timeout_cancel_and_success() -> None:
    waiter = EventWaiter()
    timed_out = asyncio.create_task(waiter.wait_for(TOPIC, "pres_ex_id", "a", states={"done"}, timeout=0.01))
    cancelled = asyncio.create_task(waiter.wait_for(TOPIC, "pres_ex_id", "b", states={"done"}, timeout=5))
    succeeded = [asyncio.create_task(waiter.wait_for(TOPIC, "pres_ex_id", "c", timeout=5)) for _ in range(3)]
    await asyncio.sleep(0)
    assert waiter.pending == 5
    cancelled.cancel()
    waiter.feed(proof_event("done", pres_ex_id="c"))
    results = await asyncio.gather(timed_out, cancelled, *succeeded, return_exceptions=True)
    assert isinstance(results[0], TimeoutError_)
    assert isinstance(results[1], asyncio.CancelledError)
    assert all(r["pres_ex_id"] == "c" for r in results[2:])  # type: ignore[index]
    assert waiter.pending == 0
    assert waiter._waiters == {}


async def test_memory_of_latest_events_is_bounded() -> None:
    waiter = EventWaiter(max_records=10)
    for n in range(100):
        waiter.feed(proof_event("done", pres_ex_id=f"p{n}"))
    assert len(waiter._latest) <= 10
    assert waiter.latest(TOPIC, "pres_ex_id", "p99") is not None
    assert waiter.latest(TOPIC, "pres_ex_id", "p0") is None


async def test_a_bare_state_string_means_that_state() -> None:
    waiter = EventWaiter()
    waiter.feed(proof_event("done"))
    assert await waiter.wait_for(TOPIC, "pres_ex_id", "p1", states="done", timeout=0.01)
    with pytest.raises(TimeoutError_):
        await waiter.wait_for(TOPIC, "pres_ex_id", "p1", states="d", timeout=0.01)

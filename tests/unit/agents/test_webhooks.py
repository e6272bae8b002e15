"""The webhook receiver over ASGI: key check, topic table, de-duplication, x-wallet-id, unknown topics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from agents.bus import thin
from agents.deliveries import Claim
from agents.events import EventWaiter, WebhookEvent
from agents.webhooks import WebhookRouter
from medcred.errors import ConfigurationError
from medcred.web import install_error_handlers

KEY = "hook-key"
PROOF = {"pres_ex_id": "p1", "state": "request-received", "updated_at": "2026-05-09T07:36:57.123456Z"}


@dataclass
class Recorder:
    events: list[WebhookEvent] = field(default_factory=list)

    async def __call__(self, event: WebhookEvent) -> None:
        self.events.append(event)


@dataclass
class Setup:
    http: httpx.AsyncClient
    router: WebhookRouter
    proofs: Recorder
    waiter: EventWaiter


@pytest_asyncio.fixture
async def setup() -> AsyncIterator[Setup]:
    waiter = EventWaiter()
    router = WebhookRouter(KEY, events=waiter)
    proofs = Recorder()
    router.on("present_proof_v2_0", proofs)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router.api_router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://controller") as http:
        yield Setup(http, router, proofs, waiter)


async def post(setup: Setup, topic: str, payload: object, headers: dict[str, str] | None = None) -> httpx.Response:
    sent = {"x-api-key": KEY} if headers is None else headers
    response = await setup.http.post(f"/webhooks/topic/{topic}/", json=payload, headers=sent)
    await setup.router.drain()
    return response


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "wrong"}, {"x-api-key": ""}])
async def test_missing_or_wrong_key_is_401(setup: Setup, headers: dict[str, str]) -> None:
    response = await post(setup, "present_proof_v2_0", PROOF, headers)
    assert response.status_code == 401
    assert setup.proofs.events == []


async def test_delivery_with_the_key_reaches_its_handler(setup: Setup) -> None:
    response = await post(setup, "present_proof_v2_0", PROOF)
    assert response.status_code == 200
    [event] = setup.proofs.events
    assert event.topic == "present_proof_v2_0"
    assert event.payload == PROOF
    assert event.wallet_id is None
    assert event.state == "request-received"


async def test_path_without_trailing_slash_works_too(setup: Setup) -> None:
    response = await setup.http.post("/webhooks/topic/present_proof_v2_0", json=PROOF, headers={"x-api-key": KEY})
    await setup.router.drain()
    assert response.status_code == 200
    assert len(setup.proofs.events) == 1


async def test_a_redelivered_event_is_handled_once(setup: Setup) -> None:
    for _ in range(3):
        assert (await post(setup, "present_proof_v2_0", PROOF)).status_code == 200
    assert len(setup.proofs.events) == 1
    later = PROOF | {"state": "presentation-sent", "updated_at": "2026-05-09T07:36:58.000000Z"}
    await post(setup, "present_proof_v2_0", later)
    assert [e.state for e in setup.proofs.events] == ["request-received", "presentation-sent"]


async def test_identical_payloads_without_record_fields_are_deduplicated(setup: Setup) -> None:
    calls = Recorder()
    setup.router.on("basicmessages", calls)
    message = {"connection_id": "c1", "message_id": "m1", "content": "hello"}
    await post(setup, "basicmessages", message)
    await post(setup, "basicmessages", message)
    await post(setup, "basicmessages", message | {"message_id": "m2"})
    assert len(calls.events) == 2


async def test_wallet_id_header_is_passed_through(setup: Setup) -> None:
    await post(setup, "present_proof_v2_0", PROOF, {"x-api-key": KEY, "x-wallet-id": "w-42"})
    [event] = setup.proofs.events
    assert event.wallet_id == "w-42"


async def test_same_record_in_two_wallets_is_not_a_duplicate(setup: Setup) -> None:
    await post(setup, "present_proof_v2_0", PROOF, {"x-api-key": KEY, "x-wallet-id": "w-1"})
    await post(setup, "present_proof_v2_0", PROOF, {"x-api-key": KEY, "x-wallet-id": "w-2"})
    assert [e.wallet_id for e in setup.proofs.events] == ["w-1", "w-2"]


async def test_unknown_topic_is_acknowledged_and_ignored_but_awaitable(setup: Setup) -> None:
    connection = {"connection_id": "c1", "state": "completed", "updated_at": "t1"}
    response = await post(setup, "connections", connection)
    assert response.status_code == 200
    assert setup.proofs.events == []
    payload = await setup.waiter.wait_for("connections", "connection_id", "c1", states={"completed"}, timeout=0.1)
    assert payload == connection


async def test_events_feed_the_waiter(setup: Setup) -> None:
    await post(setup, "present_proof_v2_0", PROOF | {"state": "done"})
    payload = await setup.waiter.wait_for("present_proof_v2_0", "pres_ex_id", "p1", states={"done"}, timeout=0.1)
    assert payload["state"] == "done"


async def test_a_failing_handler_still_gets_a_200(setup: Setup) -> None:
    async def broken(_: WebhookEvent) -> None:
        raise RuntimeError("boom")

    setup.router.on("issue_credential_v2_0", broken)
    response = await post(setup, "issue_credential_v2_0", {"cred_ex_id": "c1", "state": "done", "updated_at": "t"})
    assert response.status_code == 200


async def test_body_must_be_a_json_object(setup: Setup) -> None:
    assert (await post(setup, "present_proof_v2_0", ["not", "an", "object"])).status_code == 400
    response = await setup.http.post(
        "/webhooks/topic/x/", content=b"{not json", headers={"x-api-key": KEY, "content-type": "application/json"}
    )
    assert response.status_code == 400


def test_one_handler_per_topic() -> None:
    router = WebhookRouter(KEY)
    router.on("connections", Recorder())
    with pytest.raises(ConfigurationError):
        router.on("connections", Recorder())


def test_a_key_is_required() -> None:
    with pytest.raises(ConfigurationError):
        WebhookRouter("")


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
async def test_a_deeply_nested_body_is_a_400_that_says_so(setup: Setup, content_type: str) -> None:
    # Python's parser recurses: this was a RecursionError, a 500. Whatever the content type, it is refused.
    deep = b'{"state": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = await setup.http.post("/webhooks/topic/present_proof_v2_0/", content=deep,
                                     headers={"x-api-key": KEY, "content-type": content_type})  # fmt: skip
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert setup.proofs.events == []


async def test_a_body_nested_past_the_bound_is_refused_though_python_could_parse_it(setup: Setup) -> None:
    payload: object = "leaf"
    for _ in range(70):
        payload = {"a": payload}
    response = await post(setup, "present_proof_v2_0", payload)
    assert response.status_code == 400 and "more than 64 levels" in response.json()["detail"]


async def test_an_oversized_body_is_a_413(setup: Setup) -> None:
    response = await setup.http.post("/webhooks/topic/present_proof_v2_0/", content=b" " * (3 * 1024 * 1024),
                                     headers={"x-api-key": KEY, "content-type": "text/plain"})  # fmt: skip
    assert response.status_code == 413 and "limit" in response.json()["detail"]


async def test_an_event_is_shared_with_the_other_instances_after_its_handler_and_thin() -> None:
    """What the other instances hear: after the handler stored the change, only ids, state and time."""
    order: list[str] = []
    shared: list[WebhookEvent] = []

    async def handler(event: WebhookEvent) -> None:
        order.append("handled")

    def share(event: WebhookEvent) -> None:
        order.append("shared")
        shared.append(event)

    router = WebhookRouter(KEY, events=EventWaiter(share=share))
    router.on("present_proof_v2_0", handler)
    full = PROOF | {"by_format": {"pres_request": {"anoncreds": {"name": "x"}}}, "thread_id": "t1", "trace": True}
    router.dispatch(WebhookEvent("present_proof_v2_0", full, "w1"))
    await router.drain()
    assert order == ["handled", "shared"]
    assert thin(shared[0].payload) == {"pres_ex_id": "p1", "state": "request-received", "thread_id": "t1",
                                       "updated_at": PROOF["updated_at"]}  # fmt: skip


@dataclass
class FakeClaims:
    """The role's shared claims, in memory: a key claimed and not yet settled is BUSY."""

    claimed: dict[tuple[str, ...], bool] = field(default_factory=dict)  # key -> settled

    def claim(self, key: tuple[str, ...]) -> Claim:
        if key not in self.claimed:
            self.claimed[key] = False
            return Claim.NEW
        return Claim.DUPLICATE if self.claimed[key] else Claim.BUSY

    def settle(self, key: tuple[str, ...]) -> None:
        self.claimed[key] = True


async def test_a_delivery_another_instance_took_is_not_handled_here() -> None:
    claims = FakeClaims()
    one, two = Recorder(), Recorder()
    first, second = WebhookRouter(KEY, claims=claims), WebhookRouter(KEY, claims=claims)
    first.on("present_proof_v2_0", one)
    second.on("present_proof_v2_0", two)
    assert first.dispatch(WebhookEvent("present_proof_v2_0", PROOF)) is True
    assert second.dispatch(WebhookEvent("present_proof_v2_0", PROOF)) is False  # the retry reached the other
    await first.drain()
    await second.drain()
    assert (len(one.events), len(two.events)) == (1, 0)
    assert list(claims.claimed.values()) == [True]  # settled once handled


async def test_with_several_instances_a_delivery_is_answered_once_handled_and_a_busy_one_is_503() -> None:
    claims, handled = FakeClaims(), asyncio.Event()
    order: list[str] = []

    async def slow(event: WebhookEvent) -> None:
        await asyncio.sleep(0.05)
        order.append("handled")
        handled.set()

    router = WebhookRouter(KEY, claims=claims)
    router.on("present_proof_v2_0", slow)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router.api_router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://controller") as http:
        send = lambda: http.post("/webhooks/topic/present_proof_v2_0/", json=PROOF, headers={"x-api-key": KEY})  # noqa: E731
        first = asyncio.ensure_future(send())
        await asyncio.sleep(0.01)  # the first is being handled: a retry of it now is told to come back
        busy = await send()
        assert busy.status_code == 503 and busy.headers["retry-after"] == "5", busy.text
        assert "another instance" in busy.json()["detail"]
        answered = await first
        order.append("answered")
        assert answered.status_code == 200 and order == ["handled", "answered"]  # handled before the answer
        again = await send()  # settled: a later try is a duplicate, answered at once and not handled
        assert again.status_code == 200 and order == ["handled", "answered"]


async def test_an_event_from_another_instance_feeds_the_waiter_and_observers_but_no_handler(setup: Setup) -> None:
    observed: list[str] = []
    setup.router.observe(lambda event: observed.append(event.topic))
    waiting = asyncio.ensure_future(setup.waiter.wait_for("present_proof_v2_0", "pres_ex_id", "p1",
                                                          states={"done"}, timeout=5))  # fmt: skip
    await asyncio.sleep(0)
    setup.router.deliver_remote(WebhookEvent("present_proof_v2_0", {"pres_ex_id": "p1", "state": "done"}))
    assert (await waiting)["state"] == "done"
    assert observed == ["present_proof_v2_0"] and setup.proofs.events == []

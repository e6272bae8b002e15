"""AdminClient against a fake admin API (httpx.MockTransport): headers, payloads, error translation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest

from agents.admin import AdminClient
from agents.admin_transport import LISTS_AT_ONCE
from medcred.errors import (
    AgentError,
    AgentRejectedError,
    AgentUnavailableError,
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    NotFoundError,
)

KEY = "the-admin-key"
BASE = "http://agent.test"

type Responder = Callable[[httpx.Request], httpx.Response]


class FakeAgent:
    """Records every request and answers with `respond` (200 {} by default)."""

    def __init__(self, respond: Responder | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.respond = respond or (lambda _: httpx.Response(200, json={}))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.respond(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def client(agent: FakeAgent) -> AdminClient:
    return AdminClient(BASE, KEY, transport=httpx.MockTransport(agent))


async def test_sends_the_api_key_and_no_bearer_by_default() -> None:
    agent = FakeAgent(lambda _: httpx.Response(200, json={"version": "1.7.0"}))
    async with client(agent) as admin:
        assert await admin.status() == {"version": "1.7.0"}
    assert agent.last.headers["x-api-key"] == KEY
    assert "authorization" not in agent.last.headers
    assert str(agent.last.url) == f"{BASE}/status"


async def test_tenant_view_sends_the_bearer_token_and_shares_the_client() -> None:
    agent = FakeAgent(lambda _: httpx.Response(200, json={"result": {"did": "did:key:z6Mk"}}))
    async with client(agent) as admin:
        tenant = admin.for_tenant("tok-1")
        assert await tenant.create_wallet_did() == {"did": "did:key:z6Mk"}
        await tenant.aclose()  # a view does not close the shared client
        await admin.request("GET", "/status", token="tok-2")
        await admin.status()
    first, second, third = agent.requests
    assert first.headers["authorization"] == "Bearer tok-1"
    assert json.loads(first.content) == {"method": "key", "options": {"key_type": "ed25519"}}
    assert second.headers["authorization"] == "Bearer tok-2"
    assert "authorization" not in third.headers


@pytest.mark.parametrize(
    ("status", "error"),
    [(404, NotFoundError), (400, AgentRejectedError), (409, AgentRejectedError), (401, AuthenticationError),
     (500, AgentError), (503, AgentError)],
)  # fmt: skip
async def test_error_statuses_are_translated(status: int, error: type[Exception]) -> None:
    agent = FakeAgent(lambda _: httpx.Response(status, text=f"{status}: the agent says no"))
    async with client(agent) as admin:
        with pytest.raises(error) as caught:
            await admin.request("POST", "/issue-credential-2.0/send-offer", json={"secret_attr": "O+ blood"})
    message = str(caught.value)
    assert "the agent says no" in message
    assert "O+ blood" not in message and KEY not in message
    if status in (400, 409):
        assert isinstance(caught.value, AgentRejectedError)
        assert caught.value.agent_status == status
    if status >= 500:
        assert not isinstance(caught.value, AgentRejectedError)


async def test_long_agent_messages_are_truncated() -> None:
    agent = FakeAgent(lambda _: httpx.Response(400, text="x" * 5000))
    async with client(agent) as admin:
        with pytest.raises(AgentRejectedError) as caught:
            await admin.status()
    assert len(str(caught.value)) < 400


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
async def test_transport_failures_become_agent_errors(failure: Exception) -> None:
    def fail(_: httpx.Request) -> httpx.Response:
        raise failure

    async with client(FakeAgent(fail)) as admin:
        with pytest.raises(AgentError) as caught:
            await admin.status()
        assert await admin.status_ready() is False
    assert KEY not in str(caught.value)
    assert isinstance(caught.value.__cause__, httpx.HTTPError)


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("connection refused"), httpx.RemoteProtocolError("server disconnected"),
     httpx.ReadError("connection reset")],
)  # fmt: skip
async def test_an_agent_that_is_down_is_unavailable_with_a_retry_after(failure: Exception) -> None:
    def fail(_: httpx.Request) -> httpx.Response:
        raise failure

    async with AdminClient(BASE, KEY, transport=httpx.MockTransport(fail), retry_after=7) as admin:
        with pytest.raises(AgentUnavailableError) as caught:
            await admin.for_tenant("tok").request("GET", "/credentials")
    assert caught.value.status_code == 503 and caught.value.retry_after == 7
    assert "down or restarting" in caught.value.message and "try again in 7 s" in caught.value.message


async def test_an_agent_still_starting_is_unavailable_too() -> None:
    agent = FakeAgent(lambda _: httpx.Response(503, text="503: Service Unavailable"))
    async with client(agent) as admin:
        with pytest.raises(AgentUnavailableError) as caught:
            await admin.status()
    assert caught.value.retry_after == 5


async def test_an_agent_that_timed_out_inside_is_unavailable_for_now() -> None:
    """ACA-Py answers 504 when a step of its own timed out (its storage pool starved after a burst, say):
    busy, not broken; the caller is told to come back rather than given a bare 502."""
    agent = FakeAgent(lambda _: httpx.Response(504, text=""))
    async with AdminClient(BASE, KEY, transport=httpx.MockTransport(agent), retry_after=7) as admin:
        with pytest.raises(AgentUnavailableError) as caught:
            await admin.request("POST", "/issue-credential-2.0/send-offer", json={"secret_attr": "O+ blood"})
    assert caught.value.status_code == 503 and caught.value.retry_after == 7
    assert "timed out inside" in caught.value.message and "try again in 7 s" in caught.value.message
    assert "O+ blood" not in caught.value.message


async def test_a_timeout_is_not_taken_for_an_agent_that_is_down() -> None:
    def slow(_: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow")

    async with client(FakeAgent(slow)) as admin:
        with pytest.raises(AgentError) as caught:
            await admin.status()
    assert not isinstance(caught.value, AgentUnavailableError) and caught.value.status_code == 502


async def test_non_json_and_unexpected_shapes_are_agent_errors() -> None:
    agent = FakeAgent(lambda _: httpx.Response(200, text="<html>"))
    async with client(agent) as admin:
        with pytest.raises(AgentError):
            await admin.status()
        agent.respond = lambda _: httpx.Response(200, json={"unexpected": True})
        with pytest.raises(AgentError):
            await admin.credentials()


async def test_using_a_closed_client_is_a_configuration_error() -> None:
    admin = client(FakeAgent())
    with pytest.raises(ConfigurationError):
        await admin.status()
    with pytest.raises(ConfigurationError):
        admin.for_tenant("tok")


async def test_ids_cannot_escape_their_path_segment() -> None:
    agent = FakeAgent()
    async with client(agent) as admin:
        await admin.present_proof_record("../../multitenancy/wallets?x=1")
        with pytest.raises(InvalidInputError):
            await admin.get_connection("..")
    assert agent.last.url.path.startswith("/present-proof-2.0/records/")
    assert agent.last.url.raw_path.count(b"/") == 3


async def test_send_offer_uses_the_anoncreds_filter_and_a_v2_preview() -> None:
    agent = FakeAgent(lambda _: httpx.Response(200, json={"cred_ex_id": "c1", "state": "offer-sent"}))
    async with client(agent) as admin:
        record = await admin.issue_credential_send_offer("conn-1", "CD:3:CL:1:tag", {"vaccine": "J07BX03"})
    assert record["cred_ex_id"] == "c1"
    assert agent.last.url.path == "/issue-credential-2.0/send-offer"
    body = json.loads(agent.last.content)
    assert body["connection_id"] == "conn-1"
    assert body["filter"] == {"anoncreds": {"cred_def_id": "CD:3:CL:1:tag"}}
    assert body["credential_preview"]["@type"] == "issue-credential/2.0/credential-preview"
    assert body["credential_preview"]["attributes"] == [{"name": "vaccine", "value": "J07BX03"}]


async def test_query_parameters_use_json_booleans_and_skip_none() -> None:
    agent = FakeAgent(lambda _: httpx.Response(200, json={"invitation_url": "http://x?oob=..."}))
    async with client(agent) as admin:
        await admin.create_oob_invitation(alias="patient", handshake=False, attachments=[{"id": "p", "type": "x"}])
    assert agent.last.url.params["auto_accept"] == "true"
    assert agent.last.url.params["multi_use"] == "false"
    body = json.loads(agent.last.content)
    assert "handshake_protocols" not in body
    assert body["alias"] == "patient"


async def test_revoke_publishes_at_once() -> None:
    agent = FakeAgent()
    async with client(agent) as admin:
        await admin.revoke(cred_ex_id="c1")
    assert agent.last.url.path == "/anoncreds/revocation/revoke"
    assert json.loads(agent.last.content) == {"cred_ex_id": "c1", "publish": True, "notify": False}


async def test_list_helpers_ask_for_more_than_ten() -> None:
    agent = FakeAgent(lambda _: httpx.Response(200, json={"results": [{"referent": "r1"}]}))
    async with client(agent) as admin:
        assert await admin.credentials(count=500) == [{"referent": "r1"}]
        assert agent.last.url.params["limit"] == "500"
        assert await admin.present_proof_records(state="request-received") == [{"referent": "r1"}]
        assert agent.last.url.params["state"] == "request-received"
        agent.respond = lambda _: httpx.Response(200, json=[{"cred_info": {}}])
        assert await admin.present_proof_credentials_for_request("p1", count=50) == [{"cred_info": {}}]
        assert agent.last.url.path == "/present-proof-2.0/records/p1/credentials"
        assert agent.last.url.params["limit"] == "50"


async def test_multitenancy_wallet_and_token_stay_secret() -> None:
    agent = FakeAgent(lambda _: httpx.Response(200, json={"wallet_id": "w1", "token": "jwt-abc", "settings": {}}))
    async with client(agent) as admin:
        wallet = await admin.multitenancy_create_wallet("patient-1", "k" * 32, label="Patient", key_derivation="RAW")
        assert wallet.wallet_id == "w1"
        assert wallet.token.get_secret_value() == "jwt-abc"
        assert "jwt-abc" not in repr(wallet)
        body = json.loads(agent.last.content)
        assert body["wallet_key_derivation"] == "RAW"
        assert body["key_management_mode"] == "managed"
        assert body["wallet_type"] == "askar-anoncreds"
        agent.respond = lambda _: httpx.Response(200, json={"token": "jwt-new"})
        token = await admin.multitenancy_wallet_token("w1")
        assert token.get_secret_value() == "jwt-new"
        assert agent.last.url.path == "/multitenancy/wallet/w1/token"


async def test_status_ready_is_false_while_starting() -> None:
    agent = FakeAgent(lambda _: httpx.Response(503, text="503: Service not ready"))
    async with client(agent) as admin:
        assert await admin.status_ready() is False
        agent.respond = lambda _: httpx.Response(200, json={"ready": True})
        assert await admin.status_ready() is True


async def test_list_calls_at_once_stay_below_the_agents_pool_across_tenant_views() -> None:
    """Each list is a scan taking a second connection on the agent: a pool's worth at once deadlocks it."""
    at_once, most = 0, 0

    async def agent(_: httpx.Request) -> httpx.Response:
        nonlocal at_once, most
        at_once += 1
        most = max(most, at_once)
        await asyncio.sleep(0.02)
        at_once -= 1
        return httpx.Response(200, json={"results": []})

    async with AdminClient(BASE, KEY, transport=httpx.MockTransport(agent)) as admin:
        tenants = [admin.for_tenant(f"tok-{n}") for n in range(20)]
        answers = await asyncio.gather(*(t.present_proof_records(role="prover") for t in tenants),
                                       admin.status())  # fmt: skip
    assert answers[:20] == [[]] * 20
    assert most == LISTS_AT_ONCE + 1  # the lists, and one call that is not a list beside them

"""The hospital's controller while its agent is down: /health says so, calls that need it get 503 + Retry-After."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.unit.issuer import examples
from tests.unit.issuer.conftest import running
from tests.unit.issuer.fakes import NEW_DID, FakeAgent, FakeLedger


@dataclass
class KillableAgent(FakeAgent):
    """The fake agent, which refuses connections while `down`, as a killed agent's port does."""

    down: bool = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return super().__call__(request)


async def test_health_is_degraded_and_calls_are_503_with_retry_after_until_the_agent_is_back(tmp_path: Path) -> None:
    agent = KillableAgent(public_did=NEW_DID)
    async for issuer in running(tmp_path, agent, FakeLedger(), agent_retry_after=3):
        assert (await issuer.http.put("/patients/p1", json=examples.patient())).status_code in (200, 201)
        health = await issuer.http.get("/health")
        assert (health.status_code, health.json()) == (200, {"status": "ok", "agent": "up", "agent_ready": True})

        agent.down = True
        health = await issuer.http.get("/health")
        assert health.status_code == 503
        assert health.json() == {"status": "degraded", "agent": "down", "agent_ready": False}
        refused = await issuer.http.post("/patients/p1/invitation")
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "3"
        assert "down or restarting" in refused.json()["detail"]

        agent.down = False
        assert (await issuer.http.get("/health")).json()["status"] == "ok"
        assert (await issuer.http.post("/patients/p1/invitation")).status_code == 201

"""The verifier app against a fake ACA-Py admin API (httpx.MockTransport), its lifespan run for real."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from pydantic import SecretStr

from agents.controller import AgentLink
from verifier import VerifierSettings, create_app
from verifier.service import VerificationService

STAFF_KEY = "staff-key"
HOOK_KEY = "hook-key"
ISSUER_DID = "Th7MpTaRZVRYnPiabds81Y"
VERIFIER_DID = "7Tqg6BwSSWapxgUDm9KKgg"
STAFF = {"X-API-Key": STAFF_KEY}
RECORDS = "/present-proof-2.0/records/"
INVITATIONS = "/out-of-band/invitations/"


@dataclass
class FakeAgent:
    """A fake verifier agent: hands out pres_ex ids, serves the records a test puts in, logs every call."""

    requests: list[httpx.Request] = field(default_factory=list)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # pres_ex_id -> GET answer
    deleted: list[str] = field(default_factory=list)
    deleted_invitations: list[str] = field(default_factory=list)
    fail: dict[str, int] = field(default_factory=dict)  # path -> status to answer with

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        await asyncio.sleep(0)  # like a real agent, let other tasks run while it answers
        path = request.url.path
        if path in self.fail:
            return httpx.Response(self.fail[path], text="the agent is unwell")
        if path == "/status/ready":
            return httpx.Response(200, json={"ready": True})
        if path == "/wallet/did/public" and request.method == "GET":  # the verifier's DID is already public
            return httpx.Response(200, json={"result": {"did": VERIFIER_DID, "verkey": "x"}})
        if path == "/present-proof-2.0/create-request":
            pres_ex_id = str(uuid.uuid4())
            return httpx.Response(200, json={"pres_ex_id": pres_ex_id, "state": "request-sent"})
        if path == "/out-of-band/create-invitation":
            return httpx.Response(200, json={"invitation_url": "http://127.0.0.1:8040?oob=eyJhIjoxfQ",
                                             "invi_msg_id": str(uuid.uuid4()), "state": "initial"})  # fmt: skip
        if path.startswith(RECORDS) and request.method == "GET":
            record = self.records.get(path.removeprefix(RECORDS))
            return httpx.Response(200, json=record) if record else httpx.Response(404, text="not found")
        if path.startswith(INVITATIONS) and request.method == "DELETE":
            self.deleted_invitations.append(path.removeprefix(INVITATIONS))
            return httpx.Response(200, json={})
        if path.startswith(RECORDS) and request.method == "DELETE":
            self.deleted.append(path.removeprefix(RECORDS))
            return httpx.Response(200, json={})
        return httpx.Response(404, text=f"fake agent has no {request.method} {path}")

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def body(self, request: httpx.Request) -> Any:
        return json.loads(request.content)


@dataclass
class Verifier:
    http: httpx.AsyncClient
    app: FastAPI
    agent: FakeAgent
    settings: VerifierSettings
    stack: contextlib.AsyncExitStack

    async def stop(self) -> None:
        """Shut the app down (its lifespan's end), as a restart would."""
        await self.stack.aclose()

    @property
    def link(self) -> AgentLink:
        link: AgentLink = self.app.state.link
        return link

    @property
    def service(self) -> VerificationService:
        service: VerificationService = self.app.state.verifications
        return service

    async def create(self, template: str = "vaccination-status") -> dict[str, Any]:
        response = await self.http.post("/verifications", json={"template": template}, headers=STAFF)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def read(self, verification_id: str, wait: float | None = None) -> dict[str, Any]:
        params = {"wait": wait} if wait is not None else None
        response = await self.http.get(f"/verifications/{verification_id}", params=params, headers=STAFF)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def pres_ex_id(self, verification_id: str) -> str:
        verification = self.service._records.get(verification_id)
        assert verification is not None
        return verification.pres_ex_id

    async def webhook(self, payload: dict[str, Any], key: str = HOOK_KEY) -> httpx.Response:
        response = await self.http.post("/webhooks/topic/present_proof_v2_0/", json=payload, headers={"x-api-key": key})
        await self.link.webhooks.drain()
        return response


type StartVerifier = Callable[..., Awaitable[Verifier]]


def make_settings(data_dir: Path, **overrides: Any) -> VerifierSettings:
    values: dict[str, Any] = {
        "data_dir": data_dir, "api_key": SecretStr(STAFF_KEY), "webhook_api_key": SecretStr(HOOK_KEY),
        "agent_admin_api_key": SecretStr("admin-key"), "wallet_key": SecretStr("wallet-key"),
        "issuer_did": ISSUER_DID, "request_timeout": 60.0, "audit_anchoring": False,
    }  # fmt: skip
    return VerifierSettings(**{**values, **overrides})


@pytest_asyncio.fixture
async def start_verifier(tmp_path: Path) -> AsyncIterator[StartVerifier]:
    """Start a verifier app (several may run in turn on one data folder, as across a restart)."""
    started: list[Verifier] = []

    async def start(agent: FakeAgent | None = None, **overrides: Any) -> Verifier:
        agent = agent or FakeAgent()
        settings = make_settings(tmp_path, **overrides)
        app = create_app(settings, admin_transport=httpx.MockTransport(agent))
        stack = contextlib.AsyncExitStack()
        await stack.enter_async_context(app.router.lifespan_context(app))
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://verifier")
        )
        started.append(Verifier(http, app, agent, settings, stack))
        return started[-1]

    try:
        yield start
    finally:
        for verifier in reversed(started):
            await verifier.stop()


@pytest_asyncio.fixture
async def verifier(start_verifier: StartVerifier) -> Verifier:
    return await start_verifier()

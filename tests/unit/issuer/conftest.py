"""The issuer app over ASGI, its lifespan run, with a fake agent and a fake ledger behind it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from pydantic import SecretStr

from issuer import IssuerSettings, create_app
from issuer.service import IssuerService
from tests.unit.issuer import examples
from tests.unit.issuer.fakes import FakeAgent, FakeLedger

STAFF_KEY = "staff-key"
HOOK_KEY = "hook-key"
PORTAL_KEY = "portal-key"
PUBLIC_URL = "http://127.0.0.1:8001"
RECORDS_KEK = bytes(range(32)).hex()


@dataclass
class Issuer:
    http: httpx.AsyncClient
    agent: FakeAgent
    ledger: FakeLedger
    app: FastAPI
    # patient_ref -> the patient's DID on their connection (how the portal knows them), and that DID -> the
    # hospital's DID on the same connection
    connection_keys: dict[str, str] = field(default_factory=dict)
    hospital_dids: dict[str, str] = field(default_factory=dict)

    @property
    def service(self) -> IssuerService:
        service: IssuerService = self.app.state.issuer
        return service

    async def webhook(self, topic: str, payload: dict[str, Any]) -> None:
        response = await self.http.post(f"/webhooks/topic/{topic}/", json=payload, headers={"X-API-Key": HOOK_KEY})
        assert response.status_code == 200
        await self.app.state.link.webhooks.drain()

    async def connected_patient(self, patient_ref: str = "p1") -> str:
        """A stored patient whose wallet accepted an invitation and completed the connection; its id."""
        assert (await self.http.put(f"/patients/{patient_ref}", json=examples.patient())).status_code in (200, 201)
        invitation = (await self.http.post(f"/patients/{patient_ref}/invitation")).json()
        connection_id = f"conn-{patient_ref}"
        connection = connection_record(connection_id, invitation["invitation_id"], patient_ref)
        self.agent.connections[connection_id] = connection
        self.connection_keys[patient_ref] = connection["their_did"]
        self.hospital_dids[connection["their_did"]] = connection["my_did"]
        await self.webhook("connections", connection)
        return connection_id

    async def portal_patient(self, patient_ref: str = "p1") -> str:
        """A connected patient; their key at the portal (their DID on the connection, as their wallet has it)."""
        await self.connected_patient(patient_ref)
        return self.connection_keys[patient_ref]

    async def portal(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """`method /portal/patient/<rest>` for `path` = "<patient's DID>/<rest>", as the patients' wallet
        service calls it: the portal key, and the connection's DIDs as the wallet sees them."""
        key, _, rest = path.partition("/")
        headers = {"X-API-Key": PORTAL_KEY, "X-Patient-DID": key, "X-Hospital-DID": self.hospital_dids.get(key, key)}
        return await self.http.request(method, f"/portal/patient/{rest}", headers=headers, **kwargs)


def connection_record(
    connection_id: str, invitation_id: str, patient_ref: str, state: str = "active",
) -> dict[str, str]:
    """The hospital agent's record of a completed connection (what its `connections` webhook carries)."""
    return {
        "connection_id": connection_id, "state": state, "rfc23_state": "completed" if state == "active" else state,
        "invitation_msg_id": invitation_id, "my_did": f"did:peer:4zQmHospitalFor{patient_ref}",
        "their_did": f"did:peer:4zQmPatient{patient_ref}:zLongFormOfIt", "updated_at": "2025-01-01T00:00:00Z",
    }  # fmt: skip


def issuer_settings(data_dir: Path, **overrides: Any) -> IssuerSettings:
    return IssuerSettings(**{  # type: ignore[arg-type]
        "data_dir": data_dir, "api_key": SecretStr(STAFF_KEY), "webhook_api_key": SecretStr(HOOK_KEY),
        "agent_admin_api_key": SecretStr("admin-key"), "ledger_api_key": SecretStr("ledger-key"),
        "ledger_url": "http://ledger.test", "records_kek": SecretStr(RECORDS_KEK),
        "portal_api_key": SecretStr(PORTAL_KEY), "public_url": PUBLIC_URL, "portal_link_wait": 0.05,
        "audit_anchoring": False, **overrides,
    })  # fmt: skip


async def running(data_dir: Path, agent: FakeAgent, ledger: FakeLedger, **settings: Any) -> AsyncIterator[Issuer]:
    app = create_app(issuer_settings(data_dir, **settings), admin_transport=httpx.MockTransport(agent),
                     ledger_transport=httpx.MockTransport(ledger))  # fmt: skip
    app.state.issuer.onboarding.poll_interval = 0.001
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://issuer",
                                     headers={"X-API-Key": STAFF_KEY}) as http:  # fmt: skip
            yield Issuer(http, agent, ledger, app)


@pytest_asyncio.fixture
async def issuer(tmp_path: Path) -> AsyncIterator[Issuer]:
    async for running_issuer in running(tmp_path, FakeAgent(), FakeLedger()):
        yield running_issuer

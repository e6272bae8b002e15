"""A real multitenant ACA-Py agent posting its webhooks to our receiver (uvicorn, in this event loop).

Checks what the unit tests can only assume: ACA-Py sends `x-api-key` from `URL#KEY` (given through the
environment), posts to `/topic/{topic}/`, names the sub-wallet in `x-wallet-id`, and a flow can await
the event. Also exercises the sub-wallet helpers and the bearer token for real.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
import uvicorn
from aries_askar import Store
from fastapi import FastAPI

from agents.admin import AdminClient
from agents.config import AgentConfig
from agents.events import EventWaiter, WebhookEvent
from agents.process import AgentProcess
from agents.webhooks import WebhookRouter
from medcred.errors import AuthenticationError
from medcred.web import install_error_handlers
from tests.ports import free_port

pytestmark = pytest.mark.integration

ADMIN_KEY = "live-admin-key-31d0"
HOOK_KEY = "live-hook-key-77ab"
JWT_SECRET = "live-jwt-secret-c4e9"


@dataclass
class Live:
    admin: AdminClient
    waiter: EventWaiter
    received: list[WebhookEvent]
    log_file: Path


@pytest_asyncio.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    waiter, received = EventWaiter(), []
    router = WebhookRouter(HOOK_KEY, events=waiter)

    async def record(event: WebhookEvent) -> None:
        received.append(event)

    router.on("out_of_band", record)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router.api_router)
    hook_port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=hook_port, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve())
    config = AgentConfig(
        label="Live holder",
        role_name="live",
        inbound_port=free_port(),
        admin_port=free_port(),
        admin_api_key=ADMIN_KEY,
        wallet_name="live-base",
        wallet_key="live-wallet-key",
        wallet_type="askar",
        no_ledger=True,
        multitenant=True,
        jwt_secret=JWT_SECRET,
        webhook_url=f"http://127.0.0.1:{hook_port}/webhooks",
        webhook_api_key=HOOK_KEY,
        data_dir=tmp_path / "live",
    )
    agent = AgentProcess(config)
    try:
        async with asyncio.timeout(10):
            while not server.started and not serving.done():  # noqa: ASYNC110 - uvicorn has a flag, no event
                await asyncio.sleep(0.05)
        assert server.started, "the webhook receiver did not start"
        await agent.start()
        await agent.wait_until_ready(timeout=60)
        async with AdminClient(config.admin_url, ADMIN_KEY) as admin:
            yield Live(admin, waiter, received, config.log_file)
    finally:
        await agent.stop()
        await router.drain()
        server.should_exit = True
        await serving


async def test_sub_wallet_webhooks_reach_us_with_the_wallet_id(live: Live) -> None:
    sub_key = Store.generate_raw_key()
    wallet = await live.admin.multitenancy_create_wallet(
        "patient-1", sub_key, label="Patient 1", wallet_type="askar", key_derivation="RAW"
    )
    tenant = live.admin.for_tenant(wallet.token)
    record = await tenant.create_oob_invitation(alias="clinic")
    oob_id = record["oob_id"]
    payload = await live.waiter.wait_for("out_of_band", "oob_id", oob_id, timeout=15)
    assert payload["oob_id"] == oob_id
    event = live.waiter.latest("out_of_band", "oob_id", oob_id)
    assert event is not None and event.wallet_id == wallet.wallet_id
    await asyncio.sleep(0.2)
    assert [e.payload["oob_id"] for e in live.received].count(oob_id) == 1
    log = read_text(live.log_file)
    for secret in (ADMIN_KEY, HOOK_KEY, JWT_SECRET, sub_key, wallet.token.get_secret_value()):
        assert secret not in log


def read_text(path: Path) -> str:
    return path.read_bytes().decode(errors="replace")


async def test_a_new_token_replaces_the_old_one(live: Live) -> None:
    wallet = await live.admin.multitenancy_create_wallet(
        "patient-2", Store.generate_raw_key(), label="Patient 2", wallet_type="askar", key_derivation="RAW"
    )
    # The token is a JWT of (wallet_id, iat in whole seconds): one asked for within the same second
    # is the very same token, so only a later one replaces it.
    await asyncio.sleep(1.1)
    new_token = await live.admin.multitenancy_wallet_token(wallet.wallet_id)
    assert new_token.get_secret_value() != wallet.token.get_secret_value()
    assert await live.admin.for_tenant(new_token).wallet_dids() == []
    with pytest.raises(AuthenticationError):
        await live.admin.for_tenant(wallet.token).wallet_dids()

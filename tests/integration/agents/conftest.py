"""A real ACA-Py agent per test, from the module's own `config` fixture; always stopped."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from agents.config import AgentConfig
from agents.process import AgentProcess


@pytest_asyncio.fixture
async def agent(config: AgentConfig) -> AsyncIterator[AgentProcess]:
    process = AgentProcess(config)
    try:
        await process.start()
        await process.wait_until_ready(timeout=60)
        yield process
    finally:
        await process.stop()

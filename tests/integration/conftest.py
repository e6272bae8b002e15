"""The real stack, started once per test session and always torn down.

Everything lives in a temporary data folder; each test makes its own identities and data.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr

from holder import HolderSettings
from issuer import IssuerSettings
from ledger.client import LedgerClient
from ledger.network import LedgerNetwork
from ledger.settings import LedgerSettings
from ledger.tails import TailsSettings
from ledger.trustee import trustee_signer
from tests.integration.browser_kit import browser, person  # noqa: F401 - fixtures of every integration test
from verifier import VerifierSettings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def stack_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("medcred-home")


@pytest_asyncio.fixture(scope="session")
async def ledger_network(stack_home: Path) -> AsyncIterator[LedgerNetwork]:
    network = LedgerNetwork(
        LedgerSettings(data_dir=stack_home / "ledger"), TailsSettings(storage_dir=stack_home / "tails")
    )
    await network.start()
    try:
        yield network
    finally:
        await network.stop()


@pytest_asyncio.fixture(scope="session")
async def ledger_client(ledger_network: LedgerNetwork) -> AsyncIterator[LedgerClient]:
    trustee = trustee_signer(ledger_network.settings.trustee_seed, ledger_network.pool.genesis)
    client = await LedgerClient.open(ledger_network.pool.genesis_path, trustee)
    try:
        yield client
    finally:
        client.close()


@pytest_asyncio.fixture
async def ledger_web(ledger_network: LedgerNetwork) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the ledger's web server (/status, /register, /genesis)."""
    async with httpx.AsyncClient(base_url=ledger_network.settings.web_url, timeout=30) as client:
        yield client


async def status_until(
    ledger_web: httpx.AsyncClient, wanted: Callable[[dict[str, Any]], bool], timeout: float
) -> dict[str, Any]:
    """GET the ledger's /status until `wanted(body)` holds; fails after `timeout` s."""
    async with asyncio.timeout(timeout):
        while True:
            body: dict[str, Any] = (await ledger_web.get("/status")).json()
            if wanted(body):
                return body
            await asyncio.sleep(0.5)


def node(body: dict[str, Any], name: str) -> dict[str, Any]:
    """One validator's entry in a /status body."""
    return next(v for v in body["validators"] if v["name"] == name)


@pytest_asyncio.fixture(scope="session")
async def network(stack_home: Path, ledger_network: LedgerNetwork) -> AsyncIterator[object]:
    """The whole network (agents and controllers on the session's ledger), once per session; always stopped."""
    from stack.network import MedcredNetwork

    # Audit batches are anchored within a second, so tests see inclusion proofs quickly. An issuance the
    # wallet never finishes ends abandoned after 15 s (120 s by default), so tests see it. The records
    # key-encryption key is the session's own (never beside the data).
    network = MedcredNetwork(
        stack_home, ledger=ledger_network,
        issuer=IssuerSettings(
            audit_max_wait=1, issuance_timeout=15, records_kek=SecretStr(secrets.token_bytes(32).hex())
        ),
        holder=HolderSettings(audit_max_wait=1),
        verifier=VerifierSettings(audit_max_wait=1),
    )
    await network.start()
    try:
        yield network
    finally:
        await network.stop()

"""The real stack, started once per test session and always torn down.

Everything lives in a temporary data folder; each test makes its own identities and data.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr
from pydantic_settings import BaseSettings

from holder import HolderSettings
from issuer import IssuerSettings
from ledger.client import LedgerClient
from ledger.network import LedgerNetwork
from ledger.settings import LedgerSettings
from ledger.tails import TailsSettings
from ledger.trustee import trustee_signer
from medcred.settings import HomeSettings
from tests.integration.browser_kit import browser, person  # noqa: F401 - fixtures of every integration test
from verifier import VerifierSettings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def stack_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("medcred-home")


@dataclass(frozen=True)
class StackPlan:
    """The run's choice of store and ports for the session's network (`tests/conftest.py`'s options)."""

    database: str  # "sqlite" or "postgresql"
    port_offset: int

    def port(self, settings: type[BaseSettings], field: str) -> int:
        """The field's default port, moved by the offset."""
        default = settings.model_fields[field].default
        assert isinstance(default, int), field
        return default + self.port_offset

    def roles(self, **settings: dict[str, Any]) -> dict[str, Any]:
        """Each role's settings (by role name) with its three ports moved."""
        kinds = {"issuer": IssuerSettings, "holder": HolderSettings, "verifier": VerifierSettings}
        return {
            role: kinds[role](**{
                field: self.port(kinds[role], field) for field in ("port", "agent_inbound_port", "agent_admin_port")
            }, **extra)
            for role, extra in settings.items()
        }  # fmt: skip


@pytest.fixture(scope="session")
def stack_plan(pytestconfig: pytest.Config) -> StackPlan:
    return StackPlan(pytestconfig.getoption("stack_database"), pytestconfig.getoption("stack_port_offset"))


@pytest_asyncio.fixture(scope="session")
async def ledger_network(stack_home: Path, stack_plan: StackPlan) -> AsyncIterator[LedgerNetwork]:
    ledger = LedgerSettings(
        data_dir=stack_home / "ledger", base_port=stack_plan.port(LedgerSettings, "base_port"),
        web_port=stack_plan.port(LedgerSettings, "web_port"),
    )  # fmt: skip
    tails = TailsSettings(storage_dir=stack_home / "tails", port=stack_plan.port(TailsSettings, "port"))
    network = LedgerNetwork(ledger, tails)
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
async def network(stack_home: Path, ledger_network: LedgerNetwork, stack_plan: StackPlan) -> AsyncIterator[object]:
    """The whole network (agents and controllers on the session's ledger), once per session; always stopped.
    With `--stack-database postgresql` its wallets and records are in a private cluster, made for the run and
    removed after it."""
    from stack.network import MedcredNetwork
    from stack.postgres import PrivateCluster

    # Audit batches are anchored within a second, so tests see inclusion proofs quickly. An issuance the
    # wallet never finishes ends abandoned after 15 s (120 s by default), so tests see it. The records
    # key-encryption key is the session's own (never beside the data).
    roles = stack_plan.roles(
        issuer={"audit_max_wait": 1, "issuance_timeout": 15, "records_kek": SecretStr(secrets.token_bytes(32).hex())},
        holder={"audit_max_wait": 1}, verifier={"audit_max_wait": 1},
    )  # fmt: skip
    cluster = None
    if stack_plan.database == "postgresql":
        cluster = PrivateCluster.for_home(stack_home, stack_plan.port(HomeSettings, "postgres_port"))
    network = MedcredNetwork(stack_home, ledger=ledger_network, postgres=cluster, **roles)
    await network.start()
    try:
        yield network
    finally:
        await network.stop()
        if cluster is not None:
            await cluster.remove()

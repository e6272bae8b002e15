"""A real ACA-Py 1.7 agent (no ledger, askar wallet) started, queried, stopped and restarted.

Ports are picked free by the OS; the data folder is the test's own. The fixture always stops the agent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.admin import AdminClient
from agents.config import AgentConfig
from agents.process import AgentProcess
from medcred.errors import AuthenticationError, PortInUseError, ProcessError
from tests.ports import free_port

pytestmark = pytest.mark.integration

ADMIN_KEY = "integration-admin-key-5f1c"
WALLET_KEY = "integration-wallet-key-9a2e"


def read_text(path: Path) -> str:
    return path.read_bytes().decode(errors="replace")


def make_config(data_dir: Path, **overrides: object) -> AgentConfig:
    fields: dict[str, object] = {
        "label": "Integration agent",
        "role_name": "itest",
        "inbound_port": free_port(),
        "admin_port": free_port(),
        "admin_api_key": ADMIN_KEY,
        "wallet_name": "itest",
        "wallet_key": WALLET_KEY,
        "wallet_type": "askar",  # askar-anoncreds needs a ledger
        "no_ledger": True,
        "data_dir": data_dir,
    } | overrides
    return AgentConfig.model_validate(fields)


@pytest.fixture
def config(tmp_path: Path) -> AgentConfig:
    return make_config(tmp_path / "agent")


async def test_admin_api_needs_the_key(agent: AgentProcess, config: AgentConfig) -> None:
    async with AdminClient(config.admin_url, ADMIN_KEY) as admin:
        assert await admin.status_ready()
        status = await admin.status()
        assert status["label"] == "Integration agent"
        assert status["version"].startswith("1.7")
    async with AdminClient(config.admin_url, "not-the-key") as intruder:
        with pytest.raises(AuthenticationError):
            await intruder.status()


async def test_secrets_stay_out_of_the_command_line_and_the_log(agent: AgentProcess, config: AgentConfig) -> None:
    cmdline = read_text(Path(f"/proc/{agent.pid}/cmdline"))
    assert ADMIN_KEY not in cmdline and WALLET_KEY not in cmdline
    log = read_text(config.log_file)
    assert ADMIN_KEY not in log and WALLET_KEY not in log


async def test_wallet_survives_a_restart(agent: AgentProcess, config: AgentConfig) -> None:
    async with AdminClient(config.admin_url, ADMIN_KEY) as admin:
        did = (await admin.create_wallet_did())["did"]
        await agent.restart(timeout=60)
        assert agent.running
        assert did in {entry["did"] for entry in await admin.wallet_dids()}
    assert (config.data_dir / "wallet" / "itest" / "sqlite.db").exists()


async def test_a_taken_port_is_refused(agent: AgentProcess, config: AgentConfig, tmp_path: Path) -> None:
    second = AgentProcess(make_config(tmp_path / "second", admin_port=config.admin_port))
    with pytest.raises(PortInUseError, match=str(config.admin_port)):
        await second.start()
    assert not second.running


@pytest.fixture
def bad_flag_config(tmp_path: Path) -> Iterator[AgentConfig]:
    yield make_config(tmp_path / "bad", extra_args=["--no-such-flag-anywhere"])


async def test_a_bad_flag_makes_it_die_with_its_log_tail(bad_flag_config: AgentConfig) -> None:
    process = AgentProcess(bad_flag_config)
    try:
        await process.start()
        with pytest.raises(ProcessError) as caught:
            await process.wait_until_ready(timeout=60)
    finally:
        await process.stop()
    assert "exited with code" in str(caught.value)
    assert "--no-such-flag-anywhere" in caught.value.log_tail

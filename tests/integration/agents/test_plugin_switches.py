"""A real ACA-Py agent (no ledger, askar wallet) started with medcred's patches switched off logs each one
off; started as configured by default, it logs every one on. The agent imports the launcher and the plugin
from this checkout (`agents.process.launcher_env`), so these are the switches of this code."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.acapy_plugin.switches import Patches
from agents.config import AgentConfig
from agents.process import AgentProcess
from tests.integration.agents.test_agent_process import make_config

pytestmark = pytest.mark.integration

PLUGIN_PATCHES = [name for name in Patches.names() if name != "no_nest_asyncio"]


async def started_log(config: AgentConfig) -> str:
    """The agent's log once it is ready (the plugin's `setup` has run by then), the agent stopped after."""
    agent = AgentProcess(config)
    try:
        await agent.start()
        await agent.wait_until_ready(timeout=60)
    finally:
        await agent.stop()
    return config.log_file.read_bytes().decode(errors="replace")


async def test_an_agent_with_every_patch_off_logs_each_one_off(tmp_path: Path) -> None:
    log = await started_log(make_config(tmp_path / "agent", patches=Patches.off_only(Patches.names())))
    assert "medcred launcher: no_nest_asyncio off (MEDCRED_PATCH_NO_NEST_ASYNCIO=off)" in log
    assert "medcred plugin: patches on: none; off: " + ", ".join(Patches.names()) in log
    for name in PLUGIN_PATCHES:
        assert f"medcred plugin: {name} off (MEDCRED_PATCH_{name.upper()}=off): not installed" in log
    assert "marshmallow schema instances reused" not in log and "Askar sessions reused" not in log


async def test_an_agent_by_default_logs_every_patch_on(tmp_path: Path) -> None:
    log = await started_log(make_config(tmp_path / "agent"))
    assert "medcred launcher: no_nest_asyncio on" in log
    assert "medcred plugin: patches on: " + ", ".join(Patches.names()) + "; off: none" in log
    assert "marshmallow schema instances reused" in log and "Askar sessions reused" in log
    assert "not installed" not in log

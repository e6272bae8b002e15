"""agents.acapy_plugin.switches: each run-time patch of the plugin and the launcher can be switched off on
its own; one switched off is not installed, and the agent's log says so."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import agents.acapy_plugin as plugin
from agents.acapy_plugin import (
    ledger_cache,
    multitenant_open,
    refused_presentations,
    reuse_answered,
    schema_reuse,
    session_reuse,
    webhook_topics,
)
from agents.acapy_plugin.switches import Patches
from agents.config import AgentConfig
from issuer import IssuerSettings

ROOT = Path(__file__).resolve().parents[3]  # this checkout, put first on a probe's path (worktrees, main)
PLUGIN_PATCHES = (
    "ledger_cache", "schema_reuse", "session_reuse", "webhook_topics", "refused_presentations", "multitenant_open",
    "reuse_answered",
)


def test_every_patch_is_on_by_default_and_when_its_variable_is_unset() -> None:
    assert Patches() == Patches.from_environ({}) == Patches.from_environ({"MEDCRED_PATCH_NOPE": "off"})
    assert Patches().off() == [] and set(Patches().on()) == {*PLUGIN_PATCHES, "no_nest_asyncio"}


@pytest.mark.parametrize("name", Patches.names())
def test_each_patch_is_switched_off_by_its_own_variable(name: str) -> None:
    patches = Patches.from_environ({f"MEDCRED_PATCH_{name.upper()}": "off"})
    assert patches.off() == [name] and patches == Patches.off_only([name])
    assert Patches.from_environ(patches.environ()) == patches  # what a controller sets, its agent reads back


def test_a_value_that_is_not_on_or_off_names_its_variable() -> None:
    with pytest.raises(ValueError, match="MEDCRED_PATCH_SCHEMA_REUSE='maybe'"):
        Patches.from_environ({"MEDCRED_PATCH_SCHEMA_REUSE": "maybe"})
    assert Patches.from_environ({"MEDCRED_PATCH_SCHEMA_REUSE": " OFF "}).schema_reuse is False


def test_a_name_that_is_no_patch_is_refused() -> None:
    with pytest.raises(ValueError, match="not medcred patches: schema_reus"):
        Patches.off_only(["schema_reus"])


def test_the_agent_is_given_every_switch_from_its_config(tmp_path: Path) -> None:
    config = AgentConfig(label="T", role_name="t", inbound_port=1, admin_port=2, admin_api_key="a", wallet_name="w",
                         wallet_key="k", data_dir=tmp_path, patches={"session_reuse": False})  # fmt: skip
    env = config.env()
    assert {name: env[Patches.variable(name)] for name in Patches.names()} == {
        name: "off" if name == "session_reuse" else "on" for name in Patches.names()
    }


def test_a_roles_settings_pass_their_switches_to_its_agent(tmp_path: Path) -> None:
    settings = IssuerSettings(data_dir=tmp_path, agent_patches={"ledger_cache": False})  # type: ignore[arg-type]
    assert settings.agent_config().patches == Patches(ledger_cache=False)
    with pytest.raises(ValueError, match="schema_reus"):
        IssuerSettings(data_dir=tmp_path, agent_patches={"schema_reus": False})  # type: ignore[arg-type]


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The plugin's patches, each recording that it was installed instead of installing itself."""
    calls: list[str] = []
    for module in (ledger_cache, schema_reuse, session_reuse, webhook_topics, refused_presentations, multitenant_open,
                   reuse_answered):
        name = module.__name__.rsplit(".", 1)[1]
        monkeypatch.setattr(module, "install", lambda *args, name=name: calls.append(name))
    return calls


def test_every_patch_is_installed_when_all_are_on(installed: list[str], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="agents.acapy_plugin"):
        plugin.install(SimpleNamespace(), Patches())
    assert installed == list(PLUGIN_PATCHES)
    assert "medcred plugin: patches on: ledger_cache, schema_reuse" in caplog.text and "off: none" in caplog.text


@pytest.mark.parametrize("name", PLUGIN_PATCHES)
def test_a_patch_switched_off_is_not_installed_and_logged_off(
    name: str, installed: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="agents.acapy_plugin"):
        plugin.install(SimpleNamespace(), Patches.off_only([name]))
    assert installed == [other for other in PLUGIN_PATCHES if other != name]
    assert f"medcred plugin: {name} off (MEDCRED_PATCH_{name.upper()}=off): not installed" in caplog.text
    assert f"; off: {name}" in caplog.text


async def test_setup_reads_the_agents_environment(
    installed: list[str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MEDCRED_PATCH_SCHEMA_REUSE", "off")
    monkeypatch.setattr(plugin, "configured", lambda: Patches.from_environ(os.environ))  # not this process's cache
    with caplog.at_level(logging.INFO, logger="agents.acapy_plugin"):
        await plugin.setup(SimpleNamespace())
    assert "schema_reuse" not in installed and "medcred plugin: schema_reuse off" in caplog.text


def probe(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`code` in a new interpreter whose path starts with this checkout (not the one installed editable)."""
    head = f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MEDCRED_PATCH_")} | env
    return subprocess.run([sys.executable, "-c", head + code], capture_output=True, text=True, timeout=120,
                          env=environ, cwd=ROOT, check=True)  # fmt: skip


NEST_ASYNCIO_PROBE = """
import _asyncio, asyncio
from agents.launcher import configured, prepare
prepare(configured())
import acapy_agent.vc.ld_proofs.document_loader  # applies nest_asyncio at import
print(asyncio.Task is _asyncio.Task, asyncio.Future is _asyncio.Future)
"""


def test_the_launcher_keeps_the_c_task_unless_its_patch_is_off() -> None:
    on = probe(NEST_ASYNCIO_PROBE)
    assert on.stdout.strip() == "True True"
    assert "medcred launcher: no_nest_asyncio on" in on.stderr
    off = probe(NEST_ASYNCIO_PROBE, MEDCRED_PATCH_NO_NEST_ASYNCIO="off")
    assert off.stdout.strip() == "False False"
    assert "medcred launcher: no_nest_asyncio off (MEDCRED_PATCH_NO_NEST_ASYNCIO=off)" in off.stderr


HEAVY = ("fastapi", "httpx", "indy_vdr", "medcred.audit", "audit", "acapy_agent")
IMPORT_PROBE = f"""
import agents.launcher
print(agents.launcher.__file__)
print(sorted(name for name in {HEAVY!r} if name in sys.modules))
"""


def test_the_launcher_imports_none_of_the_controllers_stack() -> None:
    """The agent's process starts with `python -m agents.launcher`: that import pulls in no controller
    library (and not yet ACA-Py, whose nest_asyncio call the launcher must get to first)."""
    done = probe(IMPORT_PROBE)
    where, found = done.stdout.strip().split("\n")
    assert Path(where).is_relative_to(ROOT)
    assert found == "[]"

"""AgentProcess with stand-in `aca-py` scripts: log tail on death, ports checked first, SIGKILL after grace."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.config import AgentConfig
from agents.process import START_MARKER, AgentProcess, launcher_env, log_tail
from medcred.errors import ConfigurationError, PortInUseError, ProcessError
from tests.ports import free_port


def config(tmp_path: Path) -> AgentConfig:
    return AgentConfig(
        label="Test",
        role_name="test",
        inbound_port=free_port(),
        admin_port=free_port(),
        admin_api_key="admin-key",
        wallet_name="test",
        wallet_key="wallet-key",
        wallet_type="askar",
        no_ledger=True,
        data_dir=tmp_path / "agent",
    )


def script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "fake-aca-py"
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return path


@pytest.fixture
def stray_acapy_env() -> Iterator[None]:
    os.environ["ACAPY_LOG_LEVEL"] = "debug"
    yield
    del os.environ["ACAPY_LOG_LEVEL"]


async def test_death_before_ready_carries_the_log_tail(tmp_path: Path) -> None:
    fake = script(tmp_path, "for n in range(100): print(f'line {n}')\nprint('error: unknown flag --nope')\nexit(2)\n")
    agent = AgentProcess(config(tmp_path), fake)
    await agent.start()
    with pytest.raises(ProcessError) as caught:
        await agent.wait_until_ready(timeout=10)
    assert "exited with code 2" in str(caught.value)
    assert "unknown flag --nope" in caught.value.log_tail
    assert "line 99" in caught.value.log_tail and "line 10\n" not in caught.value.log_tail
    assert not agent.running
    await agent.stop()


async def test_child_gets_secrets_by_environment_only(tmp_path: Path, stray_acapy_env: None) -> None:
    fake = script(
        tmp_path,
        "import os, sys\n"
        "print('argv-has-key', any('admin-key' in a for a in sys.argv))\n"
        "print('env-key', os.environ.get('ACAPY_ADMIN_API_KEY') == 'admin-key')\n"
        "print('stray', os.environ.get('ACAPY_LOG_LEVEL'))\n"
        "print('home', os.environ['HOME'] == os.environ['ACAPY_HOME'] == os.getcwd())\n",
    )
    cfg = config(tmp_path)
    agent = AgentProcess(cfg, fake)
    await agent.start()
    with pytest.raises(ProcessError):
        await agent.wait_until_ready(timeout=10)
    text = cfg.log_file.read_text()
    assert "argv-has-key False" in text
    assert "env-key True" in text
    assert "stray None" in text
    assert "home True" in text
    assert oct(cfg.log_file.stat().st_mode & 0o777) == "0o600"


async def test_taken_port_is_refused_before_spawning(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", cfg.admin_port))
        squatter.listen()
        agent = AgentProcess(cfg, script(tmp_path, "raise SystemExit(0)\n"))
        with pytest.raises(PortInUseError, match=rf"127\.0\.0\.1:{cfg.admin_port}\b"):
            await agent.start()
    assert not agent.running


async def test_stop_kills_an_agent_that_ignores_sigterm(tmp_path: Path) -> None:
    fake = script(
        tmp_path,
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('up', flush=True)\ntime.sleep(60)\n",
    )
    agent = AgentProcess(config(tmp_path), fake)
    await agent.start()
    assert agent.running
    await agent.stop(grace=0.5)
    assert not agent.running


async def test_a_missing_executable_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        await AgentProcess(config(tmp_path), tmp_path / "nope").start()


def test_log_tail_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    assert log_tail(tmp_path / "none.log") == ""


def test_log_tail_keeps_the_error_line_a_long_traceback_buried(tmp_path: Path) -> None:
    log = tmp_path / "agent.log"
    earlier_run = [f"{START_MARKER} x ===", "error: from an earlier run"]
    this_run = [f"{START_MARKER} x ===", "usage: aca-py start ...", "aca-py start: error: unrecognized arguments: --x"]
    traceback = [f"  frame {n}" for n in range(60)]
    log.write_text("\n".join(earlier_run + this_run + traceback) + "\n")
    tail = log_tail(log, lines=40).splitlines()
    assert tail[0] == "aca-py start: error: unrecognized arguments: --x"
    assert tail[1] == "[...]"
    assert tail[2:] == traceback[-40:]
    assert "earlier run" not in "\n".join(tail)


def test_the_launcher_is_imported_from_this_checkout_first() -> None:
    checkout = str(Path(__file__).resolve().parents[3])
    assert launcher_env(None) == {"PYTHONPATH": checkout}
    assert launcher_env(f"/elsewhere{os.pathsep}/more")["PYTHONPATH"].split(os.pathsep) == [
        checkout, "/elsewhere", "/more"
    ]

"""Running the real `medcred` command (this checkout's code: `python -m stack.cli`) in a subprocess."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
from pathlib import Path

from medcred.settings import PROJECT_ROOT
from tests.ports import HIGH, LOW, free_port, given, reserve

ROLES = ("ISSUER", "HOLDER", "VERIFIER")
NODES = 4


def free_base_port() -> int:
    """A ledger base port whose 2 * NODES validator ports above it are all free now."""
    for _ in range(200):
        base = random.randint(LOW, HIGH - 2 * NODES)
        ports = range(base + 1, base + 2 * NODES + 1)
        if any(given(port) for port in ports):
            continue
        probes = [socket.socket() for _ in ports]
        try:
            for probe, port in zip(probes, ports, strict=True):
                probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
        reserve(ports)
        return base
    raise RuntimeError("no free range of ports")


def command_env(home: Path, user_home: Path, *, free_ports: bool = True) -> dict[str, str]:
    """The command's environment: ours without MEDCRED_* and PYTHONPATH, its data folder `home`, HOME
    `user_home` (no key file lands in the real ~/.config), and with `free_ports` every port a free one."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("MEDCRED_") and k != "PYTHONPATH"}
    ports: dict[str, int] = {}
    if free_ports:
        ports = {"MEDCRED_LEDGER_WEB_PORT": free_port(), "MEDCRED_TAILS_PORT": free_port(),
                 "MEDCRED_LEDGER_BASE_PORT": free_base_port()}  # fmt: skip
        for role in ROLES:
            for setting in ("PORT", "AGENT_INBOUND_PORT", "AGENT_ADMIN_PORT"):
                ports[f"MEDCRED_{role}_{setting}"] = free_port()
    return inherited | {name: str(port) for name, port in ports.items()} | {
        "MEDCRED_HOME": str(home), "HOME": str(user_home), "MEDCRED_ISSUER_RECORDS_KEK": "11" * 32,
    }  # fmt: skip


def medcred(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`medcred ARGS...` run to its end (killed after `timeout` s), its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "stack.cli", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=timeout, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused command printed (exit code 1, no traceback, no progress line before it)."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]

"""`medcred up` checks its data folder and every port before it starts anything: each problem is one line
of error and exit code 1, with nothing started and no pool made.

Each test runs the real command (`python -m stack.cli up`, this checkout's code) in a subprocess, with a
data folder of its own and every port moved to free ones, so that it never meets a stack running beside it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.commands import NODES, command_env, medcred, one_line_error
from tests.ports import free_port


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return command_env(tmp_path / "home", tmp_path / "user")


def medcred_up(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return medcred("up", env=env)


def refused(result: subprocess.CompletedProcess[str], env: dict[str, str]) -> str:
    """The one line of error of a run that started nothing and made no pool."""
    line = one_line_error(result)
    assert not (Path(env["MEDCRED_HOME"]) / "ledger" / "pool").exists()
    return line


@pytest.fixture
def held() -> Iterator[socket.socket]:
    """A listening socket the test holds: the port of something else."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))
        sock.listen()
        yield sock


@pytest.mark.parametrize("setting", ["MEDCRED_VERIFIER_PORT", "MEDCRED_HOLDER_AGENT_ADMIN_PORT", "MEDCRED_TAILS_PORT"])
def test_a_taken_port_is_refused_before_anything_starts(
    setting: str, env: dict[str, str], held: socket.socket
) -> None:
    port = held.getsockname()[1]
    line = refused(medcred_up(env | {setting: str(port)}), env)
    assert f"127.0.0.1:{port}" in line and "already listens there" in line


def test_a_taken_validator_port_is_refused_before_anything_starts(env: dict[str, str]) -> None:
    port = int(env["MEDCRED_LEDGER_BASE_PORT"]) + 5  # Node3's node port (base + 2N - 1)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        line = refused(medcred_up(env), env)
    assert f"validator Node3 needs 127.0.0.1:{port}" in line


def test_two_parts_set_to_one_port_are_refused(env: dict[str, str]) -> None:
    line = refused(medcred_up(env | {"MEDCRED_HOLDER_PORT": env["MEDCRED_ISSUER_PORT"]}), env)
    assert f"the issuer controller and the holder controller are both set to port {env['MEDCRED_ISSUER_PORT']}" in line


def test_a_data_folder_that_is_a_file_is_refused(env: dict[str, str]) -> None:
    home = Path(env["MEDCRED_HOME"])
    home.write_text("not a folder")
    assert refused(medcred_up(env), env) == (
        f"error: the data folder MEDCRED_HOME={home} is not a folder: set MEDCRED_HOME to a folder you can write"
    )


def test_a_data_folder_under_a_file_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    line = refused(medcred_up(env | {"MEDCRED_HOME": str(tmp_path / "file" / "home")}), env)
    assert "a part of its path is a file, not a folder" in line


@pytest.fixture
def read_only_home(env: dict[str, str]) -> Iterator[Path]:
    """The data folder, made so that this user cannot write in it (immutable for root, 0500 otherwise)."""
    home = Path(env["MEDCRED_HOME"])
    home.mkdir(mode=0o700)
    if os.geteuid() != 0:
        home.chmod(0o500)
        yield home
        home.chmod(0o700)
        return
    if subprocess.run(["chattr", "+i", str(home)], capture_output=True, check=False).returncode != 0:
        pytest.skip("root here cannot make a folder read-only (chattr +i failed)")
    try:
        yield home
    finally:
        subprocess.run(["chattr", "-i", str(home)], check=True)


def test_a_data_folder_that_cannot_be_written_is_refused(read_only_home: Path, env: dict[str, str]) -> None:
    line = refused(medcred_up(env), env)
    assert line.startswith(f"error: the data folder MEDCRED_HOME={read_only_home} cannot be written (")


def test_a_pool_made_for_other_ports_is_refused(env: dict[str, str]) -> None:
    made_base = int(env["MEDCRED_LEDGER_BASE_PORT"]) + 100
    genesis = Path(env["MEDCRED_HOME"]) / "ledger" / "pool" / "genesis" / "medcred" / "pool_transactions_genesis"
    genesis.parent.mkdir(parents=True)
    genesis.write_text("".join(json.dumps({"txn": {"data": {"data": {
        "alias": f"Node{n}", "node_ip": "127.0.0.1", "node_port": made_base + 2 * n - 1, "client_ip": "127.0.0.1",
        "client_port": made_base + 2 * n}}}}) + "\n" for n in range(1, NODES + 1)))  # fmt: skip
    line = one_line_error(medcred_up(env))
    assert f"set MEDCRED_LEDGER_BASE_PORT={made_base}" in line and "medcred ledger reset" in line
    assert not (genesis.parents[2] / "log").exists()  # no validator was started

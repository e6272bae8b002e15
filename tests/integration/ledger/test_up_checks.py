"""`medcred up` on the data folder of the session's running pool: the real genesis is read, and a start
that could not work is refused at once, with one line, before anything starts.

Nothing is started by these runs (they are refused), so the session's ledger is left as it was.
"""

from __future__ import annotations

from pathlib import Path

from ledger.network import LedgerNetwork
from tests.commands import command_env, medcred, one_line_error


def test_the_running_pools_folder_with_other_ports_is_refused(
    stack_home: Path, ledger_network: LedgerNetwork, tmp_path: Path
) -> None:
    base = ledger_network.settings.base_port
    env = command_env(stack_home, tmp_path / "user")  # every port moved: the pool's base port too
    assert int(env["MEDCRED_LEDGER_BASE_PORT"]) != base
    line = one_line_error(medcred("up", env=env))
    assert f"was made for 4 validators on 127.0.0.1:{base + 1}-{base + 8}" in line
    assert f"set MEDCRED_LEDGER_BASE_PORT={base}" in line


def test_the_running_pools_folder_with_its_own_ports_is_refused_while_it_runs(
    stack_home: Path, ledger_network: LedgerNetwork, tmp_path: Path
) -> None:
    own_base = str(ledger_network.settings.base_port)
    env = command_env(stack_home, tmp_path / "user") | {"MEDCRED_LEDGER_BASE_PORT": own_base}
    line = one_line_error(medcred("up", env=env))
    assert f"validator Node1 needs 127.0.0.1:{ledger_network.settings.base_port + 1}" in line
    assert "another medcred still running?" in line

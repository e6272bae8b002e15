"""A pool is made for its validators' ports: its genesis says which, and a start with other settings is refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ledger.pool import LocalPool
from ledger.settings import LedgerSettings
from medcred.errors import ConfigurationError


def made_pool(folder: Path, base: int, nodes: int = 4, host: str = "127.0.0.1") -> None:
    genesis = folder / "pool" / "genesis" / "medcred" / "pool_transactions_genesis"
    genesis.parent.mkdir(parents=True)
    genesis.write_text("".join(json.dumps({"txn": {"data": {"data": {
        "alias": f"Node{n}", "node_ip": host, "node_port": base + 2 * n - 1, "client_ip": host,
        "client_port": base + 2 * n}}}}) + "\n" for n in range(1, nodes + 1)))  # fmt: skip


def test_a_new_pool_and_one_made_for_these_settings_pass(tmp_path: Path) -> None:
    pool = LocalPool(LedgerSettings(data_dir=tmp_path, base_port=9800))
    pool.check_settings()  # nothing made yet
    made_pool(tmp_path, 9800)
    assert pool.made_nodes() == pool.nodes
    pool.check_settings()


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"base_port": 9900}, "set MEDCRED_LEDGER_BASE_PORT=9800"),
        ({"base_port": 9800, "node_count": 5}, "MEDCRED_LEDGER_NODE_COUNT=4"),
        ({"base_port": 9800, "host": "127.0.0.2"}, "MEDCRED_LEDGER_HOST=127.0.0.1"),
    ],
)
def test_a_pool_made_for_other_validators_is_refused(tmp_path: Path, settings: dict[str, object], says: str) -> None:
    made_pool(tmp_path, 9800)
    pool = LocalPool(LedgerSettings(data_dir=tmp_path, **settings))  # type: ignore[arg-type]
    made = re.escape("was made for 4 validators on 127.0.0.1:9801-9808")
    with pytest.raises(ConfigurationError, match=made) as caught:
        pool.check_settings()
    assert says in caught.value.message and "medcred ledger reset" in caught.value.message


def test_a_damaged_genesis_is_a_configuration_error(tmp_path: Path) -> None:
    made_pool(tmp_path, 9800)
    (tmp_path / "pool" / "genesis" / "medcred" / "pool_transactions_genesis").write_text("{not json\n")
    with pytest.raises(ConfigurationError, match="cannot be read"):
        LocalPool(LedgerSettings(data_dir=tmp_path)).check_settings()

"""GET /status's answer: every validator asked at once with a deadline, the pool ready while n - f are."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import pytest

from ledger.client import LedgerClient
from ledger.identity import Signer
from ledger.web.pool_status import pool_status, validator_status, write_quorum
from ledger.web.service import LedgerService

NODES = ["Node1", "Node2", "Node3", "Node4"]


def info(mode: str = "participating", domain: str = "synced") -> dict[str, Any]:
    return {"Node_info": {
        "Mode": mode,
        "Catchup_status": {"Ledger_statuses": {"0": "synced", "1": domain, "2": "synced"}},
        "Metrics": {"transaction-count": {"ledger": 12, "pool": 4, "config": 0}},
    }}  # fmt: skip


class FakePool:
    """indy-vdr's Pool: validator-info actions answered per node; `silent` nodes never answer.

    Answers wait until every node has been asked, so a status that asked one after the other would hang."""

    def __init__(self, silent: Sequence[str] = ()) -> None:
        self.silent = set(silent)
        self.asked: list[list[str]] = []
        self._all_asked = asyncio.Event()

    async def get_verifiers(self) -> dict[str, Any]:
        return {name: {"alias": name} for name in reversed(NODES)}

    async def submit_action(self, request: Any, node_aliases: Sequence[str] | None = None,
                            timeout: int | None = None) -> dict[str, str]:  # fmt: skip
        assert node_aliases is not None and len(node_aliases) == 1, "each validator is asked on its own"
        assert timeout is not None and timeout >= 1
        self.asked.append(list(node_aliases))
        if len(self.asked) == len(NODES):
            self._all_asked.set()
        await self._all_asked.wait()
        node = node_aliases[0]
        if node in self.silent:
            await asyncio.Event().wait()
        return {node: json.dumps({"result": {"data": info()}})}


def service(pool: FakePool) -> LedgerService:
    client = LedgerClient(pool, Signer.from_seed(b"0" * 32))
    return LedgerService(client, status_timeout=0.05)


async def test_one_validator_down_of_four_leaves_the_pool_ready() -> None:
    pool = FakePool(silent=["Node4"])
    status = await service(pool).status()
    assert sorted(name for [name] in pool.asked) == NODES
    assert status.ready is True
    assert (status.validators_ready, status.write_quorum) == (3, 3)
    assert [v.name for v in status.validators] == NODES
    assert [v.ready for v in status.validators] == [True, True, True, False]
    down = status.validators[3]
    assert down.problem == "no answer within 0.05 s" and down.mode is None
    assert status.validators[0].mode == "participating" and status.validators[0].transaction_count == {
        "ledger": 12, "pool": 4, "config": 0}


async def test_two_validators_down_of_four_is_not_ready() -> None:
    status = await service(FakePool(silent=["Node2", "Node4"])).status()
    assert status.ready is False and status.validators_ready == 2
    assert [v.name for v in status.validators if not v.ready] == ["Node2", "Node4"]


@pytest.mark.parametrize(("count", "quorum"), [(4, 3), (5, 4), (6, 5), (7, 5), (10, 7)])
def test_the_write_quorum_is_n_minus_f(count: int, quorum: int) -> None:
    assert write_quorum(count) == quorum


def test_a_validator_is_ready_only_participating_with_every_ledger_synced() -> None:
    assert validator_status("Node1", info()).ready is True
    catching_up = validator_status("Node1", info(domain="syncing"))
    assert (catching_up.ready, catching_up.ledgers_synced) == (False, False)
    assert validator_status("Node1", info(mode="discovering")).ready is False
    assert validator_status("Node1", {}).ready is False
    refused = validator_status("Node1", "no answer: the pool refused")
    assert (refused.ready, refused.problem) == (False, "no answer: the pool refused")


def test_no_validators_is_not_ready() -> None:
    assert pool_status([]).ready is False

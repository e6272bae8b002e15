"""A validator killed with SIGKILL comes back by itself, and /status stays ready (3 of 4) meanwhile."""

from __future__ import annotations

import os
import signal

import httpx

from ledger.network import LedgerNetwork
from tests.integration.conftest import node, status_until


async def test_a_killed_validator_is_restarted_and_the_pool_stays_ready(
    ledger_network: LedgerNetwork, ledger_web: httpx.AsyncClient
) -> None:
    pool = ledger_network.pool
    supervisor = pool.supervisor(4)
    restarts, pid = supervisor.restarts, pool.pid(4)
    assert pid is not None and supervisor.watching
    await status_until(ledger_web, lambda body: all(v["ready"] for v in body["validators"]), 60)

    os.kill(pid, signal.SIGKILL)
    try:
        body = await status_until(ledger_web, lambda body: not node(body, "Node4")["ready"], 30)
        assert body["ready"] is True, body
        assert (body["validators_ready"], body["write_quorum"]) == (3, 3)
        assert [v["name"] for v in body["validators"] if v["ready"]] == ["Node1", "Node2", "Node3"]
        assert node(body, "Node4")["problem"]
    finally:
        # Whole again before the next test: restarted by its supervisor, caught up, participating.
        body = await status_until(ledger_web, lambda body: all(v["ready"] for v in body["validators"]), 120)
    assert supervisor.restarts == restarts + 1
    assert pool.pid(4) not in (None, pid)
    assert body["ready"] is True and body["validators_ready"] == 4

"""`medcred up --postgres` runs its private cluster on uvloop, the `medcred` command's loop: there a started
server inherits its parent's descriptors, and the cluster must not wait for it to close one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import uvloop

from stack.postgres import PrivateCluster


def test_the_cluster_starts_and_stops_on_the_medcred_commands_loop(tmp_path: Path) -> None:
    cluster = PrivateCluster.for_home(tmp_path / "medcred", 5497)

    async def start_use_stop() -> int:
        try:
            url = await asyncio.wait_for(cluster.start(), timeout=60)  # it waited forever before the fix
            async with await psycopg.AsyncConnection.connect(url) as connection:
                row = await (await connection.execute("SELECT 1")).fetchone()
            await asyncio.wait_for(cluster.stop(), timeout=60)
            return row[0] if row else 0
        finally:
            await cluster.remove()

    assert asyncio.run(start_use_stop(), loop_factory=uvloop.new_event_loop) == 1

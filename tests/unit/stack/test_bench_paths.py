"""The benchmark's rounds: each path's `during` context is open around its own flows, never another's."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from stack.bench import BenchPath, _alternating
from stack.bench.batch import Flow, Laps
from stack.bench.cpu import CpuMeter


async def test_a_path_context_is_open_exactly_while_its_own_flows_run() -> None:
    open_now: list[bool] = [False]
    entered = 0
    seen: dict[str, list[tuple[int, bool]]] = {"controllers": [], "direct": []}

    @contextlib.asynccontextmanager
    async def streams() -> AsyncIterator[None]:
        nonlocal entered
        assert not open_now[0], "entered twice at once"
        open_now[0], entered = True, entered + 1
        try:
            yield
        finally:
            open_now[0] = False

    def recording(name: str) -> Flow:
        async def flow(index: int, laps: Laps) -> None:
            seen[name].append((index, open_now[0]))
            laps.lap("step")

        return flow

    paths = [BenchPath("controllers", recording("controllers")), BenchPath("direct", recording("direct"), streams)]
    results = await _alternating(paths, 6, 2, CpuMeter({}), rounds=3)

    assert [batch.completed for batch, _ in results] == [6, 6]
    assert all(not is_open for _, is_open in seen["controllers"])
    assert all(is_open for _, is_open in seen["direct"])
    assert [index for index, _ in seen["direct"]].count(-1) == 1  # the warm-up flow, inside the context too
    assert entered == 1 + 3  # once for the warm-up, once per round
    assert not open_now[0]

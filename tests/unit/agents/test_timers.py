"""Timers: one per key, replaced, cancelled; and the sweep that looks for deadlines now and then."""

from __future__ import annotations

import asyncio

from agents.timers import Timers


async def test_a_timer_runs_once_and_a_replaced_one_not_at_all() -> None:
    timers, ran = Timers(), list[str]()

    async def action(key: str) -> None:
        ran.append(key)

    timers.start("a", 0.05, action)
    timers.start("a", 0.01, action)  # replaces the first
    timers.start("b", 0.01, action)
    timers.cancel("b")
    await asyncio.sleep(0.1)
    assert ran == ["a"] and "a" not in timers
    await timers.close()


async def test_the_sweep_looks_again_and_again_outlives_a_failing_look_and_stops_at_close() -> None:
    timers, looks = Timers(), list[int]()

    async def look() -> None:
        looks.append(len(looks))
        if len(looks) == 2:
            raise RuntimeError("the store is down")

    timers.sweep(0.01, look)
    timers.sweep(0.01, look)  # one sweep only
    await asyncio.sleep(0.1)
    await timers.close()
    seen = len(looks)
    assert seen >= 4  # it went on after the failure
    await asyncio.sleep(0.05)
    assert len(looks) == seen  # and stopped at close

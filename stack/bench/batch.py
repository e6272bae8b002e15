"""Running N flows at a given concurrency and keeping each step's latency.

    laps = Laps(); ...; laps.lap("connect"); ...; laps.lap("issue")     inside one flow
    batch = await run_batch("controllers", flow, count=20, concurrency=4)

A flow is `async def flow(index, laps)`; its whole duration is kept as the step "flow". A flow that
fails (a medcred or HTTP error) is counted and named in the batch, never timed; a bug still raises.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from medcred.errors import MedcredError

__all__ = ["FLOW", "Batch", "Flow", "Laps", "run_batch"]

FLOW = "flow"  # the step name of a whole flow


class Laps:
    """A stopwatch for one flow: `lap(step)` keeps the seconds since the previous lap (or the start)."""

    def __init__(self) -> None:
        self.started = self._last = time.perf_counter()
        self.steps: dict[str, float] = {}

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.steps[step] = now - self._last
        self._last = now

    def total(self) -> float:
        return time.perf_counter() - self.started


type Flow = Callable[[int, Laps], Awaitable[None]]


@dataclass
class Batch:
    """The flows of one path: seconds per step (successful flows only), wall time and failures."""

    name: str
    wall: float = 0.0
    samples: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, steps: dict[str, float]) -> None:
        for step, seconds in steps.items():
            self.samples.setdefault(step, []).append(seconds)

    def extend(self, other: Batch) -> None:
        """Add another batch of the same path (a later round): its samples, wall time and failures."""
        for step, seconds in other.samples.items():
            self.samples.setdefault(step, []).extend(seconds)
        self.wall += other.wall
        self.failures.extend(other.failures)

    @property
    def completed(self) -> int:
        return len(self.samples.get(FLOW, []))

    @property
    def rate(self) -> float:
        """Completed flows per second of wall time (0 if nothing completed)."""
        return self.completed / self.wall if self.wall > 0 else 0.0


async def run_batch(
    name: str, flow: Flow, count: int, concurrency: int, progress: Callable[[str], None] | None = None
) -> Batch:
    """Run `count` flows, at most `concurrency` at a time; `wall` spans the first start to the last end."""
    batch = Batch(name)
    limit = asyncio.Semaphore(concurrency)
    every = max(1, count // 5)

    async def one(index: int) -> None:
        async with limit:
            laps = Laps()
            try:
                await flow(index, laps)
                batch.add({**laps.steps, FLOW: laps.total()})
            except (MedcredError, httpx.HTTPError) as exc:
                batch.failures.append(f"#{index}: {type(exc).__name__}: {exc}")
            finished = batch.completed + len(batch.failures)
            if progress is not None and (finished % every == 0 or finished == count):
                progress(f"{name}: {finished}/{count} done")

    began = time.perf_counter()
    await asyncio.gather(*(one(index) for index in range(count)))
    batch.wall = time.perf_counter() - began
    return batch

"""One timer per key: an asyncio task that runs an action once its delay has passed (a verification's expiry,
an issuance's deadline).

A timer, not a polling loop: it sleeps once. `cancel(key)` stops one (not the task calling it: a timer
may end its own flow); `close()` stops all of them, at shutdown. `sweep()` is the one loop: with several
instances, each looks now and then for the deadlines of records it has no timer for.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from medcred.errors import MedcredError

__all__ = ["Timers"]

log = logging.getLogger(__name__)

type Action = Callable[[str], Awaitable[object]]


class Timers:
    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._sweeper: asyncio.Task[None] | None = None

    def __contains__(self, key: object) -> bool:
        return key in self._tasks

    def __len__(self) -> int:
        return len(self._tasks)

    def start(self, key: str, delay: float, action: Action) -> None:
        """Run `action(key)` in `delay` seconds, replacing any timer of that key."""
        self.cancel(key)
        task = asyncio.create_task(self._run(key, max(0.0, delay), action), name=f"timer {key}")
        self._tasks[key] = task
        task.add_done_callback(partial(self._forget, key))

    def cancel(self, key: str) -> None:
        task = self._tasks.pop(key, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def sweep(self, every: float, look: Callable[[], Awaitable[object]]) -> None:
        """Await `look()` every `every` seconds until `close()`: how an instance of a controller arms the
        deadlines of records that another instance made (and may have died with their timers)."""

        async def sweeping() -> None:
            while True:
                await asyncio.sleep(every)
                try:
                    await look()
                except Exception:  # the sweep must outlive one bad look (the store down, say)
                    log.exception("a sweep for deadlines failed; trying again in %g s", every)

        if self._sweeper is None:
            self._sweeper = asyncio.create_task(sweeping(), name="timers: deadline sweep")

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _forget(self, key: str, task: asyncio.Task[None]) -> None:
        if self._tasks.get(key) is task:
            del self._tasks[key]

    @staticmethod
    async def _run(key: str, delay: float, action: Action) -> None:
        await asyncio.sleep(delay)
        try:
            await action(key)
        except MedcredError as exc:
            log.error("timer %s: %s", key, type(exc).__name__)

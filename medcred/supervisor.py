"""Keeping children alive: one that dies unasked is started again, after a capped exponential backoff.

    supervisor = Supervisor(child)      # a validator, an agent, an embedded server: anything Supervisable
    await child.start()                 # the owner starts it (and waits until it is ready) ...
    supervisor.watch()                  # ... then hands it over
    await supervisor.release()          # before stopping it on purpose (a stop is not a death)

The one place where validators, agents and the ledger's servers are restarted. Each death and each
restart is one log line (warning level, so `medcred up` shows it):

    medcred.supervisor: agent holder died (killed by SIGKILL) after 312 s up; next start in 1 s
    medcred.supervisor: agent holder started again (pid 4242)
    medcred.supervisor: agent holder could not be started again (<reason>); next attempt in 2 s

The delay doubles from `first_delay` up to `max_delay` with each death that comes soon after the
last start, and falls back to `first_delay` once the child has stayed up `stable_after` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from typing import Protocol

from pydantic_settings import BaseSettings, SettingsConfigDict

from medcred.errors import MedcredError

__all__ = ["Backoff", "RestartPolicy", "Supervisable", "Supervisor", "describe_exit"]

log = logging.getLogger(__name__)


class RestartPolicy(BaseSettings):
    """How soon a dead child is started again (prefix `MEDCRED_RESTART_`)."""

    model_config = SettingsConfigDict(env_prefix="MEDCRED_RESTART_", extra="ignore")

    first_delay: float = 1.0
    max_delay: float = 30.0
    stable_after: float = 60.0  # seconds up after which the next death starts again from first_delay


class Backoff:
    """The delays before successive restarts: 1, 2, 4 ... 30, 30 s; back to 1 s after a stable run."""

    def __init__(self, policy: RestartPolicy) -> None:
        self.policy = policy
        self._next = policy.first_delay

    def after(self, uptime: float) -> float:
        """The delay before the next start, for a child that died (or failed to start) after `uptime` s."""
        if uptime >= self.policy.stable_after:
            self._next = self.policy.first_delay
        delay = self._next
        self._next = min(delay * 2, self.policy.max_delay)
        return delay


class Supervisable(Protocol):
    """A child the supervisor can watch: started again by `start()`, its current run awaited by `wait()`."""

    @property
    def name(self) -> str: ...

    @property
    def pid(self) -> int | None: ...

    async def start(self) -> None: ...

    async def wait(self) -> int:
        """The exit code of the current run, once it ends (negative: killed by that signal)."""
        ...


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class Supervisor:
    """Restarts one child whenever it ends while watched."""

    def __init__(self, child: Supervisable, policy: RestartPolicy | None = None) -> None:
        self.child = child
        self._backoff = Backoff(policy or RestartPolicy())
        self._task: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()
        self.restarts = 0
        self._restarted = asyncio.Event()

    @property
    def watching(self) -> bool:
        return self._task is not None and not self._task.done()

    def watch(self) -> None:
        """Watch the child from now on (it has just been started); a no-op if already watching."""
        if not self.watching:
            self._task = asyncio.create_task(self._run(), name=f"supervise {self.child.name}")

    async def restarted(self, past: int) -> None:
        """Return once the child has been started again more than `past` times in all (tests, after a kill)."""
        while self.restarts <= past:
            self._restarted.clear()
            await self._restarted.wait()

    async def release(self) -> None:
        """Stop watching, after any start in progress has finished (the owner then stops the child)."""
        task, self._task = self._task, None
        if task is None:
            return
        async with self._starting:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        name = self.child.name
        started = time.monotonic()
        while True:
            code = await self.child.wait()
            uptime = time.monotonic() - started
            delay = self._backoff.after(uptime)
            log.warning("%s died (%s) after %.0f s up; next start in %g s", name, describe_exit(code), uptime, delay)
            while (problem := await self._start_after(delay)) is not None:
                delay = self._backoff.after(0.0)
                log.error("%s could not be started again (%s); next attempt in %g s", name, problem, delay)
            started = time.monotonic()
            self.restarts += 1
            self._restarted.set()
            log.warning("%s started again (pid %s)", name, self.child.pid)

    async def _start_after(self, delay: float) -> str | None:
        """Start the child after `delay` s; None if it started, else why not."""
        await asyncio.sleep(delay)  # the backoff itself
        async with self._starting:
            try:
                await self.child.start()
            except MedcredError as exc:
                return exc.message.splitlines()[0]
            except OSError as exc:
                return exc.strerror or type(exc).__name__
        return None

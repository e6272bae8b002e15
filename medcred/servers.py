"""Run FastAPI apps inside the supervisor's own event loop (the ledger web and tails servers, ...).

uvicorn's `Server.serve()` takes over SIGINT/SIGTERM; an embedded server must not, because the
supervisor owns Ctrl-C and stops everything in order. `EmbeddedServer` leaves signals alone.
It can be started again after it stopped (each start makes a fresh uvicorn server), and `wait()`
awaits the end of its current run, so a `medcred.supervisor.Supervisor` can watch it like a process.

An idle client connection is kept `KEEP_ALIVE` seconds (uvicorn's default is 5 s): longer than the
`Retry-After` a controller gives while its agent is down (5 s), or a client that comes back when told
would send on the connection just as the server closes it, and see it dropped (no answer at all).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Generator

import uvicorn
from fastapi import FastAPI

from medcred.errors import ProcessError
from medcred.processes import ensure_ports_free

__all__ = ["KEEP_ALIVE", "EmbeddedServer"]

KEEP_ALIVE = 75  # seconds an idle client connection stays open
# Seconds a stopping server waits for open requests; a page's live stream (text/event-stream) never ends
# by itself, so without a bound `stop()` would wait for every open tab.
GRACEFUL_SHUTDOWN = 3


class _QuietSignalsServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None]:
        yield


class EmbeddedServer:
    """One uvicorn server as a task: `await start()` returns once it accepts connections."""

    def __init__(self, name: str, app: FastAPI, host: str, port: int) -> None:
        self.name, self.host, self.port, self.app = name, host, port, app
        self._server = self._new_server()
        self._task: asyncio.Task[None] | None = None

    def _new_server(self) -> _QuietSignalsServer:
        config = uvicorn.Config(
            self.app, host=self.host, port=self.port, log_level="warning", lifespan="on", access_log=False,
            timeout_keep_alive=KEEP_ALIVE, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
        )
        return _QuietSignalsServer(config)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        """None: it runs in this process."""
        return None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self, timeout: float = 30.0) -> None:
        if self.running:
            return
        ensure_ports_free(self.host, [self.port], self.name)
        self._server = self._new_server()  # a uvicorn server serves once
        self._task = asyncio.create_task(self._server.serve(), name=self.name)
        async with asyncio.timeout(timeout):
            while not self._server.started:
                if self._task.done():
                    # uvicorn exits (SystemExit) when the app's lifespan fails to start.
                    with contextlib.suppress(BaseException):
                        self._task.result()
                    raise ProcessError(f"{self.name} failed to start on {self.url}")
                await asyncio.sleep(0.02)

    async def wait(self) -> int:
        """The end of the current run: 0 if the server returned, 1 if it failed."""
        task = self._task
        if task is None:
            raise ProcessError(f"{self.name} was not started")
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.cancelled():
                raise
            return 1
        except BaseException:  # uvicorn ends with SystemExit when its lifespan fails
            return 1
        return 0

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(self._task, 10)
        self._task = None

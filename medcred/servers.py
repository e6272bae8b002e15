"""Run FastAPI apps inside the supervisor's own event loop (the ledger web and tails servers, ...).

uvicorn's `Server.serve()` takes over SIGINT/SIGTERM; an embedded server must not, because the
supervisor owns Ctrl-C and stops everything in order. `EmbeddedServer` leaves signals alone.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Generator

import uvicorn
from fastapi import FastAPI

from medcred.errors import ProcessError
from medcred.processes import ensure_ports_free

__all__ = ["EmbeddedServer"]


class _QuietSignalsServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None]:
        yield


class EmbeddedServer:
    """One uvicorn server as a task: `await start()` returns once it accepts connections."""

    def __init__(self, name: str, app: FastAPI, host: str, port: int) -> None:
        self.name, self.host, self.port, self.app = name, host, port, app
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on", access_log=False)
        self._server = _QuietSignalsServer(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self, timeout: float = 30.0) -> None:
        ensure_ports_free(self.host, [self.port], self.name)
        self._task = asyncio.create_task(self._server.serve(), name=self.name)
        async with asyncio.timeout(timeout):
            while not self._server.started:
                if self._task.done():
                    # uvicorn exits (SystemExit) when the app's lifespan fails to start.
                    with contextlib.suppress(BaseException):
                        self._task.result()
                    raise ProcessError(f"{self.name} failed to start on {self.url}")
                await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(self._task, 10)
        self._task = None

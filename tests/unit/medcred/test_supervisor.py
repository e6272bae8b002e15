"""medcred.supervisor: the backoff policy, and restarts of a fake child, a real process and an embedded server."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from medcred.errors import PortInUseError
from medcred.processes import ChildProcess
from medcred.servers import EmbeddedServer
from medcred.supervisor import Backoff, RestartPolicy, Supervisor, describe_exit
from tests.ports import free_port

QUICK = RestartPolicy(first_delay=0.01, max_delay=0.04, stable_after=60)


def test_the_delay_doubles_up_to_its_cap() -> None:
    backoff = Backoff(RestartPolicy())
    assert [backoff.after(uptime=0.5) for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_the_delay_starts_again_after_a_stable_run() -> None:
    backoff = Backoff(RestartPolicy(first_delay=1, max_delay=30, stable_after=60))
    assert [backoff.after(uptime=1) for _ in range(3)] == [1, 2, 4]
    assert backoff.after(uptime=61) == 1
    assert backoff.after(uptime=5) == 2


def test_the_policy_is_a_typed_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDCRED_RESTART_MAX_DELAY", "12.5")
    assert RestartPolicy().max_delay == 12.5
    assert RestartPolicy().first_delay == 1.0


def test_exits_are_described_by_code_or_signal() -> None:
    assert describe_exit(3) == "exit code 3"
    assert describe_exit(-9) == "killed by SIGKILL"


class FakeChild:
    """A child whose runs end when the test says so; `start()` can be told to fail."""

    name = "fake child"

    def __init__(self) -> None:
        self.starts = 0
        self.failures_left = 0
        self.started = asyncio.Event()
        self._exit: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    @property
    def pid(self) -> int | None:
        return 1000 + self.starts

    async def start(self) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise PortInUseError("fake child needs 127.0.0.1:1, but something already listens there")
        self.starts += 1
        self._exit = asyncio.get_running_loop().create_future()
        self.started.set()

    async def wait(self) -> int:
        return await self._exit

    def die(self, code: int) -> None:
        self.started.clear()
        self._exit.set_result(code)


async def test_a_dead_child_is_started_again_with_one_line_per_death_and_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="medcred.supervisor")
    child = FakeChild()
    await child.start()
    supervisor = Supervisor(child, QUICK)
    supervisor.watch()
    try:
        child.die(-signal.SIGKILL)
        await asyncio.wait_for(child.started.wait(), 5)
        assert child.starts == 2 and supervisor.restarts == 1
        child.die(1)
        await asyncio.wait_for(child.started.wait(), 5)
        assert child.starts == 3
    finally:
        await supervisor.release()
    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        "fake child died (killed by SIGKILL) after 0 s up; next start in 0.01 s",
        "fake child started again (pid 1002)",
        "fake child died (exit code 1) after 0 s up; next start in 0.02 s",
        "fake child started again (pid 1003)",
    ]


async def test_a_failed_start_is_tried_again_later(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="medcred.supervisor")
    child = FakeChild()
    await child.start()
    supervisor = Supervisor(child, QUICK)
    supervisor.watch()
    try:
        child.failures_left = 2
        child.die(2)
        await asyncio.wait_for(child.started.wait(), 5)
    finally:
        await supervisor.release()
    assert child.starts == 2
    failures = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert failures == [
        "fake child could not be started again (fake child needs 127.0.0.1:1, but something already listens "
        "there); next attempt in 0.02 s",
        "fake child could not be started again (fake child needs 127.0.0.1:1, but something already listens "
        "there); next attempt in 0.04 s",
    ]


async def test_release_waits_for_a_start_in_progress_and_ends_the_watch() -> None:
    child = FakeChild()
    await child.start()
    supervisor = Supervisor(child, QUICK)
    supervisor.watch()
    child.die(9)
    await asyncio.wait_for(child.started.wait(), 5)
    await supervisor.release()
    assert not supervisor.watching and child.starts == 2


async def poll(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Until `predicate()` holds, failing after `timeout` s."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - a child process's state has no event to await
            await asyncio.sleep(0.02)


async def test_a_process_killed_with_sigkill_comes_back(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="medcred.supervisor")
    child = ChildProcess("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "sleeper.log")
    await child.start()
    first = child.pid
    assert first is not None
    supervisor = Supervisor(child, QUICK)
    supervisor.watch()
    try:
        os.kill(first, signal.SIGKILL)
        await poll(lambda: child.running and child.pid != first)
    finally:
        await supervisor.release()
        await child.stop(grace=1)
    assert "sleeper died (killed by SIGKILL)" in caplog.text
    assert f"sleeper started again (pid {child.pid})" in caplog.text


async def test_an_embedded_server_that_stops_unasked_is_served_again() -> None:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    server = EmbeddedServer("ping server", app, "127.0.0.1", free_port())
    await server.start()
    supervisor = Supervisor(server, QUICK)
    supervisor.watch()
    try:
        server._server.should_exit = True  # uvicorn ends on its own, as on a fatal error
        await poll(lambda: supervisor.restarts == 1)
        async with httpx.AsyncClient(base_url=server.url) as http:
            assert (await http.get("/ping")).json() == {"pong": "yes"}
    finally:
        await supervisor.release()
        await server.stop()

"""Running a long-lived async job from the command line: progress lines, Ctrl-C, clean errors."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Awaitable, Callable

import typer
import uvloop

from medcred.errors import MedcredError

_started = time.monotonic()


def progress(message: str) -> None:
    """One line of progress, with the seconds since the command started."""
    typer.echo(f"[{time.monotonic() - _started:6.1f}s] {message}", err=True)


async def until_interrupted() -> None:
    """Return when the process gets SIGINT (Ctrl-C) or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def run(job: Callable[[], Awaitable[int | None]]) -> None:
    """Run `job` to completion on uvloop; a MedcredError becomes a message and exit code 1, not a traceback.

    uvloop: the supervisor process also serves the three controllers and the ledger's web servers, and
    every HTTP request costs it less CPU on uvloop than on asyncio's own loop.
    """
    try:
        code: int | None = asyncio.run(job(), loop_factory=uvloop.new_event_loop)  # type: ignore[arg-type]
    except MedcredError as exc:
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code or 0)

"""The runtime choices made for speed are in effect: uvloop, httptools, sniffio (README, "Measured")."""

from __future__ import annotations

import asyncio
import sys

import pytest

from medcred import console


def test_commands_run_on_uvloop() -> None:
    loops: list[str] = []

    async def job() -> None:
        loops.append(type(asyncio.get_running_loop()).__module__.split(".")[0])

    with pytest.raises(SystemExit) as ended:
        console.run(job)
    assert (ended.value.code, loops) == (0, ["uvloop"])


def test_acapy_finds_uvloop() -> None:
    from acapy_agent.commands import start

    # ACA-Py imports it, though it calls uvloop.install() inside its running loop, which leaves the agents
    # on asyncio's loop (README); medcred's own process is what runs on it (test_commands_run_on_uvloop).
    assert start.uvloop is not None


def test_uvicorn_parses_http_with_httptools() -> None:
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    assert AutoHTTPProtocol.__name__ == "HttpToolsProtocol"


def test_httpcore_finds_sniffio() -> None:
    # Without sniffio, httpcore retries the import (a sys.path search) several times per request.
    from httpcore._synchronization import current_async_library

    async def library() -> str:
        return current_async_library()

    assert asyncio.run(library()) == "asyncio"
    assert "sniffio" in sys.modules

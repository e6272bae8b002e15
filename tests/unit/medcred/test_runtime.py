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

    assert start.uvloop is not None  # ACA-Py installs it as its event loop when it can import it


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

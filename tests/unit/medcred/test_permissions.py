"""Everything under MEDCRED_HOME is its owner's alone: medcred's processes and their children create
files 0600 and folders 0700, whatever umask they were started with."""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvloop

from medcred.processes import ChildProcess


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The process starts as a shell usually leaves it (022: everyone may read); restored afterwards."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def shared_with_others(folder: Path) -> list[str]:
    """Every path under `folder` that its group or others may read, write or enter."""
    found = [folder, *folder.rglob("*")]
    return [f"{p.relative_to(folder)} {stat.filemode(p.lstat().st_mode)}" for p in found
            if not p.is_symlink() and p.lstat().st_mode & 0o077]  # fmt: skip


@pytest.mark.usefixtures("permissive_umask")
async def test_a_child_process_creates_files_for_its_owner_only(tmp_path: Path) -> None:
    script = "import os, pathlib; pathlib.Path('made/deeper').mkdir(parents=True); open('made/file', 'w').write('x')"
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    child = ChildProcess("writer", [sys.executable, "-c", script], home / "logs" / "writer.log", cwd=home)
    await child.start()
    async with asyncio.timeout(30):
        assert await child.wait() == 0
    assert shared_with_others(home) == []


@pytest.mark.usefixtures("permissive_umask")
def test_a_child_process_starts_on_uvloop_too(tmp_path: Path) -> None:
    """The `medcred` command runs on uvloop, which refuses `create_subprocess_exec(umask=...)`: `medcred up`
    once died at its first validator that way while every test, on asyncio's loop, passed."""

    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    script = "open('made', 'w').write('x')"
    child = ChildProcess("writer", [sys.executable, "-c", script], home / "logs" / "writer.log", cwd=home)

    async def run() -> int:
        await child.start()
        async with asyncio.timeout(30):
            return await child.wait()

    assert uvloop.run(run()) == 0
    assert shared_with_others(home) == []


@pytest.mark.usefixtures("permissive_umask")
async def test_a_controller_creates_its_data_for_its_owner_only(tmp_path: Path) -> None:
    from tests.unit.verifier.conftest import FakeAgent, make_settings
    from verifier import create_app

    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    app = create_app(make_settings(home / "deep" / "verifier"), admin_transport=httpx.MockTransport(FakeAgent()))
    async with app.router.lifespan_context(app):
        pass
    assert os.umask(0o077) == 0o077  # what it leaves for everything the process makes next
    assert shared_with_others(home) == []

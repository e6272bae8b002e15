"""Child processes medcred supervises (validators, agents, servers): spawn, watch, stop.

A child writes its output to its own log file, dies with its parent (PR_SET_PDEATHSIG), runs in its
own session (so a terminal's Ctrl-C reaches only the supervisor, which then stops children in order),
and is stopped with SIGTERM, then SIGKILL after a grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import os
import signal
import socket
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from medcred.errors import ConfigurationError, PortInUseError, ProcessError
from medcred.settings import OWNER_ONLY_UMASK

__all__ = [
    "ChildProcess", "Listener", "die_with_parent", "ensure_listeners_free", "ensure_ports_free", "last_lines",
    "log_tail", "owned_child", "port_is_open",
]

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """`preexec_fn` for a child that must get SIGTERM when its supervisor dies (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def owned_child() -> None:  # pragma: no cover - runs in the child between fork and exec
    """`preexec_fn` of medcred's children: what they create is their owner's alone (umask 077), and they
    get SIGTERM when their supervisor dies. (Not `umask=`: uvloop, which the `medcred` command runs on,
    refuses that argument of `create_subprocess_exec`.)"""
    os.umask(OWNER_ONLY_UMASK)
    die_with_parent()


def ensure_ports_free(host: str, ports: Sequence[int], owner: str) -> None:
    """Raise PortInUseError naming the first port in `ports` that something already listens on."""
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise PortInUseError(
                        f"{owner} needs {host}:{port}, but something already listens there "
                        f"(another medcred still running? `ss -ltnp 'sport = :{port}'` shows who)"
                    ) from exc
                raise


class Listener(NamedTuple):
    """A port a part of medcred will listen on, and the part (`owner`) that will."""

    owner: str
    host: str
    port: int


def ensure_listeners_free(listeners: Iterable[Listener]) -> None:
    """Before anything starts: ConfigurationError if two parts are set to the same port, PortInUseError if
    something already listens on one of them."""
    taken: dict[int, str] = {}
    chosen = list(listeners)
    for listener in chosen:
        if listener.port in taken:
            raise ConfigurationError(
                f"{taken[listener.port]} and {listener.owner} are both set to port {listener.port}: give each its own"
            )
        taken[listener.port] = listener.owner
    for listener in chosen:
        ensure_ports_free(listener.host, [listener.port], listener.owner)


def port_is_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def last_lines(path: Path, max_bytes: int = 64 * 1024) -> list[str]:
    """The lines in the last `max_bytes` of a file ([] if it cannot be read); the first may be partial."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - max_bytes))
            return f.read().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return []


def log_tail(path: Path, lines: int = 40) -> str:
    """The last `lines` lines of a log file ('' if it does not exist)."""
    return "\n".join(last_lines(path)[-lines:])


class ChildProcess:
    """One supervised child process whose stdout and stderr go to `log_path`."""

    def __init__(
        self, name: str, argv: Sequence[str], log_path: Path, *, env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self._process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    @property
    def returncode(self) -> int | None:
        return self._process.returncode if self._process else None

    async def start(self) -> None:
        if self.running:
            return
        self.log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with os.fdopen(os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                *self.argv, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=asyncio.subprocess.STDOUT,
                env=self.env, cwd=self.cwd, start_new_session=True, preexec_fn=owned_child,
            )

    def check_alive(self) -> None:
        """Raise ProcessError with the tail of the log if the child has exited."""
        if self._process is not None and self._process.returncode is not None:
            raise ProcessError(
                f"{self.name} exited with code {self._process.returncode}", log_tail(self.log_path)
            )

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it is still alive after `grace` seconds."""
        process = self._process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

    def kill(self) -> None:
        """SIGKILL at once (tests use it to simulate a crash)."""
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()

    async def wait(self) -> int:
        """The exit code of the current run once it ends (negative: the signal that killed it)."""
        if self._process is None:
            raise ProcessError(f"{self.name} was not started")
        return await self._process.wait()

"""One ACA-Py agent as a child process: start, wait until ready, stop, restart.

The agent writes its stdout and stderr to `<data_dir>/agent.log` and nowhere else; when it will not come
up, the error carries the last lines of that log. It imports the launcher and the plugin from the
checkout this controller runs from (`launcher_env`), whatever else an installed `agents` points at. It
runs in its own session, so a Ctrl-C at the terminal reaches the orchestrator, which stops the agents
in order, rather than every child at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import re
import signal
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from agents.config import AgentConfig
from medcred.errors import ConfigurationError, ProcessError
from medcred.processes import ensure_ports_free, last_lines, owned_child

__all__ = ["AgentProcess", "launcher_command", "launcher_env", "log_tail"]

log = logging.getLogger(__name__)

TAIL_LINES = 40
START_MARKER = "=== medcred: starting agent"
ERROR_LINE = re.compile(r"error|exception|critical", re.IGNORECASE)
CHECKOUT = Path(__file__).resolve().parent.parent  # holds this `agents` package, launcher and plugin


def launcher_command() -> list[str]:
    """ACA-Py in this interpreter (the project's venv) through `agents.launcher` (no nest_asyncio)."""
    return [sys.executable, "-m", "agents.launcher"]


def launcher_env(inherited: str | None = None) -> dict[str, str]:
    """`PYTHONPATH` for the launcher: this checkout first, then what was `inherited`. (The agent, not the
    validators: their Python must not see this repository's `ledger`, see `ledger.pool`.)"""
    return {"PYTHONPATH": os.pathsep.join([str(CHECKOUT), *([inherited] if inherited else [])])}


def log_tail(path: Path, lines: int = TAIL_LINES) -> str:
    """The last `lines` lines of the agent's latest run, after any earlier lines of it naming an error.

    ACA-Py often ends with a long traceback of its own that buries the one line saying what was wrong
    (`aca-py start: error: unrecognized arguments: ...`), so that line is kept in front of the tail.
    """
    run = last_lines(path, 256 * 1024)
    starts = [n for n, line in enumerate(run) if line.startswith(START_MARKER)]
    run = run[starts[-1] + 1 :] if starts else run
    tail, before = run[-lines:], run[:-lines]
    errors = [line for line in before if ERROR_LINE.search(line)][-5:]
    return "\n".join([*errors, "[...]", *tail] if errors else tail)


class AgentProcess:
    """A running (or stopped) `aca-py start` child for one `AgentConfig`."""

    def __init__(self, config: AgentConfig, aca_py_path: Path | str | None = None) -> None:
        """`aca_py_path`: another `aca-py` executable to run instead of `launcher_command()`."""
        self.config = config
        self.aca_py_path = Path(aca_py_path) if aca_py_path else None
        self._process: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None

    @property
    def running(self) -> bool:
        """True while the child exists and has not exited."""
        return self._process is not None and self._process.returncode is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def name(self) -> str:
        return f"agent {self.config.role_name}"

    async def wait(self) -> int:
        """The exit code of the current run once it ends (negative: the signal that killed it)."""
        if self._process is None:
            raise ProcessError(f"agent {self.config.role_name} was not started")
        return await self._process.wait()

    def _command(self) -> list[str]:
        if self.aca_py_path is None:
            if importlib.util.find_spec("acapy_agent") is None:
                raise ConfigurationError(f"ACA-Py (acapy-agent) is not installed for {sys.executable}")
            return launcher_command()
        if not self.aca_py_path.exists():
            raise ConfigurationError(f"aca-py not found at {self.aca_py_path}")
        return [str(self.aca_py_path)]

    async def start(self) -> None:
        """Spawn the agent; returns at once (see `wait_until_ready`)."""
        if self.running:
            return
        name, cfg = self.config.role_name, self.config
        command = self._command()
        ensure_ports_free(cfg.host, [cfg.inbound_port, cfg.admin_port], f"agent {name}")
        cfg.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ACAPY_")} | cfg.env()
        if self.aca_py_path is None:
            env |= launcher_env(os.environ.get("PYTHONPATH"))
        self._close_log()
        fd = os.open(cfg.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._log = os.fdopen(fd, "ab")
        self._log.write(f"\n{START_MARKER} {name} at {time.ctime()} ===\n".encode())
        self._log.flush()
        log.info("starting agent %s: %s", name, " ".join(cfg.redacted_argv(command)))
        try:
            self._process = await asyncio.create_subprocess_exec(
                *cfg.argv(command),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=self._log,
                stderr=asyncio.subprocess.STDOUT,
                env=env,
                cwd=cfg.data_dir,
                start_new_session=True,
                preexec_fn=owned_child,  # its wallet and tails files: the owner's alone
            )
        except OSError as exc:
            self._close_log()
            raise ProcessError(f"agent {name} could not be started: {exc.strerror}") from exc

    async def wait_until_ready(self, timeout: float = 60.0) -> None:
        """Poll `GET /status/ready` until it answers 200; `ProcessError` if the agent dies or is late."""
        name = self.config.role_name
        url = f"{self.config.admin_url}/status/ready"
        deadline = asyncio.get_running_loop().time() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                if self._process is None:
                    raise ProcessError(f"agent {name} was not started")
                if self._process.returncode is not None:
                    raise ProcessError(
                        f"agent {name} exited with code {self._process.returncode} before it was ready",
                        log_tail(self.config.log_file),
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(url)).status_code == 200:
                        log.info("agent %s ready on %s", name, self.config.admin_url)
                        return
                if asyncio.get_running_loop().time() >= deadline:
                    raise ProcessError(f"agent {name} not ready after {timeout:.0f} s", log_tail(self.config.log_file))
                await asyncio.sleep(0.2)

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if the agent has not exited after `grace` seconds."""
        process = self._process
        if process is not None and process.returncode is None:
            log.info("stopping agent %s (pid %s)", self.config.role_name, process.pid)
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), grace)
            except asyncio.CancelledError:  # whoever stops us must not leave the agent behind
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                self._close_log()
                raise
            except TimeoutError:
                log.warning("agent %s ignored SIGTERM for %.0f s: killing it", self.config.role_name, grace)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        self._close_log()

    async def restart(self, timeout: float = 60.0) -> None:
        """Stop, start again on the same wallet, and wait until ready."""
        await self.stop()
        await self.start()
        await self.wait_until_ready(timeout)

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    async def __aenter__(self) -> AgentProcess:
        await self.start()
        try:
            await self.wait_until_ready()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

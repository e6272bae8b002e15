"""One controller instance as its own process: `uvicorn --factory <role>:create_app`, as compose runs it.

    instance = ControllerInstance(role_settings, number=1)   # listens on port + INSTANCE_PORT_STEP * number
    await instance.start()     # returns once it accepts connections (uvicorn listens after the app's startup)
    ...                        # a Supervisable child: a Supervisor starts it again if it dies
    await instance.stop()      # SIGTERM: uvicorn's graceful shutdown, then SIGKILL after a grace period

`start_instances` / `stop_instances` bring up and down a role's N of them, each watched by a Supervisor;
`instances_proxy` is the nginx in front of them on the role's own address (`stack.proxy`).

The instance is given its role's settings as `MEDCRED_<ROLE>_*` variables (`RoleSettings.environment`), so
it is the same controller as the in-process one, at the same public address (the reverse proxy's): only
the port uvicorn binds differs. It writes its output to `<role folder>/controller-<number>.log`.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agents.settings import RoleSettings
from medcred.errors import ProcessError
from medcred.processes import ChildProcess, log_tail, port_is_open
from medcred.servers import GRACEFUL_SHUTDOWN, KEEP_ALIVE
from medcred.supervisor import RestartPolicy, Supervisor
from stack.proxy import ReverseProxy, Route, body_limit

__all__ = [
    "INSTANCE_PORT_STEP", "MAX_INSTANCES", "ControllerInstance", "Instance", "instance_port", "instances_proxy",
    "start_instances", "stop_instances",
]

INSTANCE_PORT_STEP = 100  # instance n of a role listens on its port + 100 n (8001: 8101, 8201 ...)
MAX_INSTANCES = 8
START_TIMEOUT = 180.0  # seconds: the hospital's first start onboards on the ledger


def instance_port(settings: RoleSettings, number: int) -> int:
    return settings.port + INSTANCE_PORT_STEP * number


class ControllerInstance:
    def __init__(self, settings: RoleSettings, number: int) -> None:
        self.settings, self.number = settings, number
        self.port = instance_port(settings, number)
        self.name = f"{settings.role} controller {number}"
        self._process: ChildProcess | None = None

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def _child(self) -> ChildProcess:
        """A new child with the role's settings as they are now (the verifier's learns the hospital's DID late)."""
        argv = [
            sys.executable, "-m", "uvicorn", "--factory", f"{self.settings.role}:create_app",
            "--host", self.settings.host, "--port", str(self.port), "--log-level", "warning", "--no-access-log",
            "--timeout-keep-alive", str(KEEP_ALIVE), "--timeout-graceful-shutdown", str(GRACEFUL_SHUTDOWN),
        ]  # fmt: skip
        prefix = str(self.settings.model_config.get("env_prefix", "")).upper()
        env = {name: value for name, value in os.environ.items() if not name.upper().startswith(prefix)}
        env |= self.settings.environment()  # exactly the settings this network chose, nothing left over
        return ChildProcess(self.name, argv, self.settings.folder() / f"controller-{self.number}.log", env=env)

    async def start(self, timeout: float = START_TIMEOUT) -> None:
        if self._process is not None and self._process.running:
            return
        self._process = self._child()
        await self._process.start()
        try:
            async with asyncio.timeout(timeout):
                while not port_is_open(self.settings.host, self.port):
                    self._process.check_alive()
                    await asyncio.sleep(0.1)
        except TimeoutError:
            await self._process.stop()
            raise ProcessError(f"{self.name} did not start within {timeout:g} s",
                               log_tail(self._process.log_path)) from None  # fmt: skip

    async def wait(self) -> int:
        if self._process is None:
            raise ProcessError(f"{self.name} was not started")
        return await self._process.wait()

    async def stop(self) -> None:
        if self._process is not None:
            await self._process.stop(grace=GRACEFUL_SHUTDOWN + 5)

    def kill(self) -> None:
        """SIGKILL at once (tests use it to simulate a crash)."""
        if self._process is not None:
            self._process.kill()


@dataclass(frozen=True)
class Instance:
    """A running controller instance and the supervisor that starts it again if it dies."""

    process: ControllerInstance
    supervisor: Supervisor


async def start_instances(settings: RoleSettings, count: int, policy: RestartPolicy,
                          progress: Callable[[str], None]) -> list[Instance]:  # fmt: skip
    """The role's `count` instances, started one after another (as a deployment rolls out), each watched."""
    instances = []
    for number in range(1, count + 1):
        progress(f"starting {settings.role} controller {number} of {count}")
        process = ControllerInstance(settings, number)
        await process.start()
        instance = Instance(process, Supervisor(process, policy))
        instance.supervisor.watch()
        instances.append(instance)
    return instances


async def stop_instances(instances: list[Instance]) -> None:
    for instance in instances:
        await instance.supervisor.release()
    await asyncio.gather(*(instance.process.stop() for instance in instances))


def instances_proxy(folder: Path, roles: list[RoleSettings], count: int) -> ReverseProxy:
    """The reverse proxy in front of `count` instances of each role, on each role's own address."""
    routes = [
        Route(settings.role, settings.host, settings.port,
              tuple(f"{settings.host}:{instance_port(settings, n)}" for n in range(1, count + 1)), body_limit(settings))
        for settings in roles
    ]  # fmt: skip
    return ReverseProxy(folder, routes)

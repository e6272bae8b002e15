"""`medcred up --instances N`: one address per role in front of its N controller instances (Debian's nginx).

    proxy = ReverseProxy(folder, [Route("issuer", "127.0.0.1", 8001, [8101, 8201]), ...])
    await proxy.start()     # writes <folder>/nginx.conf, checks it (nginx -t), runs nginx in the foreground
    ...                     # a Supervisable child: a Supervisor starts it again if it dies
    await proxy.stop()

Each role's address takes requests in turn to its instances (round robin). An instance that refuses the
connection (it died, or is starting again) is skipped and the request goes to the next one; so does an
idempotent request (GET, a long-poll) whose instance dies while it waits. No instance is ever marked
down (`max_fails=0`): on one machine a refused connection costs a fraction of a millisecond, and marking
would leave a restarted instance out, or all of them ("no live upstreams") just after a death. A
POST that had reached an instance is never sent a second time: its caller gets what every instance's
absence gives, a 503 with `Retry-After` and a JSON `detail` in the controllers' own error shape. The
agents' webhooks go through the same address, so any instance may handle them (`agents.deliveries`).

nginx streams both ways (no request or response buffering: the live pages' event streams pass at once,
and nothing is written to disk), logs no requests (their URLs may carry tokens), and adds no header of
its own but `X-Forwarded-For`. As root its workers run as `nobody`, touching nothing in the data folder.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from agents.settings import RoleSettings
from issuer import IssuerSettings
from issuer.deps import upload_limit
from medcred.errors import ConfigurationError, ProcessError
from medcred.processes import ChildProcess, log_tail, port_is_open
from medcred.web import MAX_FORM_BYTES

__all__ = ["NGINX", "ReverseProxy", "Route", "body_limit", "nginx_config"]

NGINX = Path(os.environ.get("MEDCRED_NGINX", shutil.which("nginx") or "/usr/sbin/nginx"))
RETRY_AFTER = 2  # seconds a caller is asked to wait when no instance answered
STREAM_TIMEOUT = 3600  # seconds a response may take: long-polls (?wait=) and the pages' event streams
TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")  # nginx's temporary folders, never used here


def body_limit(settings: RoleSettings) -> int:
    """The largest request body a role's controller takes: its pages' forms, or the hospital's record uploads."""
    return max(MAX_FORM_BYTES, upload_limit(settings) if isinstance(settings, IssuerSettings) else 0)


@dataclass(frozen=True)
class Route:
    """One role's address (`host:port`, where the proxy listens) and its instances' (`host:port` each)."""

    name: str
    host: str
    port: int
    upstreams: tuple[str, ...]
    max_body_bytes: int  # the largest request body the role takes (it answers 413 itself above its limit)


def _server(route: Route, resolve: bool) -> str:
    upstreams = "\n".join(
        f"        server {upstream} max_fails=0{' resolve' if resolve else ''};" for upstream in route.upstreams
    )
    zone = f"\n        zone {route.name} 64k;" if resolve else ''
    detail = (f"no instance of the {route.name} controller answered (they are down or starting again): "
              f"try again in {RETRY_AFTER} s")  # fmt: skip
    return f"""
    upstream {route.name} {{{zone}
{upstreams}
        keepalive 16;
    }}
    server {{
        listen {route.host}:{route.port};
        client_max_body_size {route.max_body_bytes + 64 * 1024};
        location / {{
            proxy_pass http://{route.name};
        }}
        error_page 502 504 = @unavailable;
        location @unavailable {{
            default_type application/json;
            add_header Retry-After {RETRY_AFTER} always;
            return 503 '{{"detail": "{detail}"}}';
        }}
    }}"""


def nginx_config(routes: list[Route], folder: Path, *, user: str | None = None, resolver: str | None = None) -> str:
    """The whole nginx.conf: one server per route, temporary files (never used: nothing is buffered) and
    the pid file in `folder`; its workers run as `user` (default: `nobody` when we are root). With
    `resolver` (a container network's DNS), each upstream's name is resolved again as it changes (the
    replicas of a compose service), not only at start."""
    if user is None and os.geteuid() == 0:
        user = "nobody nogroup"
    temp = "\n".join(f"    {kind}_temp_path {folder / f'{kind}_temp'};" for kind in TEMP_KINDS)
    if resolver is not None:
        temp += f"\n    resolver {resolver} valid=5s ipv6=off;"
    servers = "".join(_server(route, resolver is not None) for route in routes)
    user = f"user {user};\n" if user else ""
    return f"""# Written by medcred (stack/proxy.py) at every start: edits are lost.
{user}daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log stderr warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    server_tokens off;
{temp}
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_buffering off;
    proxy_request_buffering off;
    proxy_connect_timeout 2s;
    proxy_read_timeout {STREAM_TIMEOUT}s;
    proxy_send_timeout {STREAM_TIMEOUT}s;
    proxy_next_upstream error timeout;
{servers}
}}
"""


class ReverseProxy:
    """nginx in front of the controller instances, as a supervised child process."""

    name = "reverse proxy (nginx)"

    def __init__(self, folder: Path, routes: list[Route]) -> None:
        self.folder, self.routes = folder, routes
        self.config = folder / "nginx.conf"
        self._process = ChildProcess(self.name, [str(NGINX), "-e", "stderr", "-p", str(folder), "-c", str(self.config)],
                                     folder / "nginx.log")  # fmt: skip

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def write_config(self) -> None:
        """The configuration file, written again at every start (and its folders made)."""
        if not NGINX.exists():
            raise ConfigurationError(f"--instances needs nginx, and there is none at {NGINX}: apt-get install nginx")
        for kind in TEMP_KINDS:
            (self.folder / f"{kind}_temp").mkdir(parents=True, exist_ok=True, mode=0o700)
        self.config.write_text(nginx_config(self.routes, self.folder))

    async def start(self, timeout: float = 15.0) -> None:
        self.write_config()
        await self._check()
        await self._process.start()
        async with asyncio.timeout(timeout):
            while not all(port_is_open(route.host, route.port) for route in self.routes):
                self._process.check_alive()
                await asyncio.sleep(0.05)

    async def _check(self) -> None:
        """`nginx -t`: a configuration nginx refuses is an error now, with what nginx said."""
        check = await asyncio.create_subprocess_exec(
            str(NGINX), "-t", "-q", "-e", "stderr", "-p", str(self.folder), "-c", str(self.config),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await check.communicate()
        if check.returncode != 0:
            raise ProcessError("nginx refused the reverse proxy's configuration", output.decode(errors="replace"))

    async def wait(self) -> int:
        return await self._process.wait()

    async def stop(self) -> None:
        await self._process.stop(grace=5)

    def log(self) -> str:
        return log_tail(self._process.log_path)

"""The ledger side of medcred as one unit: the pool, its web server and the tails server.

    async with LedgerNetwork(LedgerSettings(), TailsSettings()) as network:
        print(network.genesis_url)

Start order: validators (until the pool is ready), then the web server, then the tails server;
stop order is the reverse. With `validators=False` (medcred joining another Indy network) only the tails
server runs: the pool and its web server are that network's. The web and tails servers run in this
process's event loop. Once started, the validators and both servers are watched (`medcred.supervisor`):
one that ends unasked is started again.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from ledger.pool import LocalPool
from ledger.settings import LedgerSettings
from ledger.tails import TailsSettings
from ledger.tails import create_app as create_tails_app
from ledger.web import create_app as create_web_app
from medcred.processes import Listener, ensure_listeners_free
from medcred.servers import EmbeddedServer
from medcred.settings import generated_secret, owner_only_files
from medcred.supervisor import RestartPolicy, Supervisor

__all__ = ["LedgerNetwork"]

Progress = Callable[[str], None]


def _silent(_: str) -> None:
    pass


class LedgerNetwork:
    def __init__(
        self, settings: LedgerSettings, tails: TailsSettings, progress: Progress = _silent,
        restart_policy: RestartPolicy | None = None, *, validators: bool = True,
    ) -> None:
        self.settings = settings
        self.validators = validators
        self.tails_settings = tails
        self.restart_policy = restart_policy or RestartPolicy()
        self.pool = LocalPool(settings, self.restart_policy)
        self.progress = progress
        self.pool_start_seconds: float | None = None
        self._servers: list[tuple[EmbeddedServer, Supervisor]] = []

    @property
    def genesis_url(self) -> str:
        return f"{self.settings.web_url}/genesis"

    @property
    def tails_url(self) -> str:
        return f"http://{self.tails_settings.host}:{self.tails_settings.port}"

    def register_key(self) -> str:
        """The API key of POST /register: from settings, or generated once into the data folder."""
        if self.settings.api_key is not None:
            return self.settings.api_key.get_secret_value()
        return generated_secret(self.settings.folder(), "ledger_api_key")

    def listeners(self) -> list[Listener]:
        """Every port the ledger side listens on: the validators', the web server's, the tails server's."""
        tails = Listener("the tails server", self.tails_settings.host, self.tails_settings.port)
        if not self.validators:
            return [tails]
        return [*self.pool.listeners(), Listener("the ledger web server", self.settings.host, self.settings.web_port),
                tails]  # fmt: skip

    def check_before_start(self) -> None:
        """What would make a start fail, found before anything starts: a pool made for other ports, a port taken."""
        if self.validators:
            self.pool.check_settings()
        ensure_listeners_free(self.listeners())

    async def start(self) -> None:
        owner_only_files()  # the pool's ledgers and keys, the tails files: their owner's alone
        self.check_before_start()
        try:
            servers: list[EmbeddedServer] = []
            if self.validators:
                if not self.pool.exists():
                    self.progress(f"creating a {self.settings.node_count}-validator pool in {self.pool.folder}")
                self.progress("starting the validators")
                self.pool_start_seconds = await self.pool.start()
                self.progress(f"pool ready in {self.pool_start_seconds:.1f} s")
                servers.append(EmbeddedServer(
                    "ledger web server", create_web_app(self.settings, self.pool.genesis, self.register_key()),
                    self.settings.host, self.settings.web_port,
                ))  # fmt: skip
            tails = self.tails_settings
            servers.append(EmbeddedServer("tails server", create_tails_app(tails), tails.host, tails.port))
            for server in servers:
                await server.start()
                supervisor = Supervisor(server, self.restart_policy)
                self._servers.append((server, supervisor))
                supervisor.watch()
                self.progress(f"{server.name} listening on {server.url}")
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        for server, supervisor in reversed(self._servers):
            await supervisor.release()
            await server.stop()
        self._servers.clear()
        if self.validators:
            await self.pool.stop()

    async def __aenter__(self) -> LedgerNetwork:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

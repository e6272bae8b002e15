"""The whole medcred network on one machine, in dependency order.

    ledger (4 validators, web server :9000, tails server :6543)
      -> the three ACA-Py agents (started together: issuer :8020/8021, holder :8030/8031, verifier :8040/8041)
      -> issuer controller :8001 (publishes its DID, schemas and credential definitions)
      -> holder controller :8002, verifier controller :8003 (told the hospital's DID)

Stopping goes in the reverse order. All data lives under one data folder, so starting again resumes.
Controllers run in this process's event loop; validators and agents are child processes. Once ready,
every agent is watched (`medcred.supervisor`): one that dies is started again on its wallet, and its
controller answers 503 with `Retry-After` meanwhile (its `/health` says the agent is down).

With `instances` > 1 (`medcred up --instances N`, which needs a database) each controller runs instead as
N processes (`stack.instances`, ports 8101, 8201 ... for the issuer) behind a reverse proxy on the role's
own port (`stack.proxy`, nginx), which the agents' webhooks reach too; each process and the proxy are
watched like the agents, and one that dies is started again while the others answer.

The hospital's records key-encryption key is never kept in the data folder: it is
`MEDCRED_ISSUER_RECORDS_KEK` (or the key file `MEDCRED_ISSUER_RECORDS_KEK_FILE`) when set, otherwise a
key of this data folder's own, generated once into `~/.config/medcred/records-keks/<folder id>` (0600)
and read from there after; the key file names its data folder, which refuses any other's. The
patients' wallet (holder) is told the hospital's URL and its patient-portal key when the network builds
its settings; the clinic (verifier) may open shared links on the hospital's origin, and on no other
local address, and trusts the hospital's SMART Health Cards (unless given a trust list of its own: one
naming the hospital's `iss`, in its data folder, with live fetching of the hospital's key set and CRLs).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from agents.acapy_plugin.switches import Patches
from agents.config import AgentConfig
from agents.process import AgentProcess
from agents.settings import RoleSettings
from holder import HolderSettings
from holder import agent_config as holder_agent
from holder import create_app as create_holder_app
from issuer import IssuerSettings
from issuer import agent_config as issuer_agent
from issuer import create_app as create_issuer_app
from issuer.health_records.keys import data_folder_id, new_key_file
from ledger.genesis import genesis_text, node_aliases
from ledger.network import LedgerNetwork
from ledger.settings import LedgerSettings
from ledger.tails import TailsSettings
from ledger.trustee import Genesis, trustee_signer
from medcred.database import Database
from medcred.errors import ConfigurationError, MedcredError
from medcred.identifiers import IndyDid
from medcred.processes import Listener, ensure_listeners_free
from medcred.schema import open_pool
from medcred.servers import EmbeddedServer
from medcred.settings import HomeSettings, data_home, owner_only_files
from medcred.supervisor import RestartPolicy, Supervisor
from stack.clients import HospitalClient, VerifierClient, WalletAdminClient
from stack.instances import MAX_INSTANCES, Instance, instance_port, instances_proxy, start_instances, stop_instances
from stack.postgres import PrivateCluster
from stack.proxy import ReverseProxy
from verifier import VerifierSettings
from verifier import agent_config as verifier_agent
from verifier import create_app as create_verifier_app

__all__ = ["MedcredNetwork", "Role", "records_kek_file", "throwaway_issuer"]

Progress = Callable[[str], None]


def _joined[S: RoleSettings](kind: type[S], given: S | None, **network: Any) -> S:
    """A role's settings: those `given` (what its caller set, and its environment), with what joins it into
    this network set over them (validated again)."""
    chosen = given.model_dump(exclude_unset=True) if given is not None else {}
    return kind(**(chosen | network))


TRUST_LIST_FILE = "health-card-trust.json"
NETWORK_GENESIS_FILE = "network-genesis.txn"  # another network's genesis, as fetched at start


def hospital_cards_trusted(given: VerifierSettings | None, issuer: IssuerSettings, folder: Path) -> dict[str, Any]:
    """Unless the clinic was given a trust list of its own: one naming this network's hospital (its `iss`
    and label, in the VCI directory's shape), written into its data folder, with live fetching of the
    hospital's key set and CRLs (on loopback: the allowed origin), so its cards and their revocation verify."""
    if (given or VerifierSettings()).health_card_trust_list is not None:
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    trust = folder / TRUST_LIST_FILE
    directory = {"participating_issuers": [{"iss": issuer.health_card_iss, "name": issuer.label}]}
    trust.write_text(json.dumps(directory, indent=2))
    return {"health_card_trust_list": trust, "health_card_live_keys": True}


def _silent(_: str) -> None:
    pass


def records_kek_file(issuer_folder: Path, data_home: Path, config_dir: Path | None = None) -> Path:
    """The key file of the hospital's data folder: `<config_dir>/records-keks/<its folder id>` (default
    `~/.config/medcred`), made there (0600) on first use; never inside `data_home`, whose records it protects."""
    folder = (config_dir or Path.home() / ".config" / "medcred").resolve()
    if folder.is_relative_to(data_home.resolve()):
        raise ConfigurationError(f"the records key-encryption key cannot be kept inside the data folder {data_home}")
    folder_id = data_folder_id(issuer_folder)
    return new_key_file(folder / "records-keks" / folder_id, folder_id)


def throwaway_issuer() -> IssuerSettings:
    """The hospital's settings for a network in a temporary folder (the demo, the benchmarks): a records key
    of its own, in memory only, so that no key file is left behind for a folder that is gone."""
    return IssuerSettings(records_kek=SecretStr(secrets.token_bytes(32).hex()))


@dataclass(frozen=True)
class StaffClients:
    """The staff clients of the three controllers, each with its generated key."""

    hospital: HospitalClient
    wallets: WalletAdminClient
    clinic: VerifierClient


@dataclass
class Role:
    """One role of the network: its settings, its agent process and its controller."""

    name: str
    settings: RoleSettings
    agent: AgentProcess
    make_app: Callable[[], FastAPI]
    server: EmbeddedServer | None = None  # the controller, in this process (one instance) ...
    instances: list[Instance] = field(default_factory=list)  # ... or its processes behind the reverse proxy
    supervisor: Supervisor | None = None  # watches `agent` once the network is up

    @property
    def url(self) -> str:
        return self.settings.url

    def api_key(self) -> str:
        return self.settings.secret("api_key").get_secret_value()

    @property
    def web_app(self) -> tuple[str, str]:
        """The role's web app: its name for people ("the hospital desk") and its address."""
        name, path = self.settings.web_app
        return name, self.url + path


class MedcredNetwork:
    def __init__(
        self, home: Path | None = None, progress: Progress = _silent, *, ledger: LedgerNetwork | None = None,
        restart_policy: RestartPolicy | None = None, issuer: IssuerSettings | None = None,
        holder: HolderSettings | None = None, verifier: VerifierSettings | None = None,
        patches: Patches | None = None, genesis: str | None = None, endorser_seed: SecretStr | None = None,
        database_url: SecretStr | None = None, postgres: PrivateCluster | None = None, instances: int = 1,
    ) -> None:
        """`ledger`: an already running ledger to use (and leave running); by default, one of our own.
        `genesis` (an http(s) URL or a file; default MEDCRED_LEDGER_GENESIS_URL): join that Indy network
        instead, with no validators of our own; `endorser_seed` (default MEDCRED_LEDGER_ENDORSER_SEED) is
        the operator's DID there that registers the services' DIDs. `database_url` (default
        MEDCRED_DATABASE_URL): the agents' wallets in that PostgreSQL; `postgres`: a private cluster started
        first (and stopped last) whose database that is. `instances`: controller processes per role behind a
        reverse proxy (1: the controllers run in this process, with no proxy); more than one needs a database.
        `issuer`, `holder`, `verifier`: a role's own settings (by default, its environment's); the network
        sets over them what joins the roles: data folders, the ledger's and tails' URLs and key, the hospital's
        URL and portal key for the wallet, the hospital's origin for the clinic. `patches`: the ACA-Py
        plugin's patches every agent applies (default: the roles' settings, all on)."""
        home = (home or data_home()).resolve()
        self.home = home
        self.progress = progress
        self.restart_policy = restart_policy or RestartPolicy()
        self._owns_ledger = ledger is None
        ledger_settings = LedgerSettings(data_dir=home / "ledger")
        self.genesis_source = genesis or ledger_settings.genesis_url
        self.genesis_file: Path | None = None  # another network's genesis, once fetched
        if self.genesis_source is not None and ledger is not None:
            raise ConfigurationError("give a running ledger or another network's genesis, not both")
        self.ledger = ledger or LedgerNetwork(
            ledger_settings, TailsSettings(storage_dir=home / "tails"), progress, self.restart_policy,
            validators=self.genesis_source is None,
        )
        self.postgres = postgres
        self.database = self._database(postgres.url if postgres else database_url or HomeSettings().database_url)
        common = {
            "ledger_url": self.ledger.settings.web_url, "tails_url": self.ledger.tails_url,
            "database_url": SecretStr(self.database.url()) if self.database else None,
            "ledger_api_key": self.ledger.register_key(),
            **({"agent_patches": patches} if patches is not None else {}),
            **self._joined_network(home, endorser_seed or ledger_settings.endorser_seed),
        }
        issuer = _joined(IssuerSettings, issuer, data_dir=home / "issuer", **common)
        if issuer.records_kek is None and issuer.records_kek_file is None:  # this data folder's own, kept outside it
            key_file = records_kek_file(issuer.folder(), home)
            issuer = issuer.model_copy(update={"records_kek_file": key_file})
            progress(f"records key-encryption key: {key_file}")
        holder = _joined(
            HolderSettings, holder, data_dir=home / "holder", hospital_url=issuer.url,
            hospital_portal_key=issuer.secret("portal_api_key"), **common,
        )
        # The clinic opens the links of this network's hospital, on this machine's loopback: that origin
        # exactly is allowed; every other local address stays refused (verifier.share_hosts).
        self._verifier_settings = _joined(
            VerifierSettings, verifier, data_dir=home / "verifier", share_allowed_origins=[issuer.public_url],
            **common, **hospital_cards_trusted(verifier, issuer, home / "verifier"),
        )  # fmt: skip
        self.issuer = Role("issuer", issuer, AgentProcess(issuer_agent(issuer)), lambda: create_issuer_app(issuer))
        self.holder = Role("holder", holder, AgentProcess(holder_agent(holder)), lambda: create_holder_app(holder))
        self.verifier = Role(
            "verifier", self._verifier_settings, AgentProcess(verifier_agent(self._verifier_settings)),
            lambda: create_verifier_app(self._verifier_settings),
        )
        self.instance_count = instances
        self.proxy = self._proxy(home, instances)
        self.proxy_supervisor: Supervisor | None = None

    def _proxy(self, home: Path, instances: int) -> ReverseProxy | None:
        if not 1 <= instances <= MAX_INSTANCES:
            raise ConfigurationError(f"--instances must be between 1 and {MAX_INSTANCES}, not {instances}")
        if instances == 1:
            return None
        if self.database is None:
            raise ConfigurationError(
                "several instances of a controller share their records through PostgreSQL: give --postgres or "
                "MEDCRED_DATABASE_URL with --instances"
            )
        return instances_proxy(home / "proxy", [role.settings for role in self.roles], instances)

    @staticmethod
    def _database(url: str | SecretStr | None) -> Database | None:
        if url is None:
            return None
        return Database.parse(url if isinstance(url, SecretStr) else SecretStr(url))

    def _joined_network(self, home: Path, endorser_seed: SecretStr | None) -> dict[str, Any]:
        """The roles' settings for another network: its genesis (fetched at start) and the endorser's seed."""
        if self.genesis_source is None:
            return {}
        if endorser_seed is None:
            raise ConfigurationError(
                "joining another Indy network takes the seed of your DID on it that registers medcred's DIDs (a "
                "steward's or trustee's): set MEDCRED_LEDGER_ENDORSER_SEED"
            )
        self.genesis_file = home / "ledger" / NETWORK_GENESIS_FILE
        trustee_signer(endorser_seed, Genesis(self.genesis_file))  # never the development seed, checked now
        return {"genesis_file": self.genesis_file, "endorser_seed": endorser_seed}

    async def _fetch_genesis(self) -> None:
        """Another network's genesis, checked (ledger.genesis) and kept in the data folder for the agents."""
        if self.genesis_source is None or self.genesis_file is None:
            return
        text = await genesis_text(self.genesis_source)
        self.genesis_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.genesis_file.write_text(text)
        self.progress(f"joining the Indy network of {self.genesis_source} ({len(node_aliases(text))} validators)")

    @property
    def roles(self) -> tuple[Role, Role, Role]:
        return self.issuer, self.holder, self.verifier

    def listeners(self) -> list[Listener]:
        """Every port this network listens on: the ledger's (when it is the network's own), each agent's, each
        controller's."""
        ledger = self.ledger.listeners() if self._owns_ledger else []
        instances = [
            Listener(f"the {role.name} controller {n}", role.settings.host, instance_port(role.settings, n))
            for role in self.roles if self.proxy is not None for n in range(1, self.instance_count + 1)
        ]  # fmt: skip
        return ledger + instances + [
            Listener(f"the {role.name} {part}", host, port)
            for role in self.roles
            for part, host, port in (
                ("agent (DIDComm)", role.settings.host, role.settings.agent_inbound_port),
                ("agent (admin)", role.settings.host, role.settings.agent_admin_port),
                ("controller" if self.proxy is None else "controllers' proxy", role.settings.host, role.settings.port),
            )
        ]

    def check_before_start(self) -> None:
        """What would make a start fail, found before anything starts: a pool made for other ports, two parts set
        to one port, a port something else listens on."""
        if self._owns_ledger and self.ledger.validators:
            self.ledger.pool.check_settings()
        ensure_listeners_free(self.listeners())

    async def start(self) -> None:
        owner_only_files()  # everything under the data folder is its owner's alone
        self.check_before_start()
        try:
            if self.postgres is not None:
                self.progress(f"starting PostgreSQL in {self.postgres.folder}")
                await self.postgres.start()
            if self.database is not None:
                await self.database.check()
                # The controllers' schema made or migrated now, or a newer one refused, before any agent starts.
                (await asyncio.to_thread(open_pool, self.database, name="network")).close()
                self.progress(f"the wallets and the controllers' stores are in PostgreSQL: {self.database.safe()}")
            await self._fetch_genesis()
            if self._owns_ledger:
                await self.ledger.start()
            self.progress("starting the three agents")
            await asyncio.gather(*(role.agent.start() for role in self.roles))
            await asyncio.gather(*(role.agent.wait_until_ready(60) for role in self.roles))
            for role in self.roles:
                role.supervisor = Supervisor(role.agent, self.restart_policy)
                role.supervisor.watch()
            self.progress("agents ready")
            if self.proxy is not None:
                await self.proxy.start()
                self.proxy_supervisor = Supervisor(self.proxy, self.restart_policy)
                self.proxy_supervisor.watch()
            await self._start_controller(self.issuer)
            self._verifier_settings.issuer_did = await self._issuer_did()
            await self._start_controller(self.holder)
            await self._start_controller(self.verifier)
        except BaseException:
            await self.stop()
            raise

    async def _start_controller(self, role: Role) -> None:
        if self.proxy is None:
            self.progress(f"starting the {role.name} controller")
            role.server = EmbeddedServer(f"{role.name} controller", role.make_app(), role.settings.host,
                                         role.settings.port)  # fmt: skip
            await role.server.start(timeout=180)
            self.progress(f"{role.name} controller ready on {role.url} (agent admin {role.agent.config.admin_url})")
            return
        role.instances = await start_instances(role.settings, self.instance_count, self.restart_policy, self.progress)
        ports = ", ".join(str(instance.process.port) for instance in role.instances)
        self.progress(f"{role.name} controller ready on {role.url}: {self.instance_count} instances (ports {ports}) "
                      f"behind nginx (agent admin {role.agent.config.admin_url})")  # fmt: skip

    async def _stop_controller(self, role: Role) -> None:
        if role.server is not None:
            await role.server.stop()
            role.server = None
        await stop_instances(role.instances)
        role.instances = []

    async def _issuer_did(self) -> IndyDid:
        async with httpx.AsyncClient(base_url=self.issuer.url, timeout=10) as client:
            response = await client.get("/issuer", headers={"X-API-Key": self.issuer.api_key()})
        if response.status_code != 200:
            raise ConfigurationError(f"the issuer controller did not say its DID ({response.status_code})")
        return IndyDid(response.json()["did"])

    async def stop(self) -> None:
        errors: list[BaseException] = []
        for role in self.roles:
            if role.supervisor is not None:
                await role.supervisor.release()
        for role in reversed(self.roles):
            await self._stop_controller(role)
        if self.proxy_supervisor is not None:
            await self.proxy_supervisor.release()
        if self.proxy is not None:
            await self.proxy.stop()
        results = await asyncio.gather(*(role.agent.stop() for role in self.roles), return_exceptions=True)
        errors += [r for r in results if isinstance(r, BaseException)]
        if self._owns_ledger:
            await self.ledger.stop()
        if self.postgres is not None:
            await self.postgres.stop()
        if errors and not isinstance(errors[0], MedcredError):
            raise errors[0]

    async def restart_agent(self, role: Role) -> None:
        """Stop and start one agent on its wallet (tests use it to show nothing is lost)."""
        if role.supervisor is not None:
            await role.supervisor.release()
        try:
            await role.agent.restart()
        finally:
            if role.supervisor is not None:
                role.supervisor.watch()

    async def restart_controller(self, role: Role) -> None:
        """Stop and start one controller (all its instances) on its data folder (tests use it to show what a
        start resumes)."""
        await self._stop_controller(role)
        await self._start_controller(role)

    def agent_config(self, role: Role) -> AgentConfig:
        return role.agent.config

    def staff_clients(self, http: httpx.AsyncClient) -> StaffClients:
        """Clients of the hospital, the wallets' staff API and the clinic, over `http`."""
        return StaffClients(
            HospitalClient(http, self.issuer.url, self.issuer.api_key()),
            WalletAdminClient(http, self.holder.url, self.holder.api_key()),
            VerifierClient(http, self.verifier.url, self.verifier.api_key()),
        )

    async def __aenter__(self) -> MedcredNetwork:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

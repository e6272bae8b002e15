"""The local Indy pool: four validators as child processes of this one, on 127.0.0.1.

    pool = LocalPool(LedgerSettings())
    await pool.start()          # creates the pool on first use, then reuses its ledgers
    ...
    await pool.stop()

The validators run in their own Python (see ledger/validator/README.md). Readiness comes from the
pool itself: each node logs when its catch-up is complete, and a validator-info request must then
find every node participating.

Once the pool is ready, each validator is watched (`medcred.supervisor`): one that dies unasked is
started again after a backoff, and catches up by itself. `stop_node` stops one on purpose (it stays
down until `restart_node`).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ledger.settings import LedgerSettings
from ledger.trustee import Genesis
from medcred.errors import ConfigurationError, ProcessError
from medcred.processes import ChildProcess, Listener, ensure_listeners_free, log_tail
from medcred.settings import OWNER_ONLY_UMASK
from medcred.supervisor import RestartPolicy, Supervisor

__all__ = ["LocalPool", "NodeSpec"]

VALIDATOR_CODE = Path(__file__).resolve().parent / "validator"
CATCHUP_DONE = b"does not need any more catchups"
CONFIG_DIR_VARIABLE = "MEDCRED_INDY_CONFIG_DIR"


@dataclass(frozen=True)
class NodeSpec:
    number: int
    host: str
    node_port: int
    client_port: int

    @property
    def name(self) -> str:
        return f"Node{self.number}"


class LocalPool:
    def __init__(self, settings: LedgerSettings, restart_policy: RestartPolicy | None = None) -> None:
        self.settings = settings
        self.restart_policy = restart_policy or RestartPolicy()
        self.folder = settings.folder() / "pool"
        self.nodes = [
            NodeSpec(n, settings.host, settings.base_port + 2 * n - 1, settings.base_port + 2 * n)
            for n in range(1, settings.node_count + 1)
        ]
        self._processes: dict[int, ChildProcess] = {}
        self._supervisors: dict[int, Supervisor] = {}

    # -- where things are -------------------------------------------------------------------------

    @property
    def genesis_path(self) -> Path:
        return self.folder / "genesis" / self.settings.network / "pool_transactions_genesis"

    @property
    def genesis(self) -> Genesis:
        return Genesis(self.genesis_path, local_pool=True)

    def node_log(self, node: NodeSpec) -> Path:
        return self.folder / "log" / self.settings.network / f"{node.name}.log"

    def node_output(self, node: NodeSpec) -> Path:
        return self.folder / "log" / f"{node.name}.out"

    def exists(self) -> bool:
        return self.genesis_path.exists()

    def made_nodes(self) -> list[NodeSpec]:
        """The validators this pool's genesis was made for ([] before it exists)."""
        if not self.exists():
            return []
        nodes = []
        try:
            for line in self.genesis_path.read_text().splitlines():
                if line.strip():
                    data = json.loads(line)["txn"]["data"]["data"]
                    number = int(str(data["alias"]).removeprefix("Node"))
                    nodes.append(NodeSpec(number, data["node_ip"], int(data["node_port"]), int(data["client_port"])))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"the pool's genesis {self.genesis_path} cannot be read ({exc})") from exc
        return sorted(nodes, key=lambda node: node.number)

    def check_settings(self) -> None:
        """ConfigurationError if an existing pool was made for other validators than these settings ask for
        (another base port, host or node count): its validators would never reach each other."""
        made = self.made_nodes()
        if not made or made == self.nodes:
            return
        first, asked = made[0], self.nodes
        raise ConfigurationError(
            f"the pool in {self.folder} was made for {len(made)} validators on {first.host}:{first.node_port}-"
            f"{made[-1].client_port}, these settings ask for {len(asked)} on {self.settings.host}:"
            f"{asked[0].node_port}-{asked[-1].client_port}: set MEDCRED_LEDGER_BASE_PORT={first.node_port - 1} "
            f"(MEDCRED_LEDGER_HOST={first.host}, MEDCRED_LEDGER_NODE_COUNT={len(made)}), or delete the pool "
            "(`medcred ledger reset`)"
        )

    def listeners(self) -> list[Listener]:
        """The ports the validators listen on."""
        return [
            Listener(f"validator {node.name}{kind}", node.host, port)
            for node in self.nodes
            for kind, port in (("", node.node_port), (" (clients)", node.client_port))
        ]

    def _env(self) -> dict[str, str]:
        """The validators' environment: ours without PYTHONPATH (this repository's `ledger` package would
        hide plenum's own `ledger` from the validators' Python)."""
        inherited = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
        return {**inherited, CONFIG_DIR_VARIABLE: str(self.folder), "PYTHONDONTWRITEBYTECODE": "1"}

    def _python(self) -> str:
        python = self.settings.validator_python
        if not python.exists():
            raise ConfigurationError(
                f"the validators' Python ({python}) is missing: run `make bootstrap` "
                "or set MEDCRED_LEDGER_VALIDATOR_PYTHON"
            )
        return str(python)

    # -- life cycle -------------------------------------------------------------------------------

    def create(self) -> bool:
        """Write keys, genesis and indy_config.py unless the pool exists; True if it was created."""
        if self.exists():
            return False
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        argv = [self._python(), str(VALIDATOR_CODE / "init_pool.py"), self.settings.network,
                str(self.settings.node_count), str(self.settings.base_port)]
        result = subprocess.run(argv, env=self._env(), capture_output=True, timeout=120, check=False,
                                umask=OWNER_ONLY_UMASK)  # fmt: skip
        if result.returncode != 0 or not self.exists():
            tail = b"\n".join((result.stdout + result.stderr).splitlines()[-30:]).decode(errors="replace")
            raise ProcessError(f"creating the pool in {self.folder} failed", tail)
        return True

    async def start(self) -> float:
        """Start every validator and wait until the pool is ready; return the seconds it took."""
        began = time.perf_counter()
        self.check_settings()
        ensure_listeners_free(self.listeners())
        self.create()
        offsets = {node.number: self._log_size(node) for node in self.nodes}
        try:
            for node in self.nodes:
                await self.start_node(node.number)
            await self._wait_for_catchup(offsets, self.settings.start_timeout)
        except BaseException:
            await self.stop()
            raise
        for node in self.nodes:
            self.supervisor(node.number).watch()
        return time.perf_counter() - began

    async def start_node(self, number: int) -> None:
        """Start one validator (unwatched: `start` and `restart_node` hand it to its supervisor)."""
        node = self.nodes[number - 1]
        process = self._processes.get(number)
        if process is None:
            process = ChildProcess(
                f"validator {node.name}",
                [self._python(), str(VALIDATOR_CODE / "run_node.py"), node.name, node.host,
                 str(node.node_port), node.host, str(node.client_port)],
                self.node_output(node), env=self._env(), cwd=self.folder,
            )
            self._processes[number] = process
        await process.start()

    def supervisor(self, number: int) -> Supervisor:
        """The supervisor of validator `number` (it restarts the validator while watching)."""
        supervisor = self._supervisors.get(number)
        if supervisor is None:
            supervisor = self._supervisors[number] = Supervisor(self._processes[number], self.restart_policy)
        return supervisor

    def pid(self, number: int) -> int | None:
        process = self._processes.get(number)
        return process.pid if process is not None and process.running else None

    async def restart_node(self, number: int, timeout: float = 30.0) -> float:
        """Start a stopped validator again and wait until it has caught up; return the seconds taken."""
        node = self.nodes[number - 1]
        began = time.perf_counter()
        offset = self._log_size(node)
        await self.start_node(number)
        await self._wait_for_catchup({number: offset}, timeout)
        self.supervisor(number).watch()
        return time.perf_counter() - began

    async def stop_node(self, number: int, *, kill: bool = False) -> None:
        """Stop one validator on purpose (SIGKILL with `kill`): it is not restarted."""
        process = self._processes.get(number)
        if process is None:
            return
        await self.supervisor(number).release()
        if kill:
            process.kill()
            await process.wait()
        else:
            await process.stop(self.settings.stop_grace)

    async def stop(self) -> None:
        await asyncio.gather(*(supervisor.release() for supervisor in self._supervisors.values()))
        await asyncio.gather(*(p.stop(self.settings.stop_grace) for p in self._processes.values()))

    def running_nodes(self) -> dict[str, bool]:
        return {node.name: bool(self._processes.get(node.number, None) and
                                self._processes[node.number].running) for node in self.nodes}

    # -- readiness --------------------------------------------------------------------------------

    def _log_size(self, node: NodeSpec) -> int:
        try:
            return self.node_log(node).stat().st_size
        except FileNotFoundError:
            return 0

    def _caught_up_since(self, node: NodeSpec, offset: int) -> bool:
        try:
            with self.node_log(node).open("rb") as log:
                log.seek(offset)
                return CATCHUP_DONE in log.read()
        except FileNotFoundError:
            return False

    async def _wait_for_catchup(self, offsets: dict[int, int], timeout: float) -> None:
        waiting = dict(offsets)
        deadline = time.monotonic() + timeout
        while waiting:
            for number in list(waiting):
                node = self.nodes[number - 1]
                process = self._processes[number]
                if not process.running:
                    tail = log_tail(self.node_output(node), 15) + "\n" + log_tail(self.node_log(node), 25)
                    raise ProcessError(f"validator {node.name} exited with code {process.returncode}", tail)
                if self._caught_up_since(node, waiting[number]):
                    del waiting[number]
            if not waiting:
                return
            if time.monotonic() > deadline:
                names = ", ".join(self.nodes[n - 1].name for n in waiting)
                tail = log_tail(self.node_log(self.nodes[min(waiting) - 1]), 25)
                raise ProcessError(f"the pool was not ready after {timeout:.0f} s (waiting for {names})", tail)
            await asyncio.sleep(0.1)

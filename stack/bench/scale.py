"""`medcred scale bench`: many patients in one holder, on SQLite or PostgreSQL (`--postgres`).

On a fresh network in a temporary folder (`--instances 2`: each controller as two processes behind nginx):
    create    N patient accounts (one sub-wallet each), one at a time: each POST /patients timed
    memory    the holder agent's resident memory after 10 accounts and after N
    flows     one warm-up flow (not counted), then full flows (connect, issue, verify) for accounts picked
              at random, each used once: first among the first 10 accounts, then among all N, at the
              same concurrency, so that the two runs differ only in how many patients the holder holds
Figures are printed, never asserted. Targets (issue 17): creating a patient under 50 ms p50; flows/s and
p95 with N patients within 10 % of the run with 10.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

import httpx
import typer

from medcred import console, samples
from medcred.console import settings_epilog
from medcred.settings import HomeSettings
from stack.bench.batch import FLOW, Batch, Laps, run_batch
from stack.bench.controller_flows import ControllerFlows
from stack.bench.report import batch_lines, overhead, percentile, target_line
from stack.clients import PatientClient
from stack.help import network_ports

app = console.commands("Many patients in one holder: creation time, memory, flows among them.")

CREATE_P50_TARGET_MS = 50.0
DRIFT_TARGET = 10.0  # percent
FIRST = 10


def resident_mb(pid: int | None) -> float | None:
    """A process's resident memory (VmRSS) in MB, or None."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Patients:
    """Patient accounts made in the holder (their tokens), and flows for ones picked at random."""

    def __init__(self, flows: ControllerFlows, http: httpx.AsyncClient, holder_url: str) -> None:
        self.flows, self.http, self.holder_url = flows, http, holder_url
        self.tokens: list[str] = []
        self.seconds: list[float] = []
        self.unused: list[int] = []
        self.used: set[int] = set()

    async def create(self, count: int, progress_every: int = 1000) -> None:
        for _ in range(count):
            began = time.perf_counter()
            _, token = await self.flows.wallets.create_patient()
            self.seconds.append(time.perf_counter() - began)
            self.tokens.append(token)
            if len(self.tokens) % progress_every == 0:
                console.progress(f"{len(self.tokens)} patients")

    def pick_among(self, first: int) -> None:
        """The accounts the next flows use: among the first `first`, in random order, each once, and never
        one an earlier run used. (A wallet already connected to the hospital reuses that connection for a
        second invitation, and the hospital then never links the second patient: the run among N had
        picked the first run's accounts again, and those flows ended 409 after 20 s.)"""
        candidates = [n for n in range(first) if n not in self.used]
        self.unused = random.sample(candidates, k=len(candidates))

    async def flow(self, index: int, laps: Laps) -> None:
        """A full flow for an account picked at random: the hospital knows it, it connects, issue, verify."""
        account = self.unused.pop()
        self.used.add(account)
        ref = f"scale-{account}-{index}"
        await self.flows.hospital.put_patient(ref, samples.patient(ref))
        wallet = PatientClient(self.http, self.holder_url, self.tokens[account])
        await wallet.accept_invitation(await self.flows.hospital.invite(ref))
        laps.lap("connect")
        await self.flows.issue(ref)
        laps.lap("issue")
        await self.flows.verify(wallet)
        laps.lap("verify")


def comparison(small: Batch, large: Batch, patients: int) -> list[str]:
    rate = overhead(large.rate, small.rate, higher_is_better=True)
    p95 = overhead(percentile(large.samples.get(FLOW, [0.0]), 95), percentile(small.samples.get(FLOW, [0.0]), 95))
    return [
        target_line(f"flows/s, slower with {patients} than {FIRST}", f"{rate:+.1f} %", rate <= DRIFT_TARGET,
                    f"<= +{DRIFT_TARGET:g} %"),
        target_line(f"flow p95, longer with {patients} than {FIRST}", f"{p95:+.1f} %", p95 <= DRIFT_TARGET,
                    f"<= +{DRIFT_TARGET:g} %"),
    ]  # fmt: skip


@app.command(epilog=settings_epilog(network_ports()))
def bench(
    patients: int = typer.Option(10_000, metavar="N", min=FIRST, help="patient accounts made in the holder"),
    flows: int = typer.Option(FIRST, metavar="N", min=1, help=f"flows per run (at most {FIRST})"),
    concurrency: int = typer.Option(4, metavar="N", min=1, help="flows in flight at once"),
    postgres: bool = typer.Option(False, "--postgres", help="the wallets in a private PostgreSQL cluster"),
    instances: int = typer.Option(1, "--instances", metavar="N",
                                  help="each controller as N processes behind nginx (needs --postgres)"),
) -> None:
    """Make N patients in the holder and measure creation, the holder agent's memory and flows among them."""
    from stack.network import MedcredNetwork, throwaway_issuer
    from stack.postgres import PrivateCluster

    if flows > FIRST:
        raise typer.BadParameter(f"at most {FIRST}: each flow takes one of the first {FIRST} patients",
                                 param_hint="--flows")

    async def job() -> None:
        with tempfile.TemporaryDirectory(prefix="medcred-scale-bench-") as home:
            cluster = PrivateCluster.for_home(Path(home), HomeSettings().postgres_port) if postgres else None
            network = MedcredNetwork(Path(home), progress=console.progress, issuer=throwaway_issuer(),
                                     postgres=cluster, instances=instances)  # fmt: skip
            try:
                async with network, httpx.AsyncClient(timeout=120) as http:
                    staff = network.staff_clients(http)
                    flow_driver = ControllerFlows(http, staff.hospital, staff.wallets, staff.clinic,
                                                  network.holder.url)  # fmt: skip
                    made = Patients(flow_driver, http, network.holder.url)
                    await made.create(FIRST + 1)  # the last one warms the network up (caches, first
                    made.unused = [FIRST]  # credential definition reads) and is never picked again
                    await made.flow(-1, Laps())
                    made.tokens.pop()
                    made.used.clear()
                    memory_small = resident_mb(network.holder.agent.pid)
                    made.pick_among(FIRST)
                    small = await run_batch(f"flows among {FIRST}", made.flow, flows, concurrency, console.progress)
                    console.progress(f"creating {patients - FIRST} more patients")
                    await made.create(patients - FIRST)
                    memory_large = resident_mb(network.holder.agent.pid)
                    made.pick_among(patients)
                    large = await run_batch(f"flows among {patients}", made.flow, flows, concurrency,
                                            console.progress)  # fmt: skip
                    console.progress("stopping the network")
            finally:
                if cluster is not None:
                    await cluster.remove()
        p50 = percentile(made.seconds, 50) * 1000
        storage = "PostgreSQL (a private cluster; one store, a profile per patient)" if postgres else "SQLite"
        typer.echo("")
        controllers = "one controller per role" if instances == 1 else f"{instances} instances per controller (nginx)"
        typer.echo(f"medcred scale bench: {patients} patients on {storage}, {controllers}, {os.cpu_count()} cores")
        p95 = percentile(made.seconds, 95) * 1000
        typer.echo(f"  create a patient     p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   n={len(made.seconds)}")
        typer.echo(target_line("create a patient, p50", f"{p50:.1f} ms", p50 < CREATE_P50_TARGET_MS,
                               f"< {CREATE_P50_TARGET_MS:g} ms"))  # fmt: skip
        for label, value in ((f"after {FIRST} patients", memory_small), (f"after {patients}", memory_large)):
            typer.echo(f"  holder agent memory {label}: " + (f"{value:.0f} MB" if value else "?"))
        for batch, title in ((small, f"flows among {FIRST} patients"), (large, f"flows among {patients} patients")):
            for line in batch_lines(batch, title):
                typer.echo(line)
        for line in comparison(small, large, patients):
            typer.echo(line)

    console.run(job)

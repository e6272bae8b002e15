"""`medcred bench`: full flows through the controllers, the same flows straight on the agents, and the
revocable issuance rate, on a fresh network in a temporary folder; figures printed, never asserted.

    controller_flows   connect -> issue -> verify through stack.clients (the controllers)
    direct_flows       the same on the ACA-Py admin APIs (AdminClient), for the controllers' overhead;
                       agent_events: their states awaited on each agent's admin websocket, not polled
    batch              N flows at a concurrency, each step's latency
    health_cards       SMART Health Cards issued and verified per second, in this process
    report             percentiles, tables, targets;  cpu: where the CPU went, per process (/proc)
    pages              the web apps' home pages, last (also alone: `medcred pages bench`)

Each path runs one warm-up flow first, left out of the figures; the two flow paths then take turns in
rounds, so that a machine whose speed drifts weighs on both alike. The direct path's event streams
(the agents' admin websockets, which carry every event) are open during its own rounds only, so the
controller rounds do not pay for them. Issuance alone runs 10 at a time by default, as ACA-Py's own
performance demo does. Timings are time.perf_counter().
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import httpx
import typer

from agents.acapy_plugin.switches import Patches
from medcred import console
from medcred.identifiers import IndyDid
from stack.bench.batch import FLOW, Batch, Flow, Laps, run_batch
from stack.bench.cpu import CpuMeter
from stack.bench.health_cards import card_lines
from stack.bench.pages import page_lines
from stack.bench.report import (
    CREDENTIALS_PER_S_TARGET,
    FLOWS_PER_S_TARGET,
    OVERHEAD_PERCENT_TARGET,
    batch_lines,
    cpu_lines,
    overhead,
    percentile,
    target_line,
)

if TYPE_CHECKING:
    from stack.network import MedcredNetwork

__all__ = ["bench"]

ROUNDS = 4  # the two flow paths take turns this many times
PAGE_LOADS = 20  # each web app's home page, after the flows (stack.bench.pages)


@dataclass(frozen=True)
class BenchPath:
    """A way to run flows, and what must be open while (and only while) its flows run."""

    name: str
    flow: Flow
    during: Callable[[], AbstractAsyncContextManager[object]] = contextlib.nullcontext


def bench(
    flows: int = typer.Option(20, metavar="N", min=1, help="full flows per path (after one warm-up flow)"),
    concurrency: int = typer.Option(8, metavar="N", min=1, help="flows in flight at once (8 keeps both cores busy)"),
    issuances: int = typer.Option(30, metavar="N", min=1, help="revocable credentials issued to one patient"),
    issuance_concurrency: int = typer.Option(
        10, metavar="N", min=1, help="issuances in flight at once (ACA-Py's demo: 10)"
    ),
    patch_off: Annotated[
        list[str] | None, typer.Option(metavar="PATCH", help="a plugin patch left off (repeatable)")
    ] = None,
    cards: int = typer.Option(2000, metavar="N", min=1, help="SMART Health Cards issued, then verified, here"),
) -> None:
    """Measure full flows (connect, issue, verify) with and without the controllers, and issuance alone."""
    from stack.network import MedcredNetwork, throwaway_issuer

    try:
        patches = Patches.off_only(patch_off or [])
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--patch-off") from exc

    async def job() -> None:
        load = os.getloadavg()[0]  # before our own network adds to it
        with tempfile.TemporaryDirectory(prefix="medcred-bench-") as home:
            async with MedcredNetwork(
                Path(home), progress=console.progress, patches=patches, issuer=throwaway_issuer()
            ) as network:
                lines = await _measure(network, flows, concurrency, issuances, issuance_concurrency, load)
                console.progress("stopping the network")
        console.progress(f"SMART Health Cards: {cards} issued, then verified")
        lines += ["", *await card_lines(cards)]
        typer.echo("")
        for line in lines:
            typer.echo(line)

    console.run(job)


async def _timed(
    name: str, flow: Flow, count: int, concurrency: int, meter: CpuMeter, *, warm_up: bool = True
) -> tuple[Batch, list[str]]:
    """One warm-up flow (not counted), then the batch, with the CPU it used per flow."""
    path = BenchPath(name, flow)
    ((batch, lines),) = await _alternating([path], count, concurrency, meter, rounds=1, warm_up=warm_up)
    return batch, lines


async def _alternating(
    paths: list[BenchPath],
    count: int,
    concurrency: int,
    meter: CpuMeter,
    *,
    rounds: int,
    warm_up: bool = True,
) -> list[tuple[Batch, list[str]]]:
    """Each path's `count` flows in `rounds` rounds, the paths taking turns (first one, then the other
    leading), so that a machine whose speed drifts (a VM's neighbours) weighs on every path alike.
    Per path: one warm-up flow first (not counted), then its rounds' flows, wall time and CPU summed."""
    if warm_up:
        for path in paths:
            console.progress(f"{path.name}: warm-up flow")
            async with path.during():
                await path.flow(-1, Laps())
    totals = {path.name: (Batch(path.name), dict[str, float]()) for path in paths}
    shares = [count // rounds + (1 if r < count % rounds else 0) for r in range(rounds)]
    for number, share in enumerate(shares):
        for path in paths if number % 2 == 0 else paths[::-1]:
            console.progress(
                f"{path.name}: {share} runs, {concurrency} at a time"
                + (f" (round {number + 1}/{rounds})" if rounds > 1 else "")
            )
            before = meter.sample()
            async with path.during():
                batch = await run_batch(path.name, path.flow, share, concurrency, console.progress)
            used = CpuMeter.since(before, meter.sample())
            total, cpu = totals[path.name]
            total.extend(batch)
            for group, seconds in used.items():
                cpu[group] = cpu.get(group, 0.0) + seconds
    cores = os.cpu_count() or 1
    return [(batch, cpu_lines(cpu, batch.completed, cores, batch.wall)) for batch, cpu in totals.values()]


async def _measure(
    network: MedcredNetwork, flows: int, concurrency: int, issuances: int, issuance_concurrency: int, load: float
) -> list[str]:
    from agents.admin import AdminClient
    from stack.bench.agent_events import AgentEvents
    from stack.bench.controller_flows import ControllerFlows
    from stack.bench.direct_flows import Agent, DirectFlows

    cores = os.cpu_count() or 1
    meter = CpuMeter({f"{role.name} agent": role.agent.pid for role in network.roles})
    async with httpx.AsyncClient(timeout=90) as http:
        staff = network.staff_clients(http)
        hospital, wallets, clinic = staff.hospital, staff.wallets, staff.clinic
        through = ControllerFlows(http, hospital, wallets, clinic, network.holder.url)
        hospital_identity = await hospital.call("GET", "/issuer")
        cred_def_id = hospital_identity["credential_definitions"]["vaccination"]
        issuer_nym = IndyDid(str(hospital_identity["did"]))  # restrictions take a bare nym
        async with contextlib.AsyncExitStack() as stack:
            issuer, holder, verifier = [
                Agent(await stack.enter_async_context(AdminClient(c.admin_url, c.admin_api_key, timeout=60)),
                      AgentEvents(c.admin_url, c.admin_api_key))
                for c in (role.agent.config for role in network.roles)
            ]  # fmt: skip
            straight = DirectFlows(
                issuer, holder, verifier, cred_def_id=cred_def_id, issuer_did=issuer_nym,
                wallet_label=network.holder.settings.label, verifier_label=network.verifier.settings.label,
            )  # fmt: skip
            (controllers, controllers_cpu), (direct, direct_cpu) = await _alternating(
                [BenchPath("controllers", through.flow), BenchPath("direct", straight.flow, straight.listening)],
                flows,
                concurrency,
                meter,
                rounds=min(ROUNDS, flows),
            )

        console.progress("issuance: connecting one patient")
        to_one = await through.issuer_of(f"bench-issuance-{os.getpid()}")
        issued, issued_cpu = await _timed(
            "issuance", to_one.flow, issuances, issuance_concurrency, meter, warm_up=False
        )
        pages = await page_lines(network, http, PAGE_LOADS)

    return [
        f"medcred bench: {flows} flows per path at concurrency {concurrency} (+1 warm-up each, the paths taking "
        f"turns in {min(ROUNDS, flows)} rounds), {issuances} issuances at concurrency {issuance_concurrency}",
        f"CPU: {cores} cores (os.cpu_count()), shared by 4 validators, 3 agents, the controllers and this client "
        f"(one process); load average {load:.2f} before the network started",
        f"ACA-Py plugin patches (agents/acapy_plugin/switches.py): {network.issuer.agent.config.patches.summary()}",
        "",
        *batch_lines(controllers, "Through the controllers"),
        *controllers_cpu,
        "",
        *batch_lines(direct, "Straight through the ACA-Py admin APIs"),
        *direct_cpu,
        "",
        *batch_lines(issued, "Revocable issuance through the controllers, one patient", unit="credentials"),
        *(line.replace("s/flow", "s/credential") for line in issued_cpu),
        "",
        *_comparison(controllers, direct, issued),
        "",
        *pages,
    ]


def _comparison(controllers: Batch, direct: Batch, issued: Batch) -> list[str]:
    if not controllers.completed or not direct.completed:
        return ["Comparison: not possible, a path completed no flow"]
    ours, theirs = percentile(controllers.samples[FLOW], 50), percentile(direct.samples[FLOW], 50)
    by_latency = overhead(ours, theirs)
    by_rate = overhead(controllers.rate, direct.rate, higher_is_better=True)
    clean = not controllers.failures and not direct.failures and not issued.failures
    return [
        "Comparison with the targets" + ("" if clean else " (some flows FAILED: see above)"),
        target_line("full flows/s through the controllers", f"{controllers.rate:.2f}/s",
                    controllers.rate >= FLOWS_PER_S_TARGET, f">= {FLOWS_PER_S_TARGET:g}/s"),
        target_line("revocable credentials issued/s", f"{issued.rate:.2f}/s",
                    issued.rate >= CREDENTIALS_PER_S_TARGET, f">= {CREDENTIALS_PER_S_TARGET:g}/s"),
        target_line("controller overhead, flow p50", f"{by_latency:+.1f}% ({ours:.2f} s vs {theirs:.2f} s)",
                    by_latency <= OVERHEAD_PERCENT_TARGET, f"<= {OVERHEAD_PERCENT_TARGET:g}%"),
        target_line("controller overhead, flows/s", f"{by_rate:+.1f}% ({controllers.rate:.2f} vs {direct.rate:.2f})",
                    by_rate <= OVERHEAD_PERCENT_TARGET, f"<= {OVERHEAD_PERCENT_TARGET:g}%"),
        "  (steps differ in one place: through the controllers, the end of the DID Exchange is waited for in",
        "   'issue'; straight on the agents, in 'connect'. The whole flows compare like for like.)",
    ]  # fmt: skip

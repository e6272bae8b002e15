"""`medcred ledger bench`: pool start time, NYM write latency and read latency, as medians.

Runs on a throwaway pool in a temporary folder (the ports must be free), so it never touches the
data folder. Targets on a 2-core machine: ready < 8 s, writes < 150 ms, reads < 20 ms (medians).
"""

from __future__ import annotations

import secrets
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import typer

from ledger.client import LedgerClient
from ledger.identity import Role, Signer
from ledger.network import LedgerNetwork
from ledger.settings import LedgerSettings
from ledger.tails import TailsSettings
from ledger.trustee import trustee_signer
from medcred import console
from medcred.errors import LedgerError


def _summary(name: str, samples: list[float], target: float | None = None, unit: str = "ms") -> str:
    scale = 1000 if unit == "ms" else 1
    median = statistics.median(samples) * scale
    line = (f"{name:<28} median {median:8.1f} {unit}   min {min(samples) * scale:8.1f}   "
            f"max {max(samples) * scale:8.1f}   n={len(samples)}")
    if target is not None:
        line += f"   target < {target:g} {unit}: {'met' if median < target else 'MISSED'}"
    return line


def bench(
    starts: int = typer.Option(3, metavar="N", help="pool start/stop cycles"),
    writes: int = typer.Option(30, metavar="N", help="back-to-back NYM writes"),
    reads: int = typer.Option(200, metavar="N", help="NYM reads"),
) -> None:
    """Measure the local pool: start time, write latency, read latency (medians)."""

    async def job() -> None:
        with tempfile.TemporaryDirectory(prefix="medcred-bench-") as tmp:
            settings = LedgerSettings(data_dir=Path(tmp) / "ledger")
            tails = TailsSettings(storage_dir=Path(tmp) / "tails")
            start_times: list[float] = []
            network = LedgerNetwork(settings, tails)
            for cycle in range(starts):
                console.progress(f"start {cycle + 1}/{starts}")
                await network.start()
                assert network.pool_start_seconds is not None
                start_times.append(network.pool_start_seconds)
                if cycle < starts - 1:
                    await network.stop()
            try:
                write_times, http_times, read_times = await _measure(network, writes, reads)
            finally:
                await network.stop()
        typer.echo("")
        typer.echo(_summary("pool ready (first: create)", start_times[:1], 8, "s"))
        if len(start_times) > 1:
            typer.echo(_summary("pool ready (restart)", start_times[1:], 8, "s"))
        typer.echo(_summary("NYM write (indy-vdr)", write_times, 150))
        typer.echo(_summary("NYM write (POST /register)", http_times, 150))
        typer.echo(_summary("NYM read (indy-vdr)", read_times, 20))

    console.run(job)


async def _measure(network: LedgerNetwork, writes: int, reads: int) -> tuple[list[float], list[float], list[float]]:
    settings = network.settings
    trustee = trustee_signer(settings.trustee_seed, network.pool.genesis)
    client = await LedgerClient.open(network.pool.genesis_path, trustee)
    dids: list[str] = []
    write_times, http_times, read_times = [], [], []
    try:
        console.progress(f"{writes} NYM writes through indy-vdr")
        for _ in range(writes):
            signer = Signer.from_seed(secrets.token_bytes(32))
            began = time.perf_counter()
            await client.register_nym(signer.did, signer.verkey, None, Role.NONE)
            write_times.append(time.perf_counter() - began)
            dids.append(signer.did)
        console.progress(f"{writes} NYM writes through POST /register")
        headers = {"X-API-Key": network.register_key()}
        async with httpx.AsyncClient(base_url=settings.web_url, headers=headers, timeout=30) as http:
            for _ in range(writes):
                signer = Signer.from_seed(secrets.token_bytes(32))
                began = time.perf_counter()
                response = await http.post("/register", json={"did": signer.did, "verkey": signer.verkey})
                response.raise_for_status()
                http_times.append(time.perf_counter() - began)
        console.progress(f"{reads} NYM reads")
        for i in range(reads):
            began = time.perf_counter()
            if await client.get_nym(dids[i % len(dids)], attempts=1) is None:
                raise LedgerError("a NYM written before was not found")
            read_times.append(time.perf_counter() - began)
    finally:
        client.close()
    return write_times, http_times, read_times

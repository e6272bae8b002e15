"""`medcred audit bench`: appends/s without and with the anchorer, ledger writes per 1000 events.

Logs live in a throwaway folder. The anchored runs use the ledger of MEDCRED_HOME when it is running
(its web server answers and its genesis and /register key are there), else a pool started in the
throwaway folder (ports from MEDCRED_LEDGER_* / MEDCRED_TAILS_*, as `medcred ledger bench`).
Target on a 2-core machine: at least 5,000 appends/s with the anchorer running.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import typer

from audit.anchor import Anchorer, AnchorSettings
from audit.identity import ensure_anchor_identity
from audit.log import AuditLog
from audit.log_files import FileAuditLog
from audit.verify import verify_log
from ledger.client import LedgerClient
from ledger.identity import Signer
from ledger.network import LedgerNetwork
from ledger.settings import LedgerSettings
from ledger.tails import TailsSettings
from ledger.trustee import trustee_signer
from medcred import console
from medcred.processes import port_is_open

__all__ = ["bench"]

APPENDS_PER_S_TARGET = 5000
Ledger = tuple[LedgerClient, str, str]  # client, register URL, register key
DETAILS = {"credential_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "type": "vaccination", "state": "issued"}


def _append(log: AuditLog, count: int) -> float:
    """Append `count` events; the seconds it took."""
    began = time.perf_counter()
    for i in range(count):
        log.append("credential.issued", subject=f"patient-{i % 500}", details=DETAILS)
    return time.perf_counter() - began


async def _append_on_loop(log: AuditLog, count: int, chunk: int = 100) -> float:
    """As a controller would: on the event loop, yielding to other tasks every `chunk` appends."""
    began = time.perf_counter()
    for start in range(0, count, chunk):
        for i in range(start, min(start + chunk, count)):
            log.append("credential.issued", subject=f"patient-{i % 500}", details=DETAILS)
        await asyncio.sleep(0)
    return time.perf_counter() - began


@contextlib.asynccontextmanager
async def _ledger(tmp: Path) -> AsyncIterator[Ledger]:
    """(client, register URL, register key) of the running ledger, or of one started in `tmp`."""
    settings = LedgerSettings()
    network = LedgerNetwork(settings, TailsSettings())
    key_file = settings.folder() / "secrets" / "ledger_api_key"
    running = port_is_open(settings.host, settings.web_port) and network.pool.genesis_path.exists()
    if running and (settings.api_key is not None or key_file.exists()):
        console.progress(f"using the running ledger at {settings.web_url}")
        started = False
    else:
        settings = LedgerSettings(data_dir=tmp / "ledger")
        network = LedgerNetwork(settings, TailsSettings(storage_dir=tmp / "tails"), console.progress)
        await network.start()
        started = True
    trustee = trustee_signer(settings.trustee_seed, network.pool.genesis)
    try:
        client = await LedgerClient.open(network.pool.genesis_path, trustee)
        try:
            yield client, f"{settings.web_url}/register", network.register_key()
        finally:
            client.close()
    finally:
        if started:
            console.progress("stopping the ledger")
            await network.stop()


@contextlib.asynccontextmanager
async def _anchorer(folder: Path, ledger: Ledger, settings: AnchorSettings) -> AsyncIterator[tuple[AuditLog, Anchorer]]:
    """A fresh log with its own DID (registered), and its anchorer started; stopped and closed after."""
    client, register_url, register_key = ledger
    signer = Signer.from_seed(secrets.token_bytes(32))
    await ensure_anchor_identity(client, signer, register_url, register_key, service="bench")
    log = FileAuditLog(folder, "bench")
    anchorer = Anchorer(log, client, signer, settings)
    await anchorer.start()
    try:
        yield log, anchorer
    finally:
        await anchorer.stop()
        log.close()


async def _anchored_run(
    name: str, folder: Path, ledger: Ledger, settings: AnchorSettings, events: int, on_loop: bool
) -> list[str]:
    async with _anchorer(folder, ledger, settings) as (log, anchorer):
        mode = "on the event loop" if on_loop else "from a thread"
        console.progress(f"{name}: {events} appends {mode} with the anchorer running")
        seconds = await (_append_on_loop(log, events) if on_loop else asyncio.to_thread(_append, log, events))
        backlog, _ = log.due()
        during = anchorer.writes
        began = time.perf_counter()
    drained = time.perf_counter() - began
    report = await verify_log(folder, "bench", ledger[0])
    rate = events / seconds
    return [
        f"{name:<36} {rate:10,.0f} appends/s   target >= {APPENDS_PER_S_TARGET:,}: "
        f"{'met' if rate >= APPENDS_PER_S_TARGET else 'MISSED'}",
        f"    {during} ledger writes while appending; then {backlog:,} entries pending, anchored by stop() "
        f"in {drained:.2f} s",
        f"    {anchorer.writes * 1000 / events:.2f} ledger writes per 1000 events (batch_size {settings.batch_size}); "
        f"verify_log: {'OK' if report.ok else report.problem}, {report.anchors_checked} anchors checked",
    ]


async def _paced_run(folder: Path, ledger: Ledger, settings: AnchorSettings, rate: int, seconds: float) -> str:
    count = int(rate * seconds)
    async with _anchorer(folder, ledger, settings) as (log, anchorer):
        console.progress(f"paced: {count} appends at {rate}/s on the event loop")
        began = time.perf_counter()
        for i in range(count):
            log.append("presentation.verified", subject=f"patient-{i % 500}", details=DETAILS)
            await asyncio.sleep(max(began + (i + 1) / rate - time.perf_counter(), 0))
    return (f"{f'paced, {rate} events/s on the loop':<36} {anchorer.writes * 1000 / count:10.2f} ledger writes "
            f"per 1000 events ({anchorer.writes} for {count:,}; batch_size {settings.batch_size}, "
            f"max_wait {settings.max_wait:g} s)")


async def _write_latency(ledger: Ledger, count: int = 10) -> str:
    client, register_url, register_key = ledger
    signer = Signer.from_seed(secrets.token_bytes(32))
    await ensure_anchor_identity(client, signer, register_url, register_key, service="bench-probe")
    writes = []
    for _ in range(count):
        began = time.perf_counter()
        await client.write_attrib(signer, '{"medcred_audit":{"service":"bench-probe"}}')
        writes.append(time.perf_counter() - began)
    return (f"{'ATTRIB write (one anchor)':<36} median {statistics.median(writes) * 1000:.0f} ms"
            f"   min {min(writes) * 1000:.0f}   max {max(writes) * 1000:.0f}   n={count}")


def bench(
    events: int = typer.Option(50_000, metavar="N", min=1000, help="appends per full-speed run"),
    batch_size: int = typer.Option(256, metavar="N", min=1, help="the anchorer's batch size"),
    rate: int = typer.Option(200, metavar="N", min=1, help="events/s of the paced run"),
    seconds: float = typer.Option(10.0, metavar="SECONDS", min=1, help="length of the paced run"),
) -> None:
    """Measure appends/s without and with the anchorer, and ledger writes per 1000 events."""

    async def job() -> None:
        lines: list[str] = []
        settings = AnchorSettings(batch_size=batch_size)
        with tempfile.TemporaryDirectory(prefix="medcred-audit-bench-") as tmp:
            folder = Path(tmp)
            console.progress(f"{events} appends without an anchorer")
            plain = FileAuditLog(folder / "plain", "bench")
            rate_plain = events / _append(plain, events)
            plain.close()
            lines.append(f"{'no anchorer':<36} {rate_plain:10,.0f} appends/s")
            async with _ledger(folder) as ledger:
                lines += await _anchored_run("anchorer, appends from a thread", folder / "thread", ledger,
                                             settings, events, on_loop=False)
                lines += await _anchored_run("anchorer, appends on the event loop", folder / "loop", ledger,
                                             settings, events, on_loop=True)
                lines.append(await _paced_run(folder / "paced", ledger, settings, rate, seconds))
                lines.append(await _write_latency(ledger))
        typer.echo("")
        for line in lines:
            typer.echo(line)

    console.run(job)

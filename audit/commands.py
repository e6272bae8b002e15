"""`medcred audit ...`: verify the services' audit logs (and their anchors), measure the audit trail.

Each service keeps its log in `<MEDCRED_HOME>/<service>/audit/`, or with a database (MEDCRED_DATABASE_URL,
or the private cluster of `medcred up --postgres`) in its tables: those are exported to files and verified
as file logs are. Anchors are checked on the pool whose genesis is
`<MEDCRED_HOME>/ledger/pool/genesis/<network>/pool_transactions_genesis` when it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from audit.bench import bench
from audit.files import ENTRIES
from audit.verify import VerifyReport, verify_log
from ledger.client import LedgerClient, LedgerName
from ledger.help import data_folder, ledger_ports
from ledger.identity import Signer
from ledger.pool import LocalPool
from ledger.settings import LedgerSettings
from medcred import console
from medcred.console import settings_epilog
from medcred.database import Database
from medcred.errors import ConfigurationError, LedgerError
from medcred.settings import HomeSettings

__all__ = ["app"]

app = console.commands("The audit trail: hash-chained logs of every service, anchored on the ledger.")
# The benchmark uses the running ledger when there is one (its data folder's), else one of its own.
app.command(epilog=settings_epilog(data_folder() + ledger_ports()))(bench)

_LEDGER_TIMEOUT = 10.0


def service_folders(home: Path, service: str | None) -> list[tuple[str, Path]]:
    """(service, its audit folder) for one service, or for every folder of home that holds a log."""
    if service is not None:
        return [(service, home / service / "audit")]
    return [(path.parent.parent.name, path.parent) for path in sorted(home.glob(f"*/audit/{ENTRIES}"))]


@contextlib.contextmanager
def exported_logs(home: Path, service: str | None) -> Iterator[tuple[list[tuple[str, Path]], str | None, bool]]:
    """The database's logs exported to a temporary folder: ([(service, folder)], a note, whether that is a problem).

    The database is MEDCRED_DATABASE_URL's, else the private cluster's of `medcred up --postgres` if this
    data folder ever had one (not answering is then only a note: the network may run on SQLite now).
    """
    settings = HomeSettings()
    configured = settings.database_url is not None
    database = Database.parse(settings.database_url) if settings.database_url else Database.private(
        home, settings.postgres_port)  # fmt: skip
    if database is None:
        yield [], None, False
        return
    from audit.log_postgres import TableAuditLog, logged_services
    from medcred.schema import open_pool

    try:
        pool = open_pool(database, name="audit-verify", timeout=5.0)
    except ConfigurationError as exc:
        yield [], f"audit logs in the database were not checked: {exc}", configured
        return
    try:
        with tempfile.TemporaryDirectory(prefix="medcred-audit-") as scratch:
            found = []
            for name in [service] if service is not None else logged_services(pool):
                log = TableAuditLog(pool, name, owns_pool=False)
                if log.last_seq:
                    found.append((name, log.export(Path(scratch) / name)))
            yield found, None, False
    finally:
        pool.close()


async def open_ledger(home: Path) -> tuple[LedgerClient | None, str]:
    """A client of the home's pool if it answers, else None and why anchors cannot be checked."""
    genesis = LocalPool(LedgerSettings(data_dir=home / "ledger")).genesis_path
    if not genesis.exists():
        return None, f"anchors were not checked: there is no ledger in {home / 'ledger'}"
    reader = Signer.from_seed(secrets.token_bytes(32))  # reads are unsigned; the client wants a key anyway
    client: LedgerClient | None = None
    try:
        client = await asyncio.wait_for(LedgerClient.open(genesis, reader), _LEDGER_TIMEOUT)
        await asyncio.wait_for(client.get_txn(LedgerName.POOL, 1), _LEDGER_TIMEOUT)
    except (LedgerError, TimeoutError):
        if client is not None:
            client.close()
        return None, "anchors were not checked: the ledger does not answer (start it with `medcred ledger up`)"
    return client, "anchors checked on the ledger"


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _summary(report: VerifyReport, anchors: bool) -> str:
    counts = f"{_count(report.entries, 'entry', 'entries')}, {_count(report.batches, 'batch', 'batches')}"
    return counts + (f", {_count(report.anchors_checked, 'anchor', 'anchors')} checked" if anchors else "")


@app.command(epilog=settings_epilog(data_folder() + ledger_ports()[:4]))
def verify(
    service: Annotated[
        str | None, typer.Option(metavar="SERVICE", help="only this service's log (default: every log found)")
    ] = None,
    home: Annotated[Path | None, typer.Option(metavar="FOLDER", help="the data folder (default: MEDCRED_HOME)")] = None,
) -> None:
    """Check each audit log's chain, batches and anchors; exit 1 at the first problem of any log."""

    async def job() -> int:
        root = (home or HomeSettings().home).expanduser().resolve()
        with exported_logs(root, service) as (tables, database_note, database_problem):
            if database_note:
                typer.secho(database_note, fg=typer.colors.RED if database_problem else typer.colors.YELLOW)
            files = [(name, name, folder) for name, folder in service_folders(root, service)]
            if service is not None and tables and not (files[0][2] / ENTRIES).exists():
                files = []  # that service's log is in the database only
            logs = files + [(f"{name} (database)", name, folder) for name, folder in tables]
            if not logs:  # nothing verified: a failure if a database that may hold logs did not answer
                typer.echo(f"no audit logs under {root}")
                return 1 if database_note else 0
            return await _verify_all(root, logs) or (1 if database_problem else 0)

    console.run(job)


async def _verify_all(root: Path, logs: list[tuple[str, str, Path]]) -> int:
    """Verify each (label, service, folder) and print a line for it, then how anchors were checked: 1 at a problem."""
    client, note = await open_ledger(root)
    problems = 0
    try:
        for label, name, folder in logs:
            report = await verify_log(folder, name, client)
            if report.ok:
                typer.echo(f"{label}: OK - {_summary(report, client is not None)}")
            else:
                problems += 1
                typer.secho(f"{label}: PROBLEM - {report.problem}", fg=typer.colors.RED)
    finally:
        if client is not None:
            client.close()
    typer.echo(note)
    return 1 if problems else 0

"""`medcred ledger ...`: run the ledger in the foreground, report its status, reset it."""

from __future__ import annotations

import shutil

import httpx
import typer

from ledger.help import data_folder, ledger_keys, ledger_ports
from ledger.network import LedgerNetwork
from ledger.settings import LedgerSettings
from ledger.tails import TailsSettings
from medcred import console
from medcred.console import env_setting, settings_epilog
from medcred.processes import port_is_open
from medcred.settings import writable_data_home

app = console.commands("The local Indy ledger: 4 validators, the ledger web server, the tails server.")


@app.command(epilog=settings_epilog(data_folder() + ledger_ports() + ledger_keys()))
def up() -> None:
    """Start the pool, the ledger web server (:9000) and the tails server (:6543); Ctrl-C stops all."""

    async def job() -> None:
        writable_data_home()
        async with LedgerNetwork(LedgerSettings(), TailsSettings(), console.progress) as network:
            typer.echo(f"genesis:        {network.genesis_url}")
            typer.echo(f"ledger browser: {network.settings.web_url}/ledger/domain?format=html")
            typer.echo(f"tails server:   {network.tails_url}")
            for node in network.pool.nodes:
                typer.echo(f"validator:      {node.name} on {node.host}:{node.node_port} (clients :{node.client_port})")
            typer.echo(f"/register key:  {network.settings.folder() / 'secrets' / 'ledger_api_key'}")
            typer.echo("Ctrl-C stops everything.")
            await console.until_interrupted()
            console.progress("stopping")

    console.run(job)


@app.command(epilog=settings_epilog(ledger_ports()[:1] + ledger_ports()[3:4]))
def status() -> None:
    """Ask the running ledger web server how the pool is."""
    settings = LedgerSettings()
    try:
        response = httpx.get(f"{settings.web_url}/status", timeout=15)
    except httpx.HTTPError:
        typer.echo(f"the ledger is not running (nothing answers on {settings.web_url})")
        raise typer.Exit(1) from None
    body = response.json()
    typer.echo(f"pool ready: {body['ready']}")
    for validator in body["validators"]:
        detail = validator.get("mode") or validator.get("problem")
        typer.echo(f"  {validator['name']}: {'ready' if validator['ready'] else 'NOT ready'} ({detail})")
    raise typer.Exit(0 if body["ready"] else 1)


@app.command(epilog=settings_epilog([
    *data_folder(), env_setting(LedgerSettings, "data_dir", "the pool's folder", "MEDCRED_HOME/ledger"),
    env_setting(TailsSettings, "storage_dir", "the tails files' folder", "MEDCRED_HOME/tails"),
    *ledger_ports()[:4],
]))  # fmt: skip
def reset(yes: bool = typer.Option(False, "--yes", "-y", help="do not ask")) -> None:
    """Delete the pool and all it holds (ledgers, keys, tails files). Asks first."""
    settings = LedgerSettings()
    folder = settings.folder()
    if port_is_open(settings.host, settings.base_port + 2) or port_is_open(settings.host, settings.web_port):
        typer.echo("the ledger is running: stop it first")
        raise typer.Exit(1)
    tails = TailsSettings().resolved_storage_dir()
    targets = [path for path in (folder, tails) if path.exists()]
    if not targets:
        typer.echo("nothing to delete")
        return
    if not yes and not typer.confirm(f"Delete {' and '.join(map(str, targets))}? Everything on the ledger is lost"):
        raise typer.Abort()
    for path in targets:
        shutil.rmtree(path)
    typer.echo("deleted")

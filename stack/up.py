"""`medcred up`: the whole network in the foreground until Ctrl-C."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from medcred import console
from medcred.settings import HomeSettings, writable_data_home

if TYPE_CHECKING:
    from stack.network import MedcredNetwork


def web_apps(network: MedcredNetwork) -> None:
    """Print where the three web apps are, and what each signs in with."""
    typer.echo("")
    typer.echo("Web apps (open them in a browser):")
    for role in network.roles:
        name, url = role.web_app
        if role.name == "holder":
            how = "a patient signs in with their token (POST /patients on the holder API makes one)"
        else:
            how = f"staff sign in with the key in {role.settings.secret_path('api_key')}"
        typer.echo(f"  {name + ':':<29} {url}  {how}")


def up(
    genesis_url: Annotated[str | None, typer.Option(
        "--genesis-url", metavar="URL|FILE",
        help="join this Indy network (its genesis URL or file) instead of starting the embedded pool; the DID "
             "that registers ours: MEDCRED_LEDGER_ENDORSER_SEED",
    )] = None,
    postgres: Annotated[bool, typer.Option(
        "--postgres", help="the wallets in a private PostgreSQL cluster made from this machine's binaries "
                           "(port MEDCRED_POSTGRES_PORT, 5433), started first and stopped on Ctrl-C",
    )] = False,
    instances: Annotated[int, typer.Option(
        "--instances", metavar="N",
        help="run each controller as N processes (1 to 8) behind one address per role (a reverse proxy: nginx); the "
             "instances share their records through PostgreSQL, so this needs --postgres or MEDCRED_DATABASE_URL",
    )] = 1,
) -> None:
    """Start ledger, tails server, three agents and three controllers in order; Ctrl-C stops all.

    Data stays in MEDCRED_HOME, so running it again resumes where it stopped. API keys not given in the
    environment are generated into the data folder; their files are printed below.
    """

    from stack.network import MedcredNetwork
    from stack.postgres import PrivateCluster

    async def job() -> None:
        home = writable_data_home()
        cluster = PrivateCluster.for_home(home, HomeSettings().postgres_port) if postgres else None
        network = MedcredNetwork(home, progress=console.progress, genesis=genesis_url, postgres=cluster,
                                 instances=instances)
        async with network:
            typer.echo("")
            if network.genesis_source is not None:
                typer.echo(f"ledger:   the Indy network of {network.genesis_source} (no validators here)")
            else:
                typer.echo(f"ledger:   {network.ledger.settings.web_url}  (genesis: {network.ledger.genesis_url})")
            typer.echo(f"tails:    {network.ledger.tails_url}")
            for role in network.roles:
                key_file = role.settings.secret_path("api_key")
                typer.echo(f"{role.name + ':':<9} {role.url}  API docs {role.url}/docs  X-API-Key in {key_file}")
            web_apps(network)
            typer.echo("Ctrl-C stops everything.")
            await console.until_interrupted()
            console.progress("stopping")

    console.run(job)

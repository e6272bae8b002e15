"""`medcred up`: the whole network in the foreground until Ctrl-C."""

from __future__ import annotations

import typer

from medcred import console
from medcred.settings import writable_data_home


def up() -> None:
    """Start ledger, tails server, three agents and three controllers in order; Ctrl-C stops all.

    Data stays in MEDCRED_HOME, so running it again resumes where it stopped. API keys not given in the
    environment are generated into the data folder; their files are printed below.
    """

    from stack.network import MedcredNetwork

    async def job() -> None:
        network = MedcredNetwork(writable_data_home(), progress=console.progress)
        async with network:
            typer.echo("")
            typer.echo(f"ledger:   {network.ledger.settings.web_url}  (genesis: {network.ledger.genesis_url})")
            typer.echo(f"tails:    {network.ledger.tails_url}")
            for role in network.roles:
                key_file = role.settings.secret_path("api_key")
                typer.echo(f"{role.name + ':':<9} {role.url}  API docs {role.url}/docs  X-API-Key in {key_file}")
            typer.echo("Ctrl-C stops everything.")
            await console.until_interrupted()
            console.progress("stopping")

    console.run(job)

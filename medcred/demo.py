"""`medcred demo` (`make demo`): the network on the embedded defaults, shown end to end.

Today: bring the ledger up, register a DID through the ledger's web server, read it back from the
pool, print what happened, stop.
"""

from __future__ import annotations

import secrets

import httpx
import typer

from ledger.client import LedgerClient
from ledger.identity import Signer, normalise_seed
from ledger.network import LedgerNetwork
from ledger.settings import LedgerSettings
from ledger.tails import TailsSettings
from medcred import console
from medcred.errors import LedgerError


def demo() -> None:
    """Run the scripted scenario on the local network and print what each party saw."""

    async def job() -> None:
        settings = LedgerSettings()
        async with LedgerNetwork(settings, TailsSettings(), console.progress) as network:
            seed = secrets.token_hex(16)
            console.progress("registering a new DID through POST /register")
            async with httpx.AsyncClient(base_url=settings.web_url, timeout=30) as http:
                response = await http.post(
                    "/register", json={"seed": seed, "alias": "medcred demo", "role": "ENDORSER"},
                    headers={"X-API-Key": network.register_key()},
                )
                response.raise_for_status()
                registered = response.json()
                status = (await http.get("/status")).json()
            console.progress("reading it back from the pool through indy-vdr")
            trustee = Signer.from_seed(normalise_seed(settings.trustee_seed.get_secret_value()))
            client = await LedgerClient.open(network.pool.genesis_path, trustee)
            try:
                nym = await client.get_nym(registered["did"])
            finally:
                client.close()
            if nym is None or nym.get("verkey") != registered["verkey"]:
                raise LedgerError("the DID just written was not read back with its verkey")
            typer.echo("")
            typer.echo(f"pool ready: {status['ready']} ({', '.join(v['name'] for v in status['validators'])})")
            typer.echo(f"registered DID {registered['did']} as ENDORSER at domain ledger #{registered['seq_no']}")
            typer.echo(f"read back: verkey matches, role {nym.get('role')} (101 = ENDORSER), "
                       f"written by trustee {nym['identifier']}")
            typer.echo(f"see it at {settings.web_url}/ledger/domain/{registered['seq_no']}?format=html")
            console.progress("stopping")

    console.run(job)

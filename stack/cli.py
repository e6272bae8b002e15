"""The `medcred` command. Each group lives beside the code it drives; this file only assembles them."""

from __future__ import annotations

import logging

import typer

from audit.commands import app as audit_app
from ledger.bench import bench as ledger_bench
from ledger.commands import app as ledger_app
from medcred.settings import owner_only_files
from stack.bench import bench
from stack.bench.records import app as records_app
from stack.demo import demo
from stack.up import up

app = typer.Typer(
    help="medcred: patient-controlled health credentials on a local Hyperledger Indy ledger.\n\n"
    "Data lives in MEDCRED_HOME (default ./.medcred).",
    no_args_is_help=True,
)
app.add_typer(ledger_app, name="ledger")
app.add_typer(audit_app, name="audit")
app.add_typer(records_app, name="records")
ledger_app.command("bench")(ledger_bench)
app.command()(up)
app.command()(demo)
app.command()(bench)


def main() -> None:
    owner_only_files()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()

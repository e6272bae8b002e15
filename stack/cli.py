"""The `medcred` command. Each group lives beside the code it drives; this file only assembles them."""

from __future__ import annotations

import logging

from audit.commands import app as audit_app
from ledger.bench import bench as ledger_bench
from ledger.commands import app as ledger_app
from ledger.help import ledger_ports
from medcred import console
from medcred.console import settings_epilog
from medcred.settings import owner_only_files
from stack.bench import bench
from stack.bench.pages import app as pages_app
from stack.bench.records import app as records_app
from stack.bench.scale import app as scale_app
from stack.demo import demo
from stack.help import data_folder, network_endpoints, network_keys, network_ports, restarts
from stack.up import up

app = console.commands(
    "medcred: patient-controlled health credentials on a local Hyperledger Indy ledger.\n\n"
    "Data lives in MEDCRED_HOME (default ./.medcred). `medcred COMMAND --help` lists the settings of each.",
)
app.add_typer(ledger_app, name="ledger")
app.add_typer(audit_app, name="audit")
app.add_typer(records_app, name="records")
app.add_typer(pages_app, name="pages")
app.add_typer(scale_app, name="scale")
# A throwaway network (demo, benchmarks) runs in a temporary folder, on the ports of the environment.
_THROWAWAY = settings_epilog(network_ports())
ledger_app.command("bench", epilog=settings_epilog(ledger_ports()))(ledger_bench)
_UP = settings_epilog(data_folder() + network_ports() + network_endpoints() + network_keys() + restarts())
app.command(epilog=_UP)(up)
app.command(epilog=_THROWAWAY)(demo)
app.command(epilog=_THROWAWAY)(bench)


def main() -> None:
    owner_only_files()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()

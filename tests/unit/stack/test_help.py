"""`--help` of every `medcred` command: flags read as flags, options name their value, and an epilog lists
the environment variables that steer the command, each a real setting shown with its default."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from holder import HolderSettings
from issuer import IssuerSettings
from ledger.settings import LedgerSettings
from ledger.tails import TailsSettings
from medcred.settings import HomeSettings
from medcred.supervisor import RestartPolicy
from stack.cli import app
from verifier import VerifierSettings

ROLES: tuple[type[BaseSettings], ...] = (IssuerSettings, HolderSettings, VerifierSettings)
KINDS: tuple[type[BaseSettings], ...] = (HomeSettings, LedgerSettings, TailsSettings, RestartPolicy, *ROLES)
ROW = re.compile(r"^\s{2,}(MEDCRED_[A-Z0-9_]+)\s+(\S.*?)(?:\s{2,}(.*))?$")


def variables() -> dict[str, tuple[type[BaseSettings], str]]:
    """Every environment variable of medcred's settings classes: (its class, its field)."""
    return {f"{kind.model_config.get('env_prefix', '')}{field}".upper(): (kind, field)
            for kind in KINDS for field in kind.model_fields}  # fmt: skip


def leaves(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every command below `command` (typer's own click: a group has `commands`)."""
    if hasattr(command, "commands"):
        return [leaf for name, sub in command.commands.items() for leaf in leaves(sub, (*path, name))]
    return [(path, command)]


COMMANDS = leaves(typer.main.get_command(app))


def help_of(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def settings_rows(text: str) -> dict[str, str]:
    """The epilog's rows: variable -> default."""
    _, marker, epilog = text.partition("Settings (environment variables, default):")
    assert marker, f"no settings section in:\n{text}"
    rows = {}
    for line in epilog.splitlines():
        if match := ROW.match(line):
            rows[match[1]] = match[2]
    return rows


def test_every_command_is_walked() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"up", "demo", "bench", "ledger up", "ledger status", "ledger reset", "ledger bench", "audit verify",
            "audit bench", "records bench"} <= names  # fmt: skip


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(path) for path, _ in COMMANDS])
def test_help_lists_real_settings_with_their_defaults(path: tuple[str, ...], command: Any) -> None:
    rows = settings_rows(help_of(path))
    known = variables()
    assert rows, "the settings section lists no variable"
    for name, default in rows.items():
        assert name in known, f"{name} is no setting of medcred"
        kind, field = known[name]
        value = kind.model_fields[field].get_default(call_default_factory=True)
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert default == str(value), f"{name}: help says {default}, the setting's default is {value}"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(path) for path, _ in COMMANDS])
def test_flags_read_as_flags_and_options_name_their_value(path: tuple[str, ...], command: Any) -> None:
    text = help_of(path)
    options = text.split("Options:", 1)[1].split("Settings (environment", 1)[0]
    assert "<" not in options, f"a type shown instead of a value's name:\n{options}"
    for param in command.params:
        if param.param_type_name != "option" or param.hidden:
            continue
        flags = ", ".join(sorted(param.opts, key=len))
        line = next(line for line in options.splitlines() if line.strip().startswith(flags))
        after = line.strip()[len(flags):]
        if param.is_flag:
            assert not after.startswith(" ") or after.startswith("  "), f"{flags} reads as taking a value: {line}"
        else:
            assert re.match(r" [A-Z]+\b", after), f"{flags} does not name its value: {line}"


@pytest.mark.parametrize("path", [("up",), ("demo",), ("bench",), ("records", "bench")])
def test_the_network_commands_list_every_port(path: tuple[str, ...]) -> None:
    rows = settings_rows(help_of(path))
    for kind in ROLES:
        prefix = str(kind.model_config["env_prefix"])
        for field in ("port", "agent_inbound_port", "agent_admin_port", "host"):
            name = f"{prefix}{field}".upper()
            assert rows.get(name) == str(kind.model_fields[field].default), name
    for name in ("MEDCRED_LEDGER_WEB_PORT", "MEDCRED_LEDGER_BASE_PORT", "MEDCRED_TAILS_PORT"):
        assert name in rows


def test_up_lists_the_data_folder_the_keys_and_the_endpoints() -> None:
    rows = settings_rows(help_of(("up",)))
    assert rows["MEDCRED_HOME"] == "./.medcred"
    for kind in ROLES:
        prefix = str(kind.model_config["env_prefix"])
        assert rows[f"{prefix}API_KEY"] == "generated"
        assert f"{prefix}AGENT_ENDPOINT" in rows
    assert {"MEDCRED_LEDGER_API_KEY", "MEDCRED_ISSUER_RECORDS_KEK", "MEDCRED_ISSUER_PUBLIC_URL"} <= set(rows)


def test_a_boolean_flag_is_shown_without_a_value() -> None:
    options = help_of(("ledger", "reset")).split("Options:", 1)[1]
    assert re.search(r"^\s+-y, --yes\s{2,}do not ask$", options, re.MULTILINE), options

"""The commands' runtime: a long-lived async job (progress lines, Ctrl-C, clean errors), and their help.

Every `medcred` command is a `typer.Typer` made by `commands(...)`: plain help in which a flag reads as a
flag (`-y, --yes`), an option with its value's name (`--flows N`), and an epilog listing the environment
variables that steer the command with their defaults (`settings_epilog`, rows from `env_setting`).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import typer
import uvloop
from pydantic import SecretStr
from pydantic_settings import BaseSettings

from medcred.errors import MedcredError

_started = time.monotonic()


def progress(message: str) -> None:
    """One line of progress, with the seconds since the command started."""
    typer.echo(f"[{time.monotonic() - _started:6.1f}s] {message}", err=True)


async def until_interrupted() -> None:
    """Return when the process gets SIGINT (Ctrl-C) or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def run(job: Callable[[], Awaitable[int | None]]) -> None:
    """Run `job` to completion on uvloop; a MedcredError becomes a message and exit code 1, not a traceback.

    uvloop: the supervisor process also serves the three controllers and the ledger's web servers, and
    every HTTP request costs it less CPU on uvloop than on asyncio's own loop.
    """
    try:
        code: int | None = asyncio.run(job(), loop_factory=uvloop.new_event_loop)  # type: ignore[arg-type]
    except MedcredError as exc:
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code or 0)


def commands(help: str, **options: Any) -> typer.Typer:
    """A command group of `medcred`: plain help (no rich panels, where every flag showed a `<bool>` value)."""
    return typer.Typer(help=help, rich_markup_mode=None, no_args_is_help=True, **options)


@dataclass(frozen=True)
class EnvSetting:
    """One environment variable a command reads, with its default and what it sets."""

    name: str
    default: str
    what: str


def env_setting(kind: type[BaseSettings], field: str, what: str = "", default: str | None = None) -> EnvSetting:
    """The row of `kind`'s setting `field`: its variable (the class's prefix + the field), its default
    (`default`, else the field's own; a secret without one is generated), and `what` (else its description)."""
    info = kind.model_fields[field]
    if default is None:
        value = info.get_default(call_default_factory=True)
        default = "generated" if value is None and "SecretStr" in str(info.annotation) else (
            "-" if value is None or value == "" else str(value.get_secret_value() if isinstance(value, SecretStr)
                                                       else value)
        )  # fmt: skip
    prefix = str(kind.model_config.get("env_prefix", ""))
    return EnvSetting(f"{prefix}{field}".upper(), default, what or info.description or "")


def settings_epilog(settings: Sequence[EnvSetting]) -> str:
    """The help's last section: each variable, its default, what it sets, one to a line as written."""
    width = max(len(setting.name) for setting in settings)
    defaults = max(len(setting.default) for setting in settings)
    rows = [f"  {s.name:<{width}}  {s.default:<{defaults}}  {s.what}".rstrip() for s in settings]
    return "Settings (environment variables, default):\n\n\b\n" + "\n".join(rows)

"""Which of medcred's run-time patches an agent applies: each one can be switched off on its own.

    ledger_cache           agents/acapy_plugin/ledger_cache.py
    schema_reuse           agents/acapy_plugin/schema_reuse.py
    session_reuse          agents/acapy_plugin/session_reuse.py
    refused_presentations  agents/acapy_plugin/refused_presentations.py
    multitenant_open       agents/acapy_plugin/multitenant_open.py
    reuse_answered         agents/acapy_plugin/reuse_answered.py
    webhook_topics         agents/acapy_plugin/webhook_topics.py (the topics and states the agent posts)
    no_nest_asyncio        agents/launcher.py (nest_asyncio's global patch made a no-op)

The agent's environment says which, one variable per patch (`MEDCRED_PATCH_SCHEMA_REUSE=off`); a
variable not set means on. It is read once per process (`configured()`): by the launcher before ACA-Py
is imported, for its own patch, and by the plugin's `setup` for the others; both see the same value.
The controllers set every variable (`agents.config.AgentConfig.patches` -> `env()`).

Only the standard library: the launcher imports this before ACA-Py, the docker-compose agents mount it.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["ENV_PREFIX", "Patches", "configured"]

ENV_PREFIX = "MEDCRED_PATCH_"
_ON, _OFF = frozenset({"on", "1", "true", "yes"}), frozenset({"off", "0", "false", "no"})


@dataclass(frozen=True)
class Patches:
    """One switch per patch; every one on by default."""

    __pydantic_config__ = {"extra": "forbid"}  # noqa: RUF012 - as a settings field: a misspelt patch is refused

    ledger_cache: bool = True
    schema_reuse: bool = True
    session_reuse: bool = True
    refused_presentations: bool = True
    multitenant_open: bool = True
    reuse_answered: bool = True
    webhook_topics: bool = True
    no_nest_asyncio: bool = True

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(field.name for field in dataclasses.fields(cls))

    @classmethod
    def variable(cls, name: str) -> str:
        """The environment variable of patch `name`."""
        return f"{ENV_PREFIX}{name.upper()}"

    @classmethod
    def off_only(cls, names: frozenset[str] | set[str] | list[str]) -> Patches:
        """Every patch on but those `names`; `ValueError` for a name that is no patch."""
        unknown = sorted(set(names) - set(cls.names()))
        if unknown:
            raise ValueError(f"not medcred patches: {', '.join(unknown)} (the patches: {', '.join(cls.names())})")
        return cls(**dict.fromkeys(names, False))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Patches:
        """The switches an environment gives; `ValueError` naming the variable whose value is not on/off."""
        found: dict[str, bool] = {}
        for name in cls.names():
            value = environ.get(cls.variable(name))
            if value is None:
                continue
            word = value.strip().lower()
            if word not in _ON | _OFF:
                raise ValueError(f"{cls.variable(name)}={value!r}: give on or off")
            found[name] = word in _ON
        return cls(**found)

    def environ(self) -> dict[str, str]:
        """Every patch's variable, on or off (so that nothing inherited decides)."""
        return {self.variable(name): "on" if getattr(self, name) else "off" for name in self.names()}

    def on(self) -> list[str]:
        return [name for name in self.names() if getattr(self, name)]

    def off(self) -> list[str]:
        return [name for name in self.names() if not getattr(self, name)]

    def summary(self) -> str:
        """`on: a, b; off: c` (logs, the benchmark's header)."""
        return f"on: {', '.join(self.on()) or 'none'}; off: {', '.join(self.off()) or 'none'}"


@functools.cache
def configured() -> Patches:
    """This process's switches, read from its environment the first time they are asked for."""
    return Patches.from_environ(os.environ)

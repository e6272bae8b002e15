"""How one ACA-Py agent is started: `AgentConfig` -> the `aca-py start` argv and its environment.

Secrets never reach the command line, where `ps` would show them to every user of the machine: ACA-Py
reads each of them from an environment variable too (`env_var=` in `acapy_agent/config/argparse.py`),
and a child's environment is readable by its owner only. `argv()` holds no secret; `env()` carries them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from agents.acapy_plugin.switches import Patches
from medcred.database import Database
from medcred.errors import ConfigurationError

__all__ = ["DEFAULT_PLUGINS", "SECRET_ENV_VARS", "AgentConfig"]

# The ACA-Py 1.7 environment variables that carry secrets (see acapy_agent/config/argparse.py).
ADMIN_API_KEY_ENV = "ACAPY_ADMIN_API_KEY"
WALLET_KEY_ENV = "ACAPY_WALLET_KEY"
SEED_ENV = "ACAPY_WALLET_SEED"
STORAGE_CREDS_ENV = "ACAPY_WALLET_STORAGE_CREDS"
JWT_SECRET_ENV = "ACAPY_MULTITENANT_JWT_SECRET"  # noqa: S105 - a variable name, not a secret
WEBHOOK_URL_ENV = "ACAPY_WEBHOOK_URL"  # "URL#KEY": the key is sent back to us as x-api-key
SECRET_ENV_VARS = (ADMIN_API_KEY_ENV, WALLET_KEY_ENV, SEED_ENV, JWT_SECRET_ENV, WEBHOOK_URL_ENV)

# Flags whose value is a secret, should a caller pass one in `extra_args` anyway.
_SECRET_FLAGS = frozenset(
    {
        "--admin-api-key",
        "--wallet-key",
        "--wallet-rekey",
        "--seed",
        "--jwt-secret",
        "--dbstore-key",
        "--dbstore-rekey",
        "--webhook-url",
        "--wallet-storage-creds",
    }
)
REDACTED = "***"
_TOPIC = re.compile(r"[a-z][a-z0-9_]*")
_STATE = re.compile(r"[a-z][a-z0-9-]*")
# ACA-Py plugins (`--plugin`) every medcred agent loads: packages importable by the agent's Python.
MEDCRED_PLUGIN = "agents.acapy_plugin"  # what it changes: the package docstring
DEFAULT_PLUGINS = (MEDCRED_PLUGIN,)
WEBHOOK_TOPICS_OPTION = "medcred.webhook_topics"  # read by agents/acapy_plugin/webhook_topics.py
WEBHOOK_STATES_OPTION = "medcred.webhook_states"  # likewise


class AgentConfig(BaseModel):
    """Everything needed to start one ACA-Py agent of one role (issuer, holder, verifier)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    role_name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")  # used for folder and wallet names
    inbound_port: int = Field(ge=1, le=65535)
    admin_port: int = Field(ge=1, le=65535)
    host: str = "127.0.0.1"
    endpoint: str  # the DIDComm endpoint other agents reach; default http://host:inbound_port
    admin_api_key: SecretStr
    webhook_url: str | None = None
    webhook_api_key: SecretStr | None = None
    wallet_name: str
    wallet_key: SecretStr
    wallet_type: str = "askar-anoncreds"
    # The wallets in PostgreSQL (ACA-Py's postgres_storage) instead of SQLite files: a postgresql:// URL
    # (`medcred.database`). A multitenant agent then keeps every sub-wallet as a profile of its one store
    # (single-wallet-askar), so that a patient costs rows, not a database.
    database_url: SecretStr | None = None
    data_dir: Path  # the agent's own folder: ACAPY_HOME (wallet) and HOME (tails files) point here
    genesis_url: str | None = None
    genesis_file: Path | None = None
    no_ledger: bool = False
    tails_server_base_url: str | None = None
    seed: SecretStr | None = None  # the public DID's seed (issuer only)
    public_invites: bool = False
    multitenant: bool = False
    jwt_secret: SecretStr | None = None
    auto_flags: list[str] = Field(default_factory=list)
    plugins: list[str] = Field(default_factory=lambda: list(DEFAULT_PLUGINS))
    # The webhook topics the controller handles; the agent posts no other (None: every topic).
    webhook_topics: list[str] | None = None
    # Topics narrowed to the record states the controller acts on (a topic not here: every state).
    webhook_states: dict[str, list[str]] = Field(default_factory=dict)
    # Which of medcred's run-time patches the agent applies (each on unless switched off): `env()`.
    patches: Patches = Field(default_factory=Patches)
    extra_args: list[str] = Field(default_factory=list)
    # No "debug": at debug level ACA-Py logs webhook headers (our key) and payloads (health data).
    log_level: Literal["info", "warning", "error"] = "info"

    @model_validator(mode="before")
    @classmethod
    def _default_endpoint(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("endpoint"):
            data = {**data, "endpoint": f"http://{data.get('host', '127.0.0.1')}:{data.get('inbound_port')}"}
        return data

    @field_validator("data_dir", "genesis_file")
    @classmethod
    def _absolute(cls, path: Path | None) -> Path | None:
        # The agent runs in data_dir: a relative path would be taken from there, not from here.
        return path.expanduser().resolve() if path is not None else None

    @model_validator(mode="after")
    def _consistent(self) -> AgentConfig:
        if self.inbound_port == self.admin_port:
            raise ConfigurationError(f"agent {self.role_name}: inbound and admin ports are both {self.admin_port}")
        if self.multitenant and self.jwt_secret is None:
            raise ConfigurationError(f"agent {self.role_name}: multitenant needs a jwt_secret")
        if self.genesis_url and self.genesis_file:
            raise ConfigurationError(f"agent {self.role_name}: give genesis_url or genesis_file, not both")
        if self.no_ledger and (self.genesis_url or self.genesis_file):
            raise ConfigurationError(f"agent {self.role_name}: no_ledger contradicts a genesis source")
        if self.webhook_api_key is not None and not self.webhook_url:
            raise ConfigurationError(f"agent {self.role_name}: webhook_api_key without webhook_url")
        if self.webhook_url and "#" in self.webhook_url:
            raise ConfigurationError(f"agent {self.role_name}: put the webhook key in webhook_api_key")
        if self.webhook_topics is not None:
            if MEDCRED_PLUGIN not in self.plugins:
                raise ConfigurationError(f"agent {self.role_name}: webhook_topics needs the {MEDCRED_PLUGIN} plugin")
            bad_topics = [topic for topic in self.webhook_topics if not _TOPIC.fullmatch(topic)]
            if bad_topics or not self.webhook_topics:
                raise ConfigurationError(f"agent {self.role_name}: not ACA-Py webhook topics: {bad_topics}")
        if self.webhook_states:
            unposted = sorted(set(self.webhook_states) - set(self.webhook_topics or ()))
            if unposted:
                raise ConfigurationError(f"agent {self.role_name}: webhook_states for topics not posted: {unposted}")
            bad_states = [s for states in self.webhook_states.values() for s in states if not _STATE.fullmatch(s)]
            if bad_states or not all(self.webhook_states.values()):
                raise ConfigurationError(f"agent {self.role_name}: not ACA-Py record states: {bad_states}")
        bad = [flag for flag in self.auto_flags if not flag.startswith("--auto-")]
        if bad:
            raise ConfigurationError(f"agent {self.role_name}: not --auto-* flags: {bad}")
        return self

    def argv(self, program: str | Sequence[str] = "aca-py") -> list[str]:
        """The full `aca-py start ...` command line (`program`: a path or a command). No secret: see `env()`."""
        args = [
            *([program] if isinstance(program, str) else program), "start",
            "--label", self.label,
            "-it", "http", self.host, str(self.inbound_port),
            "-ot", "http",
            "-e", self.endpoint,
            "--admin", self.host, str(self.admin_port),
            "--wallet-type", self.wallet_type,
            "--wallet-name", self.wallet_name,
            "--auto-provision",
            "--preserve-exchange-records",
            "--log-level", self.log_level,
        ]  # fmt: skip
        if self.no_ledger:
            args.append("--no-ledger")
        if self.genesis_url:
            args += ["--genesis-url", self.genesis_url]
        if self.genesis_file:
            args += ["--genesis-file", str(self.genesis_file)]
        if self.tails_server_base_url:
            args += ["--tails-server-base-url", self.tails_server_base_url]
        if self.public_invites:
            args.append("--public-invites")
        if self.multitenant:
            args += ["--multitenant", "--multitenant-admin"]
        if self.database_url is not None:
            database = Database.parse(self.database_url)
            args += ["--wallet-storage-type", "postgres_storage", "--wallet-storage-config", database.storage_config()]
            if self.multitenant:
                args += ["--multitenancy-config", "wallet_type=single-wallet-askar"]
        for plugin in self.plugins:
            args += ["--plugin", plugin]
        if self.webhook_topics is not None:
            args += ["--plugin-config-value", f"{WEBHOOK_TOPICS_OPTION}={','.join(self.webhook_topics)}"]
        if self.webhook_states:  # JSON is YAML, which is how ACA-Py reads a plugin value
            states = json.dumps({topic: sorted(self.webhook_states[topic]) for topic in sorted(self.webhook_states)})
            args += ["--plugin-config-value", f"{WEBHOOK_STATES_OPTION}={states}"]
        return args + list(self.auto_flags) + list(self.extra_args)

    def env(self) -> dict[str, str]:
        """The variables the agent needs on top of ours: its home folders, every secret, every patch's switch."""
        env = {
            "ACAPY_HOME": str(self.data_dir),
            "HOME": str(self.data_dir),
            ADMIN_API_KEY_ENV: self.admin_api_key.get_secret_value(),
            WALLET_KEY_ENV: self.wallet_key.get_secret_value(),
            **self.patches.environ(),
        }
        if self.seed is not None:
            env[SEED_ENV] = self.seed.get_secret_value()
        if self.database_url is not None:
            env[STORAGE_CREDS_ENV] = Database.parse(self.database_url).storage_creds()
        if self.multitenant and self.jwt_secret is not None:
            env[JWT_SECRET_ENV] = self.jwt_secret.get_secret_value()
        if self.webhook_url:
            key = f"#{self.webhook_api_key.get_secret_value()}" if self.webhook_api_key else ""
            env[WEBHOOK_URL_ENV] = f"{self.webhook_url}{key}"
        return env

    def redacted_argv(self, program: str | Sequence[str] = "aca-py") -> list[str]:
        """`argv()` safe to log: the value after any secret-bearing flag is replaced."""
        out: list[str] = []
        hide_next = False
        for arg in self.argv(program):
            flag, eq, _ = arg.partition("=")
            if hide_next:
                out.append(REDACTED)
            elif eq and flag in _SECRET_FLAGS:
                out.append(f"{flag}={REDACTED}")
            else:
                out.append(arg)
            hide_next = not hide_next and arg in _SECRET_FLAGS
        return out

    @property
    def admin_url(self) -> str:
        """Where the admin API answers."""
        return f"http://{self.host}:{self.admin_port}"

    @property
    def log_file(self) -> Path:
        """The agent's own log (its stdout and stderr)."""
        return self.data_dir / "agent.log"

"""Settings every role controller has: its port, its agent's ports, and its secrets.

Each role subclasses `RoleSettings` with its own prefix and ports (`MEDCRED_ISSUER_PORT`...). A
secret left unset is generated once into `<MEDCRED_HOME>/secrets/` (0600) and read from there after,
so `medcred up` needs no configuration and a restart finds the same keys.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

from agents.acapy_plugin.switches import Patches
from agents.config import AgentConfig
from medcred.settings import data_home, generated_secret


class RoleSettings(BaseSettings):
    role: ClassVar[str]
    web_app: ClassVar[tuple[str, str]]  # the role's web app: its name for people, and its path prefix

    host: str = "127.0.0.1"
    label: str = "medcred"  # the agent's DIDComm label: what other parties see
    port: int
    agent_inbound_port: int
    agent_admin_port: int
    agent_host: str | None = None  # where the agent's admin API answers, if not on `host` (containers)
    # The DIDComm endpoint other parties reach the agent at, written into every invitation and QR code:
    # set it when they are not on this machine (a phone on the local network: http://192.168.1.20:8020).
    # Empty: http://{host}:{agent_inbound_port}, where the agent binds (reachable from this machine only).
    agent_endpoint: str = ""
    api_key: SecretStr | None = None  # the controller's staff API key (X-API-Key)
    agent_admin_api_key: SecretStr | None = None
    webhook_api_key: SecretStr | None = None
    wallet_key: SecretStr | None = None
    audit_seed: SecretStr | None = None  # derives the key that signs this role's audit anchors
    session_secret: SecretStr | None = None  # keys the web app's session ids in its store (medcred.pages)
    csrf_secret: SecretStr | None = None  # makes the web app's CSRF tokens
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)  # a web app's sign-in lasts this long
    ledger_api_key: SecretStr | None = None  # the ledger's key for POST /register (the network passes it)
    ledger_url: str = "http://127.0.0.1:9000"
    # Another Indy network than the embedded pool (`medcred up --genesis-url`): its genesis file (the network
    # fetches and checks it once, ledger.genesis), used instead of {ledger_url}/genesis, and the seed of a
    # DID there that writes this role's NYMs (a steward's or trustee's where the role is an ENDORSER)
    # instead of POST {ledger_url}/register. Never the development trustee seed (ledger.trustee).
    genesis_file: Path | None = None
    endorser_seed: SecretStr | None = None
    # The role's agent's wallet in PostgreSQL (MEDCRED_DATABASE_URL: the network passes it), else SQLite.
    database_url: SecretStr | None = None
    tails_url: str = "http://127.0.0.1:6543"
    data_dir: Path | None = None  # default: <MEDCRED_HOME>/<role>
    audit_batch_size: int = 256  # audit entries per ledger anchor
    # Seconds before a non-empty batch is anchored anyway. One ledger write costs the four validators
    # ~0.13 CPU-s (measured): every 5 s from three services busy at once that is ~0.08 of a core;
    # every 30 s, ~0.013. Entries are hash-chained at once either way.
    audit_max_wait: float = 30.0
    audit_anchoring: bool = True  # anchor audit batches on the ledger (unit tests turn it off)
    # With a database (several instances may run): seconds between two looks for unfinished records whose
    # deadline no timer of this instance holds (another instance armed it, and may have died); 0: never.
    deadline_sweep: float = Field(default=30.0, ge=0)

    def deadline_sweep_every(self) -> float | None:
        """How often this instance sweeps for other instances' deadlines: None alone (no database) or when off."""
        return self.deadline_sweep if self.database_url is not None and self.deadline_sweep > 0 else None
    # Retry-After (s) of the 503 a call needing the agent gets while the agent is down or restarting.
    agent_retry_after: int = Field(default=5, ge=1)
    # The ACA-Py plugin's run-time patches this role's agent applies; each on unless switched off here
    # (e.g. MEDCRED_ISSUER_AGENT_PATCHES='{"schema_reuse": false}'); see agents/acapy_plugin/switches.py.
    agent_patches: Patches = Field(default_factory=Patches)

    @field_validator("agent_endpoint")
    @classmethod
    def _endpoint_url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise ValueError(f"agent_endpoint {value!r} is not an http(s) URL (http://host:port)")
        return value.rstrip("/")

    def environment(self) -> dict[str, str]:
        """These settings as the `MEDCRED_<ROLE>_*` variables that give them to another process (a controller
        instance that `medcred up --instances` starts reads them back with `type(self)()`): every field that is
        not None, secrets in clear, since the child's environment is where they go (never a log)."""
        prefix = str(self.model_config.get("env_prefix", ""))
        return {
            f"{prefix}{name}".upper(): _environment_value(value, NoDecode in field.metadata)
            for name, field in type(self).model_fields.items()
            if (value := getattr(self, name)) is not None
        }

    def folder(self) -> Path:
        folder = (self.data_dir or data_home() / self.role).resolve()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder

    def secret(self, name: str) -> SecretStr:
        """A setting's secret, or the one generated for it in the data folder."""
        value = getattr(self, name)
        if isinstance(value, SecretStr):
            return value
        return SecretStr(generated_secret(self.folder(), name))

    def secret_path(self, name: str) -> Path:
        return self.folder() / "secrets" / name

    def agent_config(self, **role_specific: Any) -> AgentConfig:
        """This role's agent: askar-anoncreds wallet in the data folder, the ledger's genesis, our
        webhook receiver, generated keys. `role_specific` adds (or overrides) the role's own fields."""
        common: dict[str, Any] = {
            "label": self.label,
            "role_name": self.role,
            "host": self.host,
            "inbound_port": self.agent_inbound_port,
            "admin_port": self.agent_admin_port,
            "endpoint": self.endpoint,
            "admin_api_key": self.secret("agent_admin_api_key"),
            "webhook_url": self.webhook_url,
            "webhook_api_key": self.secret("webhook_api_key"),
            "wallet_name": f"medcred-{self.role}",
            "wallet_key": self.secret("wallet_key"),
            "wallet_type": "askar-anoncreds",
            "database_url": self.database_url,
            "data_dir": self.folder() / "agent",
            **({"genesis_file": self.genesis_file} if self.genesis_file is not None
               else {"genesis_url": f"{self.ledger_url.rstrip('/')}/genesis"}),
            "patches": self.agent_patches,
        }
        return AgentConfig(**(common | role_specific))

    @property
    def endpoint(self) -> str:
        """The agent's public DIDComm endpoint: `agent_endpoint`, or where it binds."""
        return self.agent_endpoint or f"http://{self.host}:{self.agent_inbound_port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def agent_admin_url(self) -> str:
        return f"http://{self.agent_host or self.host}:{self.agent_admin_port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/webhooks"


def _environment_value(value: Any, listed: bool) -> str:
    """One setting as pydantic-settings reads it from the environment: complex values as JSON, those of a
    `NoDecode` field (`listed`, its own validator splits them) as a comma-separated list."""
    if listed and isinstance(value, list | tuple):
        return ",".join(str(_plain(item)) for item in value)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, BaseModel) or dataclasses.is_dataclass(value):
        return json.dumps(_plain(value))
    if isinstance(value, list | dict | tuple | set | frozenset):
        return json.dumps(_plain(value))
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value

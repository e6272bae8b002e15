"""Typed settings of the local ledger (prefix `MEDCRED_LEDGER_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from medcred.settings import PROJECT_ROOT, data_home

# von-network's trustee: a well-known development seed, never a secret of a real network.
VON_TRUSTEE_SEED = "000000000000000000000000Trustee1"


class LedgerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDCRED_LEDGER_", extra="ignore")

    host: str = "127.0.0.1"
    web_port: int = 9000
    network: str = "medcred"
    base_port: int = Field(default=9700, description="node N listens on base+2N-1 (node) and base+2N (client)")
    node_count: int = Field(default=4, ge=4, description="4 is the minimum: a 1-node pool never catches up")
    validator_python: Path = PROJECT_ROOT / ".venv-validators" / "bin" / "python"
    start_timeout: float = 60.0
    stop_grace: float = 10.0
    status_timeout: float = Field(
        default=2.0, gt=0, description="GET /status waits this long (s) for each validator's answer"
    )
    trustee_seed: SecretStr = SecretStr(VON_TRUSTEE_SEED)
    register_open: bool = Field(
        default=False,
        description="serve POST /register without an API key, as von-network does (development only)",
    )
    api_key: SecretStr | None = Field(
        default=None, description="key for POST /register; generated into the data folder when unset"
    )
    data_dir: Path | None = Field(default=None, description="default: <MEDCRED_HOME>/ledger")
    # Joining another Indy network instead of starting the embedded pool (`medcred up --genesis-url`): its
    # genesis (an http(s) URL or a file), and the seed of the operator's DID on it that registers the
    # services' DIDs (a steward's or trustee's: it creates the hospital's ENDORSER DID). Never logged.
    genesis_url: str | None = Field(default=None, description="another network's genesis URL or file")
    endorser_seed: SecretStr | None = None

    def folder(self) -> Path:
        return (self.data_dir or data_home() / "ledger").resolve()

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

"""Settings every part shares: where the data folder is, and where the checkout's tools live.

Each service adds its own `BaseSettings` with its own prefix (`MEDCRED_LEDGER_`, `MEDCRED_ISSUER_`...);
this module is the part common to all of them.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The umask of every medcred process and its children: whatever they create under MEDCRED_HOME (wallets,
# ledgers, tails files, logs, stores, keys) is readable by its owner only (folders 0700, files 0600).
OWNER_ONLY_UMASK = 0o077


def owner_only_files() -> None:
    """From now on, this process (and the children it starts) creates files and folders for its owner only."""
    os.umask(OWNER_ONLY_UMASK)


class HomeSettings(BaseSettings):
    """`MEDCRED_HOME`: the one data folder (pool ledgers, wallets, tails files, generated keys)."""

    model_config = SettingsConfigDict(env_prefix="MEDCRED_", extra="ignore")

    home: Path = Field(default=Path(".medcred"))

    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()


def data_home() -> Path:
    """The data folder, created if missing and readable by its owner only."""
    home = HomeSettings().resolved_home()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home


def generated_secret(home: Path, name: str) -> str:
    """A secret kept in `home/secrets/name`, generated on first use (mode 0600)."""
    folder = home / "secrets"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()

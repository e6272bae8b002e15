"""Settings every part shares: where the data folder is, and where the checkout's tools live.

Each service adds its own `BaseSettings` with its own prefix (`MEDCRED_LEDGER_`, `MEDCRED_ISSUER_`...);
this module is the part common to all of them.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from medcred.errors import ConfigurationError

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
    # Every wallet in PostgreSQL instead of SQLite files in the data folder (medcred.database); unset: SQLite.
    database_url: SecretStr | None = None
    postgres_port: int = Field(default=5433, ge=1, le=65535)  # `medcred up --postgres`: its private cluster

    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()


def data_home() -> Path:
    """The data folder, created if missing and readable by its owner only."""
    home = HomeSettings().resolved_home()
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise _unusable(home, exc) from exc
    return home


def writable_data_home() -> Path:
    """`data_home()`, once a file was written and removed in it: a command checks it before it starts anything."""
    home = data_home()
    try:
        with tempfile.TemporaryFile(dir=home, prefix=".medcred-probe-"):
            pass
    except OSError as exc:
        raise _unusable(home, exc) from exc
    return home


def _unusable(home: Path, exc: OSError) -> ConfigurationError:
    if home.exists() and not home.is_dir():
        problem = "is not a folder"
    elif isinstance(exc, NotADirectoryError):
        problem = "cannot be made: a part of its path is a file, not a folder"
    else:
        problem = f"cannot be written ({exc.strerror or type(exc).__name__})"
    return ConfigurationError(
        f"the data folder MEDCRED_HOME={home} {problem}: set MEDCRED_HOME to a folder you can write"
    )


def generated_secret(home: Path, name: str) -> str:
    """A secret kept in `home/secrets/name`, generated on first use (mode 0600)."""
    folder = home / "secrets"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()

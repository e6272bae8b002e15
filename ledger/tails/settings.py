"""Settings of the tails server, read from `MEDCRED_TAILS_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from medcred.settings import data_home

MIB = 1024 * 1024


class TailsSettings(BaseSettings):
    """Where the tails server listens, how large an upload may be, and where files are kept.

    A registry of 1000 credentials has a tails file of about 260 KB; the largest registry ACA-Py
    creates (32768 credentials) about 8.4 MB, so the 16 MiB default admits every real tails file.
    """

    model_config = SettingsConfigDict(env_prefix="MEDCRED_TAILS_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=6543, ge=0, le=65535)
    max_file_bytes: int = Field(default=16 * MIB, gt=0)
    storage_dir: Path | None = None

    def resolved_storage_dir(self) -> Path:
        """`storage_dir` if set, else `<data home>/tails`."""
        if self.storage_dir is not None:
            return self.storage_dir.expanduser().resolve()
        return data_home() / "tails"

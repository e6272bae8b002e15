"""The one database setting, `MEDCRED_DATABASE_URL=postgresql://user:password@host:port/database`, read
once into what each part needs (unset: SQLite files in the data folder, as always).

    db = Database.parse(SecretStr("postgresql://medcred:pw@127.0.0.1:5433/medcred"))
    db.storage_config()    # '{"url": "127.0.0.1:5433", "max_connections": 16}'  (ACA-Py --wallet-storage-config)
    db.storage_creds()     # '{"account": "medcred", "password": ..., ...}'      (ACAPY_WALLET_STORAGE_CREDS)
    db.safe()              # 'postgresql://medcred:***@127.0.0.1:5433/medcred'  (for logs and errors)

The password is a secret: never in an argument list, a log line or an error (`safe`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from pydantic import SecretStr

from medcred.errors import ConfigurationError

__all__ = ["PRIVATE_DATABASE", "PRIVATE_ROLE", "PRIVATE_SECRET", "Database"]

SCHEMES = ("postgresql", "postgres")
# `medcred up --postgres`'s private cluster (stack.postgres): its role, its database, its password's secret.
PRIVATE_ROLE, PRIVATE_DATABASE, PRIVATE_SECRET = "medcred", "medcred", "postgres_password"
# Per agent. Two cores serve a handful of concurrent queries at most, but ACA-Py's list calls each take
# two at once (a session, and the scan beside it): with 8, the holder agent's pool deadlocked for 30 s in
# the fault test on PostgreSQL (CI, 2026-12-07). Controllers keep their list calls below the pool
# (`agents.admin_transport.LISTS_AT_ONCE`); 16 leaves the agent's own handlers room (3 x 16 of 200).
MAX_CONNECTIONS = 16


@dataclass(frozen=True)
class Database:
    user: str
    password: SecretStr
    host: str
    port: int
    name: str

    @classmethod
    def parse(cls, url: SecretStr) -> Database:
        text = url.get_secret_value().strip()
        parts = urlsplit(text)
        shown = f"{parts.scheme}://{parts.hostname or ''}{parts.path}"  # never the password
        if parts.scheme not in SCHEMES:
            raise ConfigurationError(f"MEDCRED_DATABASE_URL is postgresql://user:password@host:port/db, not {shown}")
        try:
            port = parts.port or 5432
        except ValueError:
            raise ConfigurationError(f"MEDCRED_DATABASE_URL has no valid port: {shown}") from None
        name = parts.path.lstrip("/")
        if not parts.hostname or not parts.username or parts.password is None or not name or "/" in name:
            raise ConfigurationError(f"MEDCRED_DATABASE_URL needs a user, a password, a host and a database: {shown}")
        return cls(unquote(parts.username), SecretStr(unquote(parts.password)), parts.hostname, port, unquote(name))

    @classmethod
    def private(cls, home: Path, port: int) -> Database | None:
        """The database of `medcred up --postgres` in this data folder, if it ever made one (else None)."""
        secret = home / "secrets" / PRIVATE_SECRET
        if not secret.exists():
            return None
        return cls(PRIVATE_ROLE, SecretStr(secret.read_text().strip()), "127.0.0.1", port, PRIVATE_DATABASE)

    def storage_config(self) -> str:
        return json.dumps({"url": f"{self.host}:{self.port}", "max_connections": MAX_CONNECTIONS})

    def storage_creds(self) -> str:
        password = self.password.get_secret_value()
        return json.dumps({"account": self.user, "password": password, "admin_account": self.user,
                           "admin_password": password})  # fmt: skip

    def url(self) -> str:
        """The URL itself, password included: a secret (pass it on as a SecretStr)."""
        user, password = quote(self.user, safe=""), quote(self.password.get_secret_value(), safe="")
        return f"postgresql://{user}:{password}@{self.host}:{self.port}/{quote(self.name, safe='')}"

    def safe(self) -> str:
        return f"postgresql://{self.user}:***@{self.host}:{self.port}/{self.name}"

    def connect_kwargs(self, timeout: float = 5.0) -> dict[str, Any]:
        """psycopg's connection arguments (the password among them: never log them)."""
        return {"host": self.host, "port": self.port, "user": self.user, "password": self.password.get_secret_value(),
                "dbname": self.name, "connect_timeout": max(1, int(timeout))}  # fmt: skip

    def explain(self, exc: Exception) -> ConfigurationError:
        """psycopg's failure to connect, in words that name neither the password nor psycopg."""
        text = str(exc)
        if "password authentication failed" in text:
            return ConfigurationError(f"the database {self.safe()} refused the password of {self.user}")
        if "does not exist" in text:
            return ConfigurationError(f"the database {self.safe()} has no database or role named so")
        return ConfigurationError(f"the database {self.safe()} does not answer")

    async def check(self, timeout: float = 5.0) -> None:
        """Connect once: ConfigurationError saying what is wrong (no answer, the password refused, no such
        database, a role that may not create the agents' databases), before any agent depends on it."""
        import psycopg  # only where PostgreSQL is used

        try:
            connection = await psycopg.AsyncConnection.connect(**self.connect_kwargs(timeout))
        except psycopg.OperationalError as exc:
            raise self.explain(exc) from None
        async with connection:
            cursor = await connection.execute("SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user")
            row = await cursor.fetchone()
        if not row or not row[0]:
            raise ConfigurationError(f"the role {self.user} of {self.safe()} may not create databases (CREATEDB): "
                                     "each agent's wallet is a database of its own")  # fmt: skip

"""A small persistent document store: collections of JSON documents by key, on SQLite or PostgreSQL.

Each role keeps its records here (patients, issued credentials, verifications) so nothing is lost on
restart. Writes are committed at once. Calls are short keyed statements and run on the event loop's thread
(SQLite: a file in the data folder, WAL; PostgreSQL: a local socket, a small pool - `medcred.schema`).

    store = open_store(settings, "issuer")   # MEDCRED_DATABASE_URL set: PostgreSQL, else <folder>/issuer.db
    store.put("patients", ref, {...}); store.get("patients", ref); store.all("patients")

Several instances of a controller share a PostgreSQL store; `insert` is their one atomic claim of a key.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import SecretStr

from medcred.database import Database

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

__all__ = ["DocumentStore", "PostgresDocumentStore", "SqliteDocumentStore", "open_store"]

Document = dict[str, Any]


class StoreSettings(Protocol):
    """What a store needs of a role's settings (`agents.settings.RoleSettings` has it)."""

    role: ClassVar[str]
    database_url: SecretStr | None

    def folder(self) -> Path: ...


def open_store(settings: StoreSettings, name: str) -> DocumentStore:
    """The role's store `name`: in the database of MEDCRED_DATABASE_URL if set, else `<folder>/<name>.db`."""
    if settings.database_url is None:
        return SqliteDocumentStore(settings.folder() / f"{name}.db")
    from medcred.schema import open_pool

    return PostgresDocumentStore(open_pool(Database.parse(settings.database_url), name=name), f"{settings.role}-{name}")


class DocumentStore(ABC):
    shared: ClassVar[bool]  # several instances of a controller may use this store at once

    @abstractmethod
    def put(self, collection: str, key: str, document: Document) -> None:
        """Write the document under its key, replacing what was there."""

    @abstractmethod
    def insert(self, collection: str, key: str, document: Document) -> bool:
        """Add a document unless the key exists; True if it was added."""

    @abstractmethod
    def get(self, collection: str, key: str) -> Document | None: ...

    @abstractmethod
    def all(self, collection: str) -> Iterator[tuple[str, Document]]:
        """Every document of the collection, in the order their keys were first written."""

    @abstractmethod
    def delete(self, collection: str, key: str) -> None: ...

    @abstractmethod
    def close(self) -> None: ...


class SqliteDocumentStore(DocumentStore):
    shared = False  # one process's file

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS documents (collection TEXT NOT NULL, key TEXT NOT NULL, "
            "body TEXT NOT NULL, PRIMARY KEY (collection, key))"
        )
        self._lock = threading.Lock()
        path.chmod(0o600)

    def put(self, collection: str, key: str, document: Document) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO documents (collection, key, body) VALUES (?, ?, ?) "
                "ON CONFLICT (collection, key) DO UPDATE SET body = excluded.body",
                (collection, key, json.dumps(document)),
            )

    def insert(self, collection: str, key: str, document: Document) -> bool:
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO documents (collection, key, body) VALUES (?, ?, ?)",
                (collection, key, json.dumps(document)),
            )
            return cursor.rowcount == 1

    def get(self, collection: str, key: str) -> Document | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM documents WHERE collection = ? AND key = ?", (collection, key)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, collection: str) -> Iterator[tuple[str, Document]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key, body FROM documents WHERE collection = ? ORDER BY rowid", (collection,)
            ).fetchall()
        for key, body in rows:
            yield key, json.loads(body)

    def delete(self, collection: str, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM documents WHERE collection = ? AND key = ?", (collection, key))

    def close(self) -> None:
        self._db.close()


class PostgresDocumentStore(DocumentStore):
    """The store `store` among the rows of the `documents` table (`medcred.schema`)."""

    shared = True

    def __init__(self, pool: ConnectionPool, store: str) -> None:
        self._pool, self._store = pool, store

    def put(self, collection: str, key: str, document: Document) -> None:
        with self._pool.connection() as db:
            db.execute(
                "INSERT INTO documents (store, collection, key, body) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (store, collection, key) DO UPDATE SET body = excluded.body",
                (self._store, collection, key, json.dumps(document)),
            )

    def insert(self, collection: str, key: str, document: Document) -> bool:
        with self._pool.connection() as db:
            cursor = db.execute(
                "INSERT INTO documents (store, collection, key, body) VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (self._store, collection, key, json.dumps(document)),
            )
            return cursor.rowcount == 1

    def get(self, collection: str, key: str) -> Document | None:
        with self._pool.connection() as db:
            row = db.execute(
                "SELECT body FROM documents WHERE store = %s AND collection = %s AND key = %s",
                (self._store, collection, key),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, collection: str) -> Iterator[tuple[str, Document]]:
        with self._pool.connection() as db:
            rows = db.execute(
                "SELECT key, body FROM documents WHERE store = %s AND collection = %s ORDER BY seq",
                (self._store, collection),
            ).fetchall()
        for key, body in rows:
            yield key, json.loads(body)

    def delete(self, collection: str, key: str) -> None:
        with self._pool.connection() as db:
            db.execute("DELETE FROM documents WHERE store = %s AND collection = %s AND key = %s",
                       (self._store, collection, key))  # fmt: skip

    def close(self) -> None:
        self._pool.close()

"""A small persistent document store on SQLite: collections of JSON documents by key.

Each role keeps its records here (patients, issued credentials, verifications) so nothing is lost on
restart. Writes are committed at once (WAL). Calls are short and run on the event loop's thread.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["DocumentStore"]

Document = dict[str, Any]


class DocumentStore:
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
        """Add a document unless the key exists; True if it was added."""
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

"""The record store's index: what each record is, its wrapped data key, and the tombstones.

On SQLite (`<records folder>/index.sqlite3`, here) or, with MEDCRED_DATABASE_URL, in PostgreSQL
(`issuer.health_records.index_postgres`, the tables `record_*` of `medcred.schema`); one interface:

    records     record_id -> StoredRecord (patient_ref, name, content type, size, sha256, created_at)
                             and the record's data key, wrapped under the KEK
    tombstones  record_id -> Tombstone (patient_ref, sha256, erased_at, requested_by)
    meta        name -> value (the KEK's check value)

Erasing moves a record to the tombstones in one transaction. On SQLite `secure_delete` is on and the
journal is a rollback journal, so the wrapped key is overwritten in the database file, not just unlinked
from a page. PostgreSQL keeps a deleted row's old version until VACUUM reuses its space, and in its WAL
and backups: there the wrapped key stays readable to whoever has those files AND the KEK (docs/records.md).
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

__all__ = ["RecordIndex", "SqliteRecordIndex", "StoredRecord", "Tombstone"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (record_id TEXT PRIMARY KEY, patient_ref TEXT NOT NULL, body TEXT NOT NULL,
                                    wrapped_key BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS records_by_patient ON records (patient_ref);
CREATE TABLE IF NOT EXISTS tombstones (record_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class StoredRecord(BaseModel):
    """What the hospital knows of a stored record without decrypting it."""

    model_config = ConfigDict(frozen=True)

    record_id: str
    patient_ref: str
    name: str
    content_type: str
    size: int
    sha256: str  # of the plaintext
    created_at: datetime


class Tombstone(BaseModel):
    """What remains of an erased record: enough to account for it, nothing to read it."""

    model_config = ConfigDict(frozen=True)

    record_id: str
    patient_ref: str
    sha256: str
    erased_at: datetime
    requested_by: str


class RecordIndex(ABC):
    @abstractmethod
    def meta(self, name: str) -> str | None: ...

    @abstractmethod
    def set_meta(self, name: str, value: str) -> None: ...

    @abstractmethod
    def add(self, record: StoredRecord, wrapped_key: bytes) -> None: ...

    @abstractmethod
    def remove(self, record_id: str) -> None: ...

    @abstractmethod
    def find(self, record_id: str) -> tuple[StoredRecord, bytes] | None: ...

    @abstractmethod
    def for_patient(self, patient_ref: str) -> list[StoredRecord]:
        """The patient's records, oldest first."""

    @abstractmethod
    def record_ids(self) -> set[str]: ...

    @abstractmethod
    def tombstone(self, record_id: str) -> Tombstone | None: ...

    @abstractmethod
    def erase(self, tombstone: Tombstone) -> bool:
        """Replace a record by its tombstone, atomically; False if it was not (or no longer) there."""

    @abstractmethod
    def close(self) -> None: ...


class SqliteRecordIndex(RecordIndex):
    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        path.chmod(0o600)
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.execute("PRAGMA journal_mode=DELETE")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def meta(self, name: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))

    def add(self, record: StoredRecord, wrapped_key: bytes) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO records (record_id, patient_ref, body, wrapped_key) VALUES (?, ?, ?, ?)",
                (record.record_id, record.patient_ref, record.model_dump_json(), wrapped_key),
            )

    def remove(self, record_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM records WHERE record_id = ?", (record_id,))

    def find(self, record_id: str) -> tuple[StoredRecord, bytes] | None:
        with self._lock:
            row = self._db.execute("SELECT body, wrapped_key FROM records WHERE record_id = ?", (record_id,)).fetchone()
        return (StoredRecord.model_validate_json(row[0]), bytes(row[1])) if row else None

    def for_patient(self, patient_ref: str) -> list[StoredRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM records WHERE patient_ref = ? ORDER BY rowid", (patient_ref,)
            ).fetchall()
        return [StoredRecord.model_validate_json(body) for (body,) in rows]

    def record_ids(self) -> set[str]:
        with self._lock:
            return {record_id for (record_id,) in self._db.execute("SELECT record_id FROM records")}

    def tombstone(self, record_id: str) -> Tombstone | None:
        with self._lock:
            row = self._db.execute("SELECT body FROM tombstones WHERE record_id = ?", (record_id,)).fetchone()
        return Tombstone.model_validate_json(row[0]) if row else None

    def erase(self, tombstone: Tombstone) -> bool:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                deleted = self._db.execute("DELETE FROM records WHERE record_id = ?", (tombstone.record_id,))
                if deleted.rowcount == 1:
                    self._db.execute(
                        "INSERT INTO tombstones (record_id, body) VALUES (?, ?)",
                        (tombstone.record_id, tombstone.model_dump_json()),
                    )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return deleted.rowcount == 1

    def close(self) -> None:
        self._db.close()

"""The record store's index in PostgreSQL: the tables `record_index`, `record_tombstones` and `record_meta`
of `medcred.schema`, shared by every instance of the issuer's controller. Same interface as on SQLite."""

from __future__ import annotations

from typing import TYPE_CHECKING

from issuer.health_records.index import RecordIndex, StoredRecord, Tombstone
from medcred.database import Database
from medcred.schema import open_pool

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

__all__ = ["PostgresRecordIndex"]


class PostgresRecordIndex(RecordIndex):
    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    @classmethod
    def open(cls, database: Database) -> PostgresRecordIndex:
        return cls(open_pool(database, name="records"))

    def meta(self, name: str) -> str | None:
        with self._pool.connection() as db:
            row = db.execute("SELECT value FROM record_meta WHERE name = %s", (name,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, name: str, value: str) -> None:
        with self._pool.connection() as db:
            db.execute("INSERT INTO record_meta (name, value) VALUES (%s, %s) "
                       "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (name, value))  # fmt: skip

    def add(self, record: StoredRecord, wrapped_key: bytes) -> None:
        with self._pool.connection() as db:
            db.execute("INSERT INTO record_index (record_id, patient_ref, body, wrapped_key) VALUES (%s, %s, %s, %s)",
                       (record.record_id, record.patient_ref, record.model_dump_json(), wrapped_key))  # fmt: skip

    def remove(self, record_id: str) -> None:
        with self._pool.connection() as db:
            db.execute("DELETE FROM record_index WHERE record_id = %s", (record_id,))

    def find(self, record_id: str) -> tuple[StoredRecord, bytes] | None:
        with self._pool.connection() as db:
            row = db.execute("SELECT body, wrapped_key FROM record_index WHERE record_id = %s", (record_id,)).fetchone()
        return (StoredRecord.model_validate_json(row[0]), bytes(row[1])) if row else None

    def for_patient(self, patient_ref: str) -> list[StoredRecord]:
        with self._pool.connection() as db:
            rows = db.execute("SELECT body FROM record_index WHERE patient_ref = %s ORDER BY seq",
                              (patient_ref,)).fetchall()  # fmt: skip
        return [StoredRecord.model_validate_json(body) for (body,) in rows]

    def record_ids(self) -> set[str]:
        with self._pool.connection() as db:
            return {record_id for (record_id,) in db.execute("SELECT record_id FROM record_index").fetchall()}

    def tombstone(self, record_id: str) -> Tombstone | None:
        with self._pool.connection() as db:
            row = db.execute("SELECT body FROM record_tombstones WHERE record_id = %s", (record_id,)).fetchone()
        return Tombstone.model_validate_json(row[0]) if row else None

    def erase(self, tombstone: Tombstone) -> bool:
        with self._pool.connection() as db, db.transaction():
            deleted = db.execute("DELETE FROM record_index WHERE record_id = %s", (tombstone.record_id,))
            if deleted.rowcount == 1:
                db.execute("INSERT INTO record_tombstones (record_id, body) VALUES (%s, %s)",
                           (tombstone.record_id, tombstone.model_dump_json()))  # fmt: skip
            return deleted.rowcount == 1

    def close(self) -> None:
        self._pool.close()

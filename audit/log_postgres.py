"""An audit log in PostgreSQL (`MEDCRED_DATABASE_URL`): rows that several instances of a service append to.

    log = TableAuditLog(open_pool(database, name="issuer-audit"), "issuer")
    log.export(folder)      # entries.jsonl and batches.jsonl, byte for byte what a FileAuditLog holds

Tables `audit_entries` and `audit_batches` (`medcred.schema`). Each row holds the entry's or batch's
canonical JSON line, so that a log exported to files verifies exactly as a file log does (the batch's
`offset` is the entry's byte offset in the exported entries.jsonl, kept in `byte_offset`).

Several processes: an append takes the service's transaction-scoped advisory lock, reads the chain's
head and inserts the next entry, so instances never fork the chain (one short transaction, ~1 ms here).
Nothing of the log lives only in one process's memory: pending entries are the rows after the last
batch, and `anchoring()` holds the service's session advisory lock while one instance cuts, anchors and
records a batch (a killed holder's lock goes with its connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.files import BATCHES, ENTRIES
from audit.log import AuditLog, Pending, chained
from audit.records import GENESIS_PREV, AuditEntry, Batch, normalise_details, parse_batch, parse_entry
from medcred.errors import AuditLogError

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg_pool import ConnectionPool

__all__ = ["TableAuditLog", "logged_services"]

_PAGE = 1000  # rows per read of a long log
# Advisory lock keys, hashtextextended(space || service, 0): one for appends, one for anchoring (held
# for a ledger write: appends must not wait for it).
APPEND_LOCK, ANCHOR_LOCK = "medcred-audit-append:", "medcred-audit-anchor:"


def logged_services(pool: ConnectionPool) -> list[str]:
    """The services that have entries in the database."""
    with pool.connection() as db:
        return [row[0] for row in db.execute("SELECT DISTINCT service FROM audit_entries ORDER BY service")]


class TableAuditLog(AuditLog):
    shared = True

    def __init__(self, pool: ConnectionPool, service: str, *, owns_pool: bool = True) -> None:
        super().__init__(service)
        self._pool, self._owns_pool = pool, owns_pool

    # -- appending ---------------------------------------------------------------------------------

    def append(self, event: str, *, subject: str | None = None, details: Mapping[str, Any] | None = None) -> AuditEntry:
        clean = normalise_details(details)
        with self._pool.connection() as db, db.transaction():
            self._lock(db, "pg_advisory_xact_lock", APPEND_LOCK)
            row = db.execute(
                "SELECT e.seq, e.hash, e.byte_offset + octet_length(e.line) + 1, "
                "(SELECT COALESCE(max(last_seq), 0) FROM audit_batches b WHERE b.service = e.service) "
                "FROM audit_entries e WHERE e.service = %s ORDER BY e.seq DESC LIMIT 1",
                (self.service,),
            ).fetchone()
            seq, prev, offset, anchored = row if row else (0, GENESIS_PREV, 0, 0)
            entry = chained(self.service, seq + 1, prev, event, subject, clean)
            db.execute(
                "INSERT INTO audit_entries (service, seq, byte_offset, appended_at, subject, hash, line) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (self.service, entry.seq, offset, time.time(), subject, entry.hash, entry.to_json()),
            )
        self._tell_watchers(entry.seq - anchored)
        return entry

    # -- reading -------------------------------------------------------------------------------------

    def _one(self, sql: str, *params: object) -> tuple[Any, ...] | None:
        with self._pool.connection() as db:
            return db.execute(sql, params).fetchone()

    @property
    def last_seq(self) -> int:
        row = self._one("SELECT max(seq) FROM audit_entries WHERE service = %s", self.service)
        return int(row[0]) if row and row[0] is not None else 0

    @property
    def head(self) -> str:
        row = self._one("SELECT hash FROM audit_entries WHERE service = %s ORDER BY seq DESC LIMIT 1", self.service)
        return str(row[0]) if row else GENESIS_PREV

    @property
    def anchored_seq(self) -> int:
        row = self._one("SELECT COALESCE(max(last_seq), 0) FROM audit_batches WHERE service = %s", self.service)
        return int(row[0]) if row else 0

    @property
    def batch_count(self) -> int:
        row = self._one("SELECT COALESCE(max(batch), 0) FROM audit_batches WHERE service = %s", self.service)
        return int(row[0]) if row else 0

    def _lines(self, subject: str | None = None) -> Iterator[tuple[int, str]]:
        """(byte offset, line) of every entry in order, a page at a time."""
        after = 0
        while True:
            with self._pool.connection() as db:
                rows = db.execute(
                    "SELECT seq, byte_offset, line FROM audit_entries WHERE service = %s AND seq > %s "
                    "AND (%s::text IS NULL OR subject = %s) ORDER BY seq LIMIT %s",
                    (self.service, after, subject, subject, _PAGE),
                ).fetchall()
            for seq, offset, line in rows:
                after = seq
                yield offset, line
            if len(rows) < _PAGE:
                return

    def entries(self, subject: str | None = None) -> Iterator[AuditEntry]:
        for _, line in self._lines(subject):
            yield _parse(parse_entry, line)

    def batches(self) -> Iterator[Batch]:
        with self._pool.connection() as db:
            rows = db.execute("SELECT line FROM audit_batches WHERE service = %s ORDER BY batch",
                              (self.service,)).fetchall()  # fmt: skip
        for (line,) in rows:
            yield _parse(parse_batch, line)

    def _batch_of(self, seq: int) -> tuple[Batch, list[str]] | None:
        row = self._one("SELECT line FROM audit_batches WHERE service = %s AND first_seq <= %s AND last_seq >= %s",
                        self.service, seq, seq)  # fmt: skip
        if row is None:
            return None
        batch = _parse(parse_batch, row[0])
        with self._pool.connection() as db:
            hashes = [h for (h,) in db.execute(
                "SELECT hash FROM audit_entries WHERE service = %s AND seq BETWEEN %s AND %s ORDER BY seq",
                (self.service, batch.first_seq, batch.last_seq),
            )]  # fmt: skip
        return batch, hashes

    def export(self, folder: Path) -> Path:
        """Write the log as entries.jsonl and batches.jsonl into `folder` (0700), for `verify_log` or an auditor."""
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with (folder / ENTRIES).open("w", encoding="utf-8") as out:
            for _, line in self._lines():
                out.write(line + "\n")
        with (folder / BATCHES).open("w", encoding="utf-8") as out:
            for batch in self.batches():
                out.write(batch.to_json() + "\n")
        return folder

    # -- anchoring -----------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def anchoring(self) -> AsyncIterator[None]:
        """The service's session advisory lock, on a connection of its own for as long as it is held."""
        connection = await asyncio.to_thread(self._pool.getconn)
        try:
            await asyncio.to_thread(self._lock, connection, "pg_advisory_lock", ANCHOR_LOCK)
            try:
                yield
            finally:
                await asyncio.to_thread(self._lock, connection, "pg_advisory_unlock", ANCHOR_LOCK)
        finally:
            self._pool.putconn(connection)

    def due(self) -> tuple[int, float | None]:
        row = self._one(
            "SELECT count(*), min(appended_at) FROM audit_entries WHERE service = %s AND seq > "
            "(SELECT COALESCE(max(last_seq), 0) FROM audit_batches WHERE service = %s)",
            self.service, self.service,
        )  # fmt: skip
        if not row or not row[0]:
            return 0, None
        return int(row[0]), _monotonic(float(row[1]))

    def cut(self, limit: int | None = None) -> list[Pending]:
        with self._pool.connection() as db:
            rows = db.execute(
                "SELECT byte_offset, appended_at, line FROM audit_entries WHERE service = %s AND seq > "
                "(SELECT COALESCE(max(last_seq), 0) FROM audit_batches WHERE service = %s) ORDER BY seq LIMIT %s",
                (self.service, self.service, limit),
            ).fetchall()
        return [Pending(_parse(parse_entry, line), int(offset), _monotonic(at)) for offset, at, line in rows]

    def sync(self) -> None:
        """Nothing to do: every append was committed."""

    def record(self, batch: Batch) -> None:
        with self._pool.connection() as db, db.transaction():  # under anchoring(): no other instance records
            row = db.execute(
                "SELECT COALESCE(max(batch), 0), COALESCE(max(last_seq), 0) FROM audit_batches WHERE service = %s",
                (self.service,),
            ).fetchone()
            count, anchored = row if row else (0, 0)
            if batch.first_seq != anchored + 1 or batch.batch != count + 1:
                raise AuditLogError(f"batch {batch.batch} does not follow batch {count}")
            db.execute(
                "INSERT INTO audit_batches (service, batch, first_seq, last_seq, line) VALUES (%s, %s, %s, %s, %s)",
                (self.service, batch.batch, batch.first_seq, batch.last_seq, batch.to_json()),
            )

    def close(self) -> None:
        if self._owns_pool:
            self._pool.close()

    def _lock(self, db: Connection, function: str, space: str) -> None:
        db.execute(f"SELECT {function}(hashtextextended(%s, 0))".encode(), (space + self.service,))


def _monotonic(epoch: float) -> float:
    """A wall-clock time of the past on this process's monotonic clock (what the anchorer compares)."""
    return time.monotonic() - max(time.time() - epoch, 0.0)


def _parse[T](parser: Callable[[str], T], line: str) -> T:
    try:
        return parser(line)
    except (ValueError, TypeError) as exc:
        raise AuditLogError(f"an audit row is corrupt ({exc}); run `medcred audit verify`") from None

"""An audit log in two files, `<folder>/entries.jsonl` and `<folder>/batches.jsonl` (one process writes them).

    log = FileAuditLog(folder, "issuer")

Appends are one write of one canonical JSON line (no fsync, until `sync()`), under a lock. The files are
also the form in which any log is verified and handed to auditors (`TableAuditLog.export`).
No health data in an audit log: see `audit.log`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from audit.files import (
    BATCHES,
    ENTRIES,
    append_all,
    batch_hashes,
    open_for_append,
    parse_line,
    read_batches,
    read_entries,
    tail_lines,
)
from audit.log import AuditLog, Pending, chained
from audit.records import (
    GENESIS_PREV,
    AuditEntry,
    Batch,
    normalise_details,
    parse_batch,
    parse_entry,
)
from medcred.errors import AuditLogError

__all__ = ["FileAuditLog"]


class FileAuditLog(AuditLog):
    """One service's log in its folder. Opening reads only the files' last lines (and the entries not yet anchored)."""

    def __init__(self, folder: Path, service: str) -> None:
        super().__init__(service)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.folder = folder
        self._lock = threading.Lock()
        entries_path, batches_path = folder / ENTRIES, folder / BATCHES
        batch_lines, _ = tail_lines(batches_path, 1)
        last_batch = parse_line(parse_batch, batches_path, "last", batch_lines[0]) if batch_lines else None
        self._anchored_seq = last_batch.last_seq if last_batch else 0
        self._batch_count = last_batch.batch if last_batch else 0
        self._size = entries_path.stat().st_size if entries_path.exists() else 0
        self._seq, self._head, self._pending = self._load_tail(entries_path)
        if self._seq < self.anchored_seq:
            raise AuditLogError(
                f"{batches_path} anchors entries up to {self.anchored_seq}, but {entries_path} ends at entry "
                f"{self._seq}; run `medcred audit verify`"
            )
        self._entries_fd = open_for_append(entries_path)
        self._batches_fd = open_for_append(batches_path)

    def _load_tail(self, path: Path) -> tuple[int, str, list[Pending]]:
        """The last entry's seq and hash, and the entries after the last anchored one."""
        if self._size == 0:
            return 0, GENESIS_PREV, []
        last_lines, _ = tail_lines(path, 1)
        last = parse_line(parse_entry, path, "last", last_lines[0])
        if last.service != self.service:
            raise AuditLogError(f"{path} is the audit log of {last.service!r}, not of {self.service!r}")
        lines, offset = tail_lines(path, max(last.seq - self.anchored_seq, 0))
        pending = []
        for number, line in enumerate(lines, self.anchored_seq + 1):
            entry = parse_line(parse_entry, path, number, line)
            if entry.seq != number:
                raise AuditLogError(f"{path}: entry {number} is out of place; run `medcred audit verify`")
            pending.append(Pending(entry, offset, 0.0))  # left over from an earlier run: due at once
            offset += len(line) + 1
        return last.seq, last.hash, pending

    # -- appending ---------------------------------------------------------------------------------

    def append(self, event: str, *, subject: str | None = None, details: Mapping[str, Any] | None = None) -> AuditEntry:
        """Append one event (ids, names and states only - never health data) and return its entry."""
        clean = normalise_details(details)
        with self._lock:
            entry = chained(self.service, self._seq + 1, self._head, event, subject, clean)
            line = (entry.to_json() + "\n").encode()
            append_all(self._entries_fd, line, self._size)
            self._pending.append(Pending(entry, self._size, time.monotonic()))
            self._size += len(line)
            self._seq, self._head = entry.seq, entry.hash
            self._tell_watchers(len(self._pending))
        return entry

    # -- reading -------------------------------------------------------------------------------------

    @property
    def last_seq(self) -> int:
        return self._seq

    @property
    def head(self) -> str:
        return self._head

    @property
    def anchored_seq(self) -> int:
        return self._anchored_seq

    @property
    def batch_count(self) -> int:
        return self._batch_count

    def entries(self, subject: str | None = None) -> Iterator[AuditEntry]:
        """Every entry in order (only those about `subject` when given)."""
        for entry in read_entries(self.folder):
            if subject is None or entry.subject == subject:
                yield entry

    def batches(self) -> Iterator[Batch]:
        return read_batches(self.folder)

    def _batch_of(self, seq: int) -> tuple[Batch, list[str]] | None:
        if not 1 <= seq <= self.anchored_seq:
            return None
        batch = next((b for b in self.batches() if b.first_seq <= seq <= b.last_seq), None)
        return (batch, batch_hashes(self.folder, batch)) if batch is not None else None

    # -- anchoring (the Anchorer's side) -----------------------------------------------------------

    def due(self) -> tuple[int, float | None]:
        """How many entries wait for an anchor, and since when (monotonic) the oldest has waited."""
        with self._lock:
            return len(self._pending), self._pending[0].appended if self._pending else None

    def cut(self, limit: int | None = None) -> list[Pending]:
        """The oldest pending entries (at most `limit`), to be anchored as the next batch."""
        with self._lock:
            return self._pending[:limit] if limit else list(self._pending)

    def sync(self) -> None:
        """Make every appended entry durable (fsync)."""
        os.fsync(self._entries_fd)

    def record(self, batch: Batch) -> None:
        """Keep an anchored batch (durably) and take its entries off the pending list."""
        if batch.first_seq != self.anchored_seq + 1 or batch.batch != self.batch_count + 1:
            raise AuditLogError(f"batch {batch.batch} does not follow batch {self.batch_count}")
        line = (batch.to_json() + "\n").encode()
        append_all(self._batches_fd, line, os.fstat(self._batches_fd).st_size)
        os.fsync(self._batches_fd)
        with self._lock:
            del self._pending[: batch.size]
            self._anchored_seq, self._batch_count = batch.last_seq, batch.batch

    def close(self) -> None:
        """Close both files, once: a second close must not close descriptors the process has reused."""
        fds, self._entries_fd, self._batches_fd = (self._entries_fd, self._batches_fd), -1, -1
        for fd in fds:
            if fd < 0:
                continue
            try:
                os.close(fd)
            except OSError:
                pass

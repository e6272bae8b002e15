"""A service's append-only, hash-chained audit log: `<folder>/entries.jsonl` and `<folder>/batches.jsonl`.

    log = AuditLog(folder, "issuer")
    log.append("credential.issued", subject=patient_ref, details={"credential_id": cid, "type": "vaccination"})

!!! NO HEALTH DATA IN AN AUDIT LOG !!!
The log is kept forever, copied to auditors and anchored on a shared ledger. `details` (and `subject`)
must hold identifiers, attribute NAMES and states only - never a value: no names, birth dates, codes,
lot numbers, tokens or keys. The caller is responsible; this module cannot tell a value from an id.

Appends are cheap and synchronous (one write of one canonical JSON line, no fsync) and thread-safe.
An `Anchorer` commits batches of pending entries to the ledger; `verify_log` checks everything.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
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
from audit.merkle import InclusionProof, prove
from audit.records import (
    GENESIS_PREV,
    AuditEntry,
    Batch,
    entry_hash,
    normalise_details,
    parse_batch,
    parse_entry,
)
from medcred.errors import AuditLogError, InvalidInputError

__all__ = ["AuditLog", "Pending"]

Watcher = Callable[[int], None]


class Pending:
    """An appended entry not yet anchored: where its line starts, and when (monotonic) it was appended."""

    __slots__ = ("appended", "entry", "offset")

    def __init__(self, entry: AuditEntry, offset: int, appended: float) -> None:
        self.entry, self.offset, self.appended = entry, offset, appended


class AuditLog:
    """One service's log. Opening reads only the files' last lines (and the entries not yet anchored)."""

    def __init__(self, folder: Path, service: str) -> None:
        if not service:
            raise InvalidInputError("an audit log needs its service's name")
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.folder, self.service = folder, service
        self._lock = threading.Lock()
        self._watchers: list[Watcher] = []
        entries_path, batches_path = folder / ENTRIES, folder / BATCHES
        batch_lines, _ = tail_lines(batches_path, 1)
        last_batch = parse_line(parse_batch, batches_path, "last", batch_lines[0]) if batch_lines else None
        self.anchored_seq = last_batch.last_seq if last_batch else 0
        self.batch_count = last_batch.batch if last_batch else 0
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
        if not event:
            raise InvalidInputError("an audit event needs a name")
        clean = normalise_details(details)
        with self._lock:
            fields = {
                "seq": self._seq + 1, "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "service": self.service, "event": event, "subject": subject, "details": clean, "prev": self._head,
            }
            entry = AuditEntry(**fields, hash=entry_hash(fields))  # type: ignore[arg-type]
            line = (entry.to_json() + "\n").encode()
            append_all(self._entries_fd, line, self._size)
            self._pending.append(Pending(entry, self._size, time.monotonic()))
            self._size += len(line)
            self._seq, self._head = entry.seq, entry.hash
            waiting = len(self._pending)
            for watcher in self._watchers:
                watcher(waiting)
        return entry

    def watch(self, watcher: Watcher) -> Callable[[], None]:
        """Call `watcher(pending count)` after every append (under the log's lock: keep it tiny)."""
        with self._lock:
            self._watchers.append(watcher)

        def unwatch() -> None:
            with self._lock:
                self._watchers.remove(watcher)

        return unwatch

    # -- reading -------------------------------------------------------------------------------------

    @property
    def last_seq(self) -> int:
        return self._seq

    @property
    def head(self) -> str:
        return self._head

    def entries(self, subject: str | None = None) -> Iterator[AuditEntry]:
        """Every entry in order (only those about `subject` when given)."""
        for entry in read_entries(self.folder):
            if subject is None or entry.subject == subject:
                yield entry

    def pending(self) -> list[AuditEntry]:
        """Entries appended but not yet in an anchored batch."""
        with self._lock:
            return [item.entry for item in self._pending]

    def batches(self) -> Iterator[Batch]:
        return read_batches(self.folder)

    def proof(self, seq: int) -> InclusionProof | None:
        """Entry `seq`'s inclusion proof in its anchored batch; None while it is not anchored yet."""
        if not 1 <= seq <= self.anchored_seq:
            return None
        batch = next((b for b in self.batches() if b.first_seq <= seq <= b.last_seq), None)
        if batch is None:
            return None
        hashes = batch_hashes(self.folder, batch)
        if len(hashes) != batch.size:
            raise AuditLogError(f"batch {batch.batch}'s entries are incomplete; run `medcred audit verify`")
        proof = prove(batch, hashes, seq - batch.first_seq)
        if proof.root != batch.root:
            raise AuditLogError(f"batch {batch.batch}'s entries no longer match its root; run `medcred audit verify`")
        return proof

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
            self.anchored_seq, self.batch_count = batch.last_seq, batch.batch

    def close(self) -> None:
        for fd in (self._entries_fd, self._batches_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

"""A service's append-only, hash-chained audit log: what every kind of log does, whatever keeps it.

    FileAuditLog(folder, "issuer")          <folder>/entries.jsonl and batches.jsonl (audit.log_files)
    TableAuditLog(pool, "issuer")           PostgreSQL rows, shared by several instances (audit.log_postgres)

    log.append("credential.issued", subject=patient_ref, details={"credential_id": cid, "type": "vaccination"})

!!! NO HEALTH DATA IN AN AUDIT LOG !!!
The log is kept forever, copied to auditors and anchored on a shared ledger. `details` (and `subject`)
must hold identifiers, attribute NAMES and states only - never a value: no names, birth dates, codes,
lot numbers, tokens or keys. The caller is responsible; this module cannot tell a value from an id.

Appends are cheap and synchronous (one canonical JSON line) and thread-safe. An `Anchorer` commits
batches of pending entries to the ledger (holding `anchoring()`); `verify_log` checks everything.
"""

from __future__ import annotations

import contextlib
import threading
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Self

from audit.merkle import InclusionProof, prove
from audit.records import AuditEntry, Batch, entry_hash
from medcred.errors import AuditLogError, InvalidInputError

__all__ = ["AuditLog", "Pending", "Watcher", "chained"]

Watcher = Callable[[int], None]


def chained(service: str, seq: int, prev: str, event: str, subject: str | None, details: dict[str, Any]) -> AuditEntry:
    """Entry `seq` of a service's log, after the entry whose hash is `prev` (details already normalised)."""
    if not event:
        raise InvalidInputError("an audit event needs a name")
    fields = {
        "seq": seq, "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "service": service, "event": event, "subject": subject, "details": details, "prev": prev,
    }  # fmt: skip
    return AuditEntry(**fields, hash=entry_hash(fields))  # type: ignore[arg-type]


class Pending:
    """An appended entry not yet anchored: where its line starts, and when (monotonic) it was appended."""

    __slots__ = ("appended", "entry", "offset")

    def __init__(self, entry: AuditEntry, offset: int, appended: float) -> None:
        self.entry, self.offset, self.appended = entry, offset, appended


class AuditLog(ABC):
    """One service's log: entries chained by hash, and the batches of them anchored on the ledger."""

    # True when other processes append to the same log (PostgreSQL): the anchorer then looks on the
    # ledger for a batch another instance wrote but did not record before it died, at every anchoring.
    shared: bool = False

    def __init__(self, service: str) -> None:
        if not service:
            raise InvalidInputError("an audit log needs its service's name")
        self.service = service
        self._watchers: list[Watcher] = []
        self._watch_lock = threading.Lock()

    # -- appending ---------------------------------------------------------------------------------

    @abstractmethod
    def append(self, event: str, *, subject: str | None = None, details: Mapping[str, Any] | None = None) -> AuditEntry:
        """Append one event (ids, names and states only - never health data) and return its entry."""

    def watch(self, watcher: Watcher) -> Callable[[], None]:
        """Call `watcher(pending count)` after every append of this process (keep it tiny); returns unwatch."""
        with self._watch_lock:
            self._watchers.append(watcher)

        def unwatch() -> None:
            with self._watch_lock:
                self._watchers.remove(watcher)

        return unwatch

    def _tell_watchers(self, waiting: int) -> None:
        with self._watch_lock:
            for watcher in self._watchers:
                watcher(waiting)

    # -- reading -------------------------------------------------------------------------------------

    @property
    @abstractmethod
    def last_seq(self) -> int: ...

    @property
    @abstractmethod
    def head(self) -> str:
        """The last entry's hash (the chain's genesis value while the log is empty)."""

    @property
    @abstractmethod
    def anchored_seq(self) -> int:
        """The last entry in an anchored batch (0: none yet)."""

    @property
    @abstractmethod
    def batch_count(self) -> int: ...

    @abstractmethod
    def entries(self, subject: str | None = None) -> Iterator[AuditEntry]:
        """Every entry in order (only those about `subject` when given)."""

    @abstractmethod
    def batches(self) -> Iterator[Batch]: ...

    def proof(self, seq: int) -> InclusionProof | None:
        """Entry `seq`'s inclusion proof in its anchored batch; None while it is not anchored yet."""
        found = self._batch_of(seq)
        if found is None:
            return None
        batch, hashes = found
        if len(hashes) != batch.size:
            raise AuditLogError(f"batch {batch.batch}'s entries are incomplete; run `medcred audit verify`")
        proof = prove(batch, hashes, seq - batch.first_seq)
        if proof.root != batch.root:
            raise AuditLogError(f"batch {batch.batch}'s entries no longer match its root; run `medcred audit verify`")
        return proof

    @abstractmethod
    def _batch_of(self, seq: int) -> tuple[Batch, list[str]] | None:
        """The anchored batch that holds entry `seq`, and the hashes of its entries as kept (None: not anchored)."""

    def pending(self) -> list[AuditEntry]:
        """Entries appended but not yet in an anchored batch."""
        return [item.entry for item in self.cut()]

    # -- anchoring (the Anchorer's side) -----------------------------------------------------------

    @contextlib.asynccontextmanager
    async def anchoring(self) -> AsyncIterator[None]:
        """Held while one batch is cut, anchored and recorded: one anchorer at a time (across processes)."""
        yield

    @abstractmethod
    def due(self) -> tuple[int, float | None]:
        """How many entries wait for an anchor, and since when (monotonic) the oldest has waited."""

    @abstractmethod
    def cut(self, limit: int | None = None) -> list[Pending]:
        """The oldest pending entries (at most `limit`), to be anchored as the next batch."""

    @abstractmethod
    def sync(self) -> None:
        """Make every appended entry durable."""

    @abstractmethod
    def record(self, batch: Batch) -> None:
        """Keep an anchored batch (durably) and take its entries off the pending list."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

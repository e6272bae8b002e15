"""The two files of an audit log, `entries.jsonl` and `batches.jsonl`: whole appends, the last lines of a
file, complete lines only, and records read back (AuditLogError at a line that does not parse).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from audit.records import AuditEntry, Batch, parse_batch, parse_entry
from medcred.errors import AuditLogError

__all__ = [
    "BATCHES",
    "ENTRIES",
    "append_all",
    "batch_hashes",
    "complete_lines",
    "open_for_append",
    "parse_line",
    "read_batches",
    "read_entries",
    "tail_lines",
]

ENTRIES, BATCHES = "entries.jsonl", "batches.jsonl"

_BLOCK = 64 * 1024


def open_for_append(path: Path) -> int:
    """A file descriptor appending to `path` (created 0600): every write lands at the end, whole."""
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)


def append_all(fd: int, data: bytes, size_before: int) -> None:
    """Write all of `data`; on failure cut the file back to `size_before`, so no torn line stays."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        try:
            os.ftruncate(fd, size_before)
        except OSError:
            pass
        raise AuditLogError(f"cannot append to the audit log: {exc}") from exc


def tail_lines(path: Path, count: int) -> tuple[list[bytes], int]:
    """The last `count` lines of a file (without their newlines) and the offset where the first starts.

    A file that does not end with a newline had its last write cut off: that is an AuditLogError.
    """
    size = path.stat().st_size if path.exists() else 0
    if size == 0 or count == 0:
        return [], size
    with path.open("rb") as file:
        file.seek(size - 1)
        if file.read(1) != b"\n":
            raise AuditLogError(
                f"{path} ends with an incomplete line (a write was cut off); "
                "run `medcred audit verify`, then repair the file by hand"
            )
        data, start = b"", size
        while start > 0 and data.count(b"\n") <= count:
            step = min(_BLOCK, start)
            start -= step
            file.seek(start)
            data = file.read(step) + data
    lines = data[:-1].split(b"\n")
    kept = lines[-count:]
    first_offset = size - sum(len(line) + 1 for line in kept)
    return kept, first_offset


def complete_lines(path: Path, offset: int = 0) -> Iterator[tuple[int, bytes]]:
    """(offset, line) for every newline-terminated line from `offset`; a line still being written is left out."""
    if not path.exists():
        return
    with path.open("rb") as file:
        file.seek(offset)
        position = offset
        for line in file:
            if not line.endswith(b"\n"):
                return
            yield position, line[:-1]
            position += len(line)


def parse_line[T](parser: Callable[[str], T], path: Path, line_no: int | str, line: bytes) -> T:
    try:
        return parser(line.decode())
    except (ValueError, TypeError) as exc:
        raise AuditLogError(f"{path} line {line_no} is corrupt ({exc}); run `medcred audit verify`") from None


def read_entries(folder: Path) -> Iterator[AuditEntry]:
    """Every complete entry of a log, in file order."""
    path = folder / ENTRIES
    for line_no, (_, line) in enumerate(complete_lines(path), 1):
        yield parse_line(parse_entry, path, line_no, line)


def read_batches(folder: Path) -> Iterator[Batch]:
    """Every complete batch record of a log, in file order."""
    path = folder / BATCHES
    for line_no, (_, line) in enumerate(complete_lines(path), 1):
        yield parse_line(parse_batch, path, line_no, line)


def batch_hashes(folder: Path, batch: Batch) -> list[str]:
    """The hashes of a batch's entries, read from its offset in entries.jsonl."""
    path, hashes = folder / ENTRIES, list[str]()
    for _, line in complete_lines(path, batch.offset):
        entry = parse_line(parse_entry, path, batch.first_seq + len(hashes), line)
        if entry.seq != batch.first_seq + len(hashes):
            raise AuditLogError(f"batch {batch.batch} no longer fits {ENTRIES}; run `medcred audit verify`")
        hashes.append(entry.hash)
        if entry.seq == batch.last_seq:
            break
    return hashes

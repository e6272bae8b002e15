"""Low-level file work of an audit log: whole appends, the last lines of a file, complete lines only."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from medcred.errors import AuditLogError

__all__ = ["append_all", "complete_lines", "open_for_append", "tail_lines"]

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

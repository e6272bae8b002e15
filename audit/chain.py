"""The first check of `verify_log`: every line of entries.jsonl is an entry, and the entries form one chain.

It names the first entry that was altered (its hash does not match its content), removed (seq gap),
moved or inserted (out of order, repeated, or not linked to its predecessor by `prev`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from audit.files import complete_lines
from audit.records import GENESIS_PREV, AuditEntry, parse_entry

__all__ = ["ChainResult", "check_chain"]


@dataclass
class ChainResult:
    """What the chain check found: how far it got, each entry's hash, the first problem."""

    entries: int = 0
    hashes: list[str] = field(default_factory=list)  # hashes[seq - 1]
    problem: str | None = None
    first_bad_seq: int | None = None

    def fail(self, problem: str, seq: int) -> ChainResult:
        self.problem, self.first_bad_seq = problem, seq
        return self


def _entries(path: Path) -> Iterator[tuple[int, AuditEntry | None]]:
    """(line number, entry or None when the line does not parse); a torn last line comes as None too."""
    line_no = 0
    for line_no, (_, line) in enumerate(complete_lines(path), 1):
        try:
            yield line_no, parse_entry(line.decode())
        except (ValueError, TypeError):
            yield line_no, None
    size = path.stat().st_size if path.exists() else 0
    if size:
        with path.open("rb") as file:
            file.seek(size - 1)
            if file.read(1) != b"\n":
                yield line_no + 1, None


def check_chain(path: Path, service: str) -> ChainResult:
    """Walk entries.jsonl once (one line of lookahead) and stop at the first problem."""
    result = ChainResult()
    lines = _entries(path)
    current = next(lines, None)
    previous = GENESIS_PREV
    while current is not None:
        line_no, entry = current
        following = next(lines, None)
        expected = result.entries + 1
        where = f"line {line_no} of {path.name}"
        if entry is None:
            return result.fail(f"entry {expected} was altered: {where} is not an audit entry", expected)
        if entry.computed_hash() != entry.hash:
            name = f"entry {expected}" if entry.seq == expected else f"the entry on {where} (seq {entry.seq})"
            return result.fail(f"{name} was altered: its hash does not match its content", expected)
        if entry.seq > expected:
            if following is not None and following[1] is not None and following[1].seq == expected:
                return result.fail(
                    f"entry {expected} is out of place: it comes after entry {entry.seq} ({where} and the next "
                    "line are swapped, or a line was moved)", expected)
            gone = f"entry {expected} is" if entry.seq == expected + 1 else f"entries {expected}..{entry.seq - 1} are"
            return result.fail(f"{gone} missing (seq jumps from {expected - 1} to {entry.seq})", expected)
        if entry.seq < expected:
            return result.fail(
                f"entry {entry.seq} appears again after entry {expected - 1} ({where}): "
                "an entry was inserted or repeated", expected)
        if entry.prev != previous:
            return result.fail(
                f"entry {expected} does not follow entry {expected - 1}: its prev is not that entry's hash "
                "(an entry was inserted or replaced)", expected)
        if entry.service != service:
            return result.fail(f"entry {expected} belongs to service {entry.service!r}, not {service!r}", expected)
        previous = entry.hash
        result.entries = expected
        result.hashes.append(entry.hash)
        current = following
    return result

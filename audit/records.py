"""What an audit log holds: entries (hash-chained) and batches (anchored Merkle roots), and their canonical form.

An entry's `hash` is the sha256 of the canonical JSON (sorted keys, no spaces, UTF-8) of every field
but `hash`; its `prev` is the previous entry's hash, `GENESIS_PREV` for the first. A line of
`entries.jsonl` is the canonical JSON of every field, `hash` included, so anyone can recompute it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from medcred.errors import InvalidInputError

__all__ = [
    "ANCHOR_KEY",
    "GENESIS_PREV",
    "AuditEntry",
    "Batch",
    "anchor_raw",
    "canonical",
    "entry_hash",
    "normalise_details",
    "parse_anchor_raw",
    "parse_batch",
    "parse_entry",
]

GENESIS_PREV = "0" * 64
ANCHOR_KEY = "medcred_audit"  # the ATTRIB name, and the one key of its raw JSON


def canonical(value: Any) -> str:
    """The one JSON text of a value: `json.dumps(value, sort_keys=True, separators=(",", ":"))`, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def entry_hash(fields: Mapping[str, Any]) -> str:
    """sha256 (hex) of the canonical JSON of an entry's fields without `hash`."""
    body = {key: value for key, value in fields.items() if key != "hash"}
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def normalise_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """Details as they will read back from the file (string keys, lists), or InvalidInputError."""
    if not details:
        return {}
    try:
        value = json.loads(canonical(details))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"audit details must be plain JSON (ids, names, states): {exc}") from None
    if not isinstance(value, dict):
        raise InvalidInputError("audit details must be a mapping")
    return value


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One event: who (service) did what (event) about whom (subject), with ids and states (details)."""

    seq: int
    at: str
    service: str
    event: str
    subject: str | None
    details: dict[str, Any]
    prev: str
    hash: str

    def to_json(self) -> str:
        return canonical(asdict(self))

    def computed_hash(self) -> str:
        return entry_hash(asdict(self))


def parse_entry(line: str) -> AuditEntry:
    """An entry from one line of entries.jsonl; ValueError when it is not one."""
    data = json.loads(line)
    if not isinstance(data, dict) or set(data) != set(AuditEntry.__dataclass_fields__):
        raise ValueError("not an audit entry: its fields are not the entry's fields")
    if not isinstance(data["seq"], int) or not isinstance(data["details"], dict):
        raise ValueError("not an audit entry: seq must be an integer and details a mapping")
    return AuditEntry(**data)


@dataclass(frozen=True, slots=True)
class Batch:
    """Entries first_seq..last_seq whose Merkle root was written to the ledger as ATTRIB `raw`.

    `offset` is where entry first_seq starts in entries.jsonl (bytes), so a proof reads only its batch.
    """

    batch: int
    first_seq: int
    last_seq: int
    root: str
    head: str
    raw: str
    did: str
    seq_no: int
    txn_time: int
    offset: int

    @property
    def size(self) -> int:
        return self.last_seq - self.first_seq + 1

    def to_json(self) -> str:
        return canonical(asdict(self))


def parse_batch(line: str) -> Batch:
    """A batch from one line of batches.jsonl; ValueError when it is not one."""
    data = json.loads(line)
    if not isinstance(data, dict) or set(data) != set(Batch.__dataclass_fields__):
        raise ValueError("not a batch record: its fields are not a batch's fields")
    return Batch(**data)


def anchor_raw(service: str, batch: int, first: int, last: int, root: str, head: str) -> str:
    """The ATTRIB raw value that anchors a batch: one canonical JSON object under `medcred_audit`."""
    body = {"service": service, "batch": batch, "first": first, "last": last, "root": root, "head": head}
    return canonical({ANCHOR_KEY: body})


def parse_anchor_raw(raw: str) -> dict[str, Any] | None:
    """The `medcred_audit` object of an ATTRIB raw value, or None when it is not one."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    body = data.get(ANCHOR_KEY) if isinstance(data, dict) else None
    return body if isinstance(body, dict) else None

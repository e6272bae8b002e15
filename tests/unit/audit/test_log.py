"""The log itself: entries' canonical form and chain, reopening, refusing damaged files, threads."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from audit import AuditLog, FileAuditLog, verify_log
from medcred.errors import AuditLogError, InvalidInputError
from tests.unit.audit.conftest import SERVICE, fill


def _lines(folder: Path) -> list[str]:
    return (folder / "entries.jsonl").read_text().splitlines()


def test_an_entry_hashes_its_canonical_json_and_links_to_the_previous(log: AuditLog, folder: Path) -> None:
    first = log.append("patient.registered", subject="patient-1", details={"patient_id": "p-1", "state": "new"})
    second = log.append("invitation.created", subject="patient-1")

    assert (first.seq, first.prev, first.service, first.details) == (1, "0" * 64, SERVICE, {"patient_id": "p-1",
                                                                                            "state": "new"})
    fields = {"seq": 1, "at": first.at, "service": SERVICE, "event": "patient.registered", "subject": "patient-1",
              "details": {"patient_id": "p-1", "state": "new"}, "prev": "0" * 64}
    expected = hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert first.hash == expected
    assert (second.seq, second.prev, second.details, second.subject) == (2, first.hash, {}, "patient-1")
    assert datetime.fromisoformat(first.at).utcoffset() is not None and first.at.endswith("Z")
    line = _lines(folder)[0]
    assert line == json.dumps({**fields, "hash": expected}, sort_keys=True, separators=(",", ":"))
    assert list(log.entries()) == [first, second]


def test_details_must_be_plain_json_and_an_event_needs_a_name(log: AuditLog) -> None:
    with pytest.raises(InvalidInputError):
        log.append("x", details={"when": datetime.now()})
    with pytest.raises(InvalidInputError):
        log.append("x", details={"ratio": float("nan")})
    with pytest.raises(InvalidInputError):
        log.append("")
    with pytest.raises(InvalidInputError):
        log.append("x", details={"name": "a", 1: "mixed key types"})
    entry = log.append("x", details={"ids": ("a", "b"), "by_number": {2: "b", 10: "a"}})
    assert entry.details == {"ids": ["a", "b"], "by_number": {"10": "a", "2": "b"}}  # as it reads back
    assert list(log.entries()) == [entry] and log.last_seq == 1


def test_reopening_continues_the_chain_and_keeps_what_is_pending(log: AuditLog, folder: Path) -> None:
    fill(log, 5)
    head = log.head
    log.close()
    with FileAuditLog(folder, SERVICE) as again:
        assert (again.last_seq, again.head) == (5, head)
        assert [e.seq for e in again.pending()] == [1, 2, 3, 4, 5]
        entry = again.append("credential.revoked", subject="patient-0")
        assert (entry.seq, entry.prev) == (6, head)


def test_entries_of_one_subject(log: AuditLog) -> None:
    fill(log, 9)
    assert [e.seq for e in log.entries("patient-1")] == [2, 5, 8]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text + '{"seq": 4, "oops"\n', "line last is corrupt"),
        (lambda text: text + '{"seq":4', "ends with an incomplete line"),
        (lambda text: text.replace(SERVICE, "holder"), "not of 'issuer'"),
    ],
)
def test_a_damaged_last_line_is_refused(
    log: AuditLog, folder: Path, damage: Callable[[str], str], message: str
) -> None:
    fill(log, 3)
    log.close()
    path = folder / "entries.jsonl"
    path.write_text(damage(path.read_text()))
    with pytest.raises(AuditLogError, match=message):
        FileAuditLog(folder, SERVICE)


async def test_appends_from_several_threads_keep_one_valid_chain(log: AuditLog, folder: Path) -> None:
    threads = [threading.Thread(target=fill, args=(log, 500)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert log.last_seq == 4000
    assert [e.seq for e in log.entries()] == list(range(1, 4001))
    report = await verify_log(folder, SERVICE, None)
    assert report.ok and report.entries == 4000, report.problem


def test_a_proof_waits_for_the_anchor(log: AuditLog) -> None:
    fill(log, 3)
    assert log.proof(1) is None and log.proof(4) is None

"""verify_log names the first problem: an altered, missing, moved or inserted entry, an edited batch, a cut tail."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from audit import Anchorer, AnchorSettings, AuditLog, VerifyReport, verify_log
from audit.records import entry_hash
from ledger.identity import Signer
from tests.unit.audit.conftest import SERVICE, fill
from tests.unit.audit.fakes import FakeLedger

Damage = Callable[[list[str]], object]


async def _anchored(log: AuditLog, ledger: FakeLedger, signer: Signer, *sizes: int) -> None:
    """Batches of the given sizes, anchored on the fake ledger."""
    anchorer = Anchorer(log, ledger, signer, AnchorSettings())  # type: ignore[arg-type]
    for size in sizes:
        fill(log, size)
        assert await anchorer.anchor_now() is not None


def _edit(path: Path, change: Callable[[list[str]], object]) -> None:
    lines = path.read_text().splitlines(keepends=True)
    change(lines)
    path.write_text("".join(lines))


def _rewrite_entry(lines: list[str], index: int, **fields: object) -> None:
    data = json.loads(lines[index])
    data.update(fields)
    lines[index] = json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"


async def test_an_intact_log_is_ok_with_and_without_the_ledger(log: AuditLog, folder: Path, ledger: FakeLedger,
                                                                signer: Signer) -> None:
    await _anchored(log, ledger, signer, 10, 7)
    fill(log, 3)  # pending: not anchored yet, still verified as a chain
    assert await verify_log(folder, SERVICE, None) == VerifyReport(True, 20, 2, 0)
    assert await verify_log(folder, SERVICE, ledger) == VerifyReport(True, 20, 2, 2)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("damage", "problem", "seq"),
    [
        (lambda lines: _rewrite_entry(lines, 56, details={"credential_id": "c-other"}),
         "entry 57 was altered: its hash does not match its content", 57),
        (lambda lines: lines.pop(11), "entry 12 is missing (seq jumps from 11 to 13)", 12),
        (lambda lines: [lines.pop(11) for _ in range(3)], "entries 12..14 are missing (seq jumps from 11 to 15)", 12),
        (lambda lines: lines.insert(12, lines.pop(11)), "entry 12 is out of place: it comes after entry 13", 12),
        (lambda lines: lines.insert(7, lines[4]), "entry 5 appears again after entry 7 (line 8", 8),
        (lambda lines: lines.__setitem__(30, "not json\n"), "entry 31 was altered: line 31 of entries.jsonl", 31),
        (lambda lines: lines.append('{"seq":101'), "entry 101 was altered: line 101", 101),
    ],
    ids=["altered", "deleted", "three-deleted", "swapped", "inserted", "garbled", "torn-tail"],
)
async def test_a_damaged_entry_is_pinpointed(log: AuditLog, folder: Path, damage: Damage, problem: str,
                                             seq: int) -> None:
    fill(log, 100)
    log.close()
    _edit(folder / "entries.jsonl", damage)
    report = await verify_log(folder, SERVICE, None)
    assert not report.ok and report.problem is not None and problem in report.problem, report.problem
    assert report.first_bad_seq == seq


async def test_a_forged_entry_that_fits_its_own_hash_breaks_the_link(log: AuditLog, folder: Path) -> None:
    fill(log, 10)
    log.close()

    def forge(lines: list[str]) -> None:
        data = json.loads(lines[5])
        data.update(event="record.viewed", prev="ab" * 32)
        data["hash"] = entry_hash(data)
        lines[5] = json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"

    _edit(folder / "entries.jsonl", forge)
    report = await verify_log(folder, SERVICE, None)
    assert report.problem is not None and report.problem.startswith("entry 6 does not follow entry 5")


async def test_a_batch_whose_root_was_edited(log: AuditLog, folder: Path, ledger: FakeLedger, signer: Signer) -> None:
    await _anchored(log, ledger, signer, 10, 10, 10)
    log.close()
    _edit(folder / "batches.jsonl", lambda lines: _rewrite_entry(lines, 1, root="ab" * 32))

    local = await verify_log(folder, SERVICE, None)
    assert local.problem == ("batch 2's root does not match its entries 11..20 "
                             "(the root was edited, or entries were altered and the chain rehashed)")
    assert local.first_bad_seq == 11
    anchored = await verify_log(folder, SERVICE, ledger)  # type: ignore[arg-type]
    assert anchored.problem == "batch 2's anchor on the ledger (txn 2) does not match its root"
    assert anchored.anchors_checked == 1


async def test_a_rehashed_chain_shows_against_the_ledger(log: AuditLog, folder: Path, ledger: FakeLedger,
                                                         signer: Signer) -> None:
    await _anchored(log, ledger, signer, 10)
    log.close()

    def rehash(lines: list[str]) -> None:  # alter entry 4 and recompute every hash after it
        previous = json.loads(lines[2])["hash"]
        for index in range(3, len(lines)):
            data = json.loads(lines[index])
            if index == 3:
                data["details"] = {"credential_id": "c-forged"}
            data["prev"] = previous
            data["hash"] = previous = entry_hash(data)
            lines[index] = json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"

    _edit(folder / "entries.jsonl", rehash)
    report = await verify_log(folder, SERVICE, ledger)  # type: ignore[arg-type]
    assert report.problem is not None and report.problem.startswith("batch 1's root does not match its entries 1..10")


async def test_a_cut_off_tail_shows_against_the_ledger(log: AuditLog, folder: Path, ledger: FakeLedger,
                                                       signer: Signer) -> None:
    await _anchored(log, ledger, signer, 10, 10)
    log.close()
    _edit(folder / "entries.jsonl", lambda lines: lines.__delitem__(slice(15, None)))

    report = await verify_log(folder, SERVICE, None)
    assert report.problem == "entries 16..20 are missing: batch 2 anchored them, but the log ends at entry 15"
    _edit(folder / "batches.jsonl", lambda lines: lines.pop())
    assert (await verify_log(folder, SERVICE, None)).ok  # without the ledger, a clean cut cannot show
    report = await verify_log(folder, SERVICE, ledger)  # type: ignore[arg-type]
    assert report.problem == ("entries 16..20 are missing: the ledger's latest anchor (batch 2, txn 2) covers them, "
                              "but the log ends at entry 15")
    assert report.first_bad_seq == 16


async def test_a_missing_batch_record_and_a_wrong_anchor(log: AuditLog, folder: Path, ledger: FakeLedger,
                                                         signer: Signer) -> None:
    await _anchored(log, ledger, signer, 5, 5, 5)
    log.close()
    batches = folder / "batches.jsonl"
    original = batches.read_text()
    _edit(batches, lambda lines: lines.pop(1))
    assert (await verify_log(folder, SERVICE, None)).problem == (
        "batch 2 is missing from batches.jsonl (batches jump from 1 to 3)")

    batches.write_text(original)
    _edit(batches, lambda lines: _rewrite_entry(lines, 0, seq_no=2))
    report = await verify_log(folder, SERVICE, ledger)  # type: ignore[arg-type]
    assert report.problem == "batch 1's anchor on the ledger (txn 2) does not match its root"

    batches.write_text(original)
    _edit(batches, lambda lines: _rewrite_entry(lines, 2, seq_no=99))
    report = await verify_log(folder, SERVICE, ledger)  # type: ignore[arg-type]
    assert report.problem == "batch 3's anchor on the ledger (txn 99) does not exist"
    assert report.anchors_checked == 2

    batches.write_text(original)
    ledger.txns[3]["txn"]["metadata"]["from"] = "SomeoneElse1111111111"
    report = await verify_log(folder, SERVICE, ledger)  # type: ignore[arg-type]
    assert report.problem == (
        f"batch 3's anchor on the ledger (txn 3) is not an ATTRIB that DID {signer.did} wrote on itself")


async def test_an_empty_folder_is_not_a_log(tmp_path: Path) -> None:
    report = await verify_log(tmp_path, SERVICE, None)
    assert not report.ok and report.problem == f"there is no audit log in {tmp_path}"

"""The anchorer on an in-memory ledger: when batches are cut, retries, stop(), proofs, a lost record."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from audit import Anchorer, AnchorSettings, AuditLog, FileAuditLog, verify_inclusion, verify_log
from ledger.identity import Signer
from tests.unit.audit.conftest import SERVICE, fill
from tests.unit.audit.fakes import FakeLedger

QUICK = {"retry_min": 0.01, "retry_max": 0.05, "stop_timeout": 1.0}


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the anchorer did not get there in time"
        await asyncio.sleep(0.01)


def _anchorer(log: AuditLog, ledger: FakeLedger, signer: Signer, **settings: float) -> Anchorer:
    return Anchorer(log, ledger, signer, AnchorSettings(**{**QUICK, **settings}))  # type: ignore[arg-type]


async def test_full_batches_go_at_once_and_the_rest_after_max_wait(log: AuditLog, ledger: FakeLedger,
                                                                   signer: Signer) -> None:
    anchorer = _anchorer(log, ledger, signer, batch_size=10, max_wait=0.3)
    await anchorer.start()
    try:
        fill(log, 25)
        began = time.monotonic()
        await _until(lambda: log.batch_count == 2)
        assert [b.size for b in log.batches()] == [10, 10] and len(log.pending()) == 5
        await _until(lambda: log.batch_count == 3)
        assert time.monotonic() - began >= 0.25
        assert [b.size for b in log.batches()] == [10, 10, 5] and log.pending() == []
        assert ledger.writes == 3 and anchorer.writes == 3
    finally:
        await anchorer.stop()


async def test_a_failing_ledger_is_retried_and_never_blocks_appends(log: AuditLog, folder: Path,
                                                                    ledger: FakeLedger, signer: Signer) -> None:
    ledger.fail = 3
    anchorer = _anchorer(log, ledger, signer, batch_size=5, max_wait=0.05)
    await anchorer.start()
    try:
        fill(log, 5)
        await _until(lambda: ledger.attempts >= 2)
        fill(log, 5)  # appends go on while the ledger fails
        await _until(lambda: log.pending() == [])
        assert ledger.attempts >= 4 and anchorer.last_error is None
    finally:
        await anchorer.stop()
    assert (await verify_log(folder, SERVICE, ledger)).ok  # type: ignore[arg-type]


async def test_stop_anchors_what_is_pending(log: AuditLog, ledger: FakeLedger, signer: Signer) -> None:
    anchorer = _anchorer(log, ledger, signer, batch_size=1000, max_wait=60)
    await anchorer.start()
    fill(log, 7)
    await asyncio.sleep(0.05)
    assert ledger.writes == 0
    await anchorer.stop()
    assert ledger.writes == 1 and [b.size for b in log.batches()] == [7] and log.pending() == []


async def test_stop_gives_up_in_time_when_the_ledger_is_down(log: AuditLog, ledger: FakeLedger,
                                                             signer: Signer) -> None:
    ledger.fail = 1_000_000
    anchorer = _anchorer(log, ledger, signer, batch_size=2, stop_timeout=0.3)
    await anchorer.start()
    fill(log, 7)
    began = time.monotonic()
    await anchorer.stop()
    assert time.monotonic() - began < 1.0
    assert len(log.pending()) == 7 and ledger.writes == 0


async def test_entries_left_pending_by_an_earlier_run_are_anchored_at_once(
    log: AuditLog, folder: Path, ledger: FakeLedger, signer: Signer
) -> None:
    fill(log, 4)
    log.close()
    with FileAuditLog(folder, SERVICE) as again:
        anchorer = _anchorer(again, ledger, signer, batch_size=100, max_wait=60)
        await anchorer.start()
        try:
            await _until(lambda: again.batch_count == 1)
        finally:
            await anchorer.stop()


async def test_every_anchored_entry_has_a_proof_that_verifies(log: AuditLog, ledger: FakeLedger,
                                                              signer: Signer) -> None:
    anchorer = _anchorer(log, ledger, signer)
    for size in (1, 6, 13):
        fill(log, size)
        await anchorer.anchor_now()
    assert await anchorer.anchor_now() is None
    for entry in log.entries():
        proof = log.proof(entry.seq)
        assert proof is not None and verify_inclusion(proof), entry.seq
        assert proof.entry_hash == entry.hash
    proof = log.proof(9)
    assert proof is not None and (proof.batch, proof.leaf_index) == (3, 1)
    assert proof.anchor == {"did": signer.did, "seq_no": 3, "raw": ledger.txns[3]["txn"]["data"]["raw"],
                            "txn_time": ledger.txns[3]["txnMetadata"]["txnTime"]}


async def test_an_anchor_whose_record_was_lost_is_recorded_not_written_again(
    log: AuditLog, folder: Path, ledger: FakeLedger, signer: Signer
) -> None:
    anchorer = _anchorer(log, ledger, signer)
    for size in (3, 4):
        fill(log, size)
        await anchorer.anchor_now()
    log.close()
    batches = folder / "batches.jsonl"
    batches.write_text(batches.read_text().splitlines(keepends=True)[0])  # as if stopped right after the write

    with FileAuditLog(folder, SERVICE) as again:
        assert len(again.pending()) == 4
        assert await _anchorer(again, ledger, signer).anchor_now() is None
        assert again.pending() == [] and again.batch_count == 2 and ledger.writes == 2
    assert (await verify_log(folder, SERVICE, ledger)).ok  # type: ignore[arg-type]

"""`verify_log`: is a service's audit log whole, and does the ledger hold what it claims was anchored?

Checks, stopping at the first problem:
1. entries.jsonl: every line an entry, hashes match contents, seqs 1.. without gaps, each `prev` the
   previous hash (`audit.chain`);
2. batches.jsonl: batches numbered 1.. covering entries 1.. back to back, none past the log's end;
3. with a ledger client, each batch's anchor: the transaction at its seq_no is an ATTRIB its DID wrote
   on itself, whose raw (or, were only a hash kept, the raw's sha256) is the batch's raw, naming its
   root, entries and head; and the DID's latest anchor is no later than the last batch (so a cut-off
   tail of the log shows);
4. each batch's root and head recomputed from its entries.

A LedgerError (the pool did not answer) propagates: anchors that could not be checked are not a
problem of the log.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path

from audit.chain import ChainResult, check_chain
from audit.files import BATCHES, ENTRIES, complete_lines
from audit.merkle import leaf_hash, merkle_root
from audit.records import ANCHOR_KEY, Batch, parse_anchor_raw, parse_batch
from ledger.client import LedgerClient, LedgerName

__all__ = ["VerifyReport", "verify_log"]

ATTRIB_TXN_TYPE = "100"


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    entries: int
    batches: int
    anchors_checked: int
    problem: str | None = None
    first_bad_seq: int | None = None


def _expected_raw_body(batch: Batch, service: str) -> dict[str, object]:
    return {"service": service, "batch": batch.batch, "first": batch.first_seq, "last": batch.last_seq,
            "root": batch.root, "head": batch.head}


def _read_batches(path: Path) -> tuple[list[Batch], str | None]:
    batches: list[Batch] = []
    for line_no, (_, line) in enumerate(complete_lines(path), 1):
        try:
            batches.append(parse_batch(line.decode()))
        except (ValueError, TypeError):
            return batches, f"line {line_no} of {path.name} is not a batch record (after batch {len(batches)})"
    return batches, None


def _check_extent(batch: Batch, number: int, first: int, chain: ChainResult) -> tuple[str, int | None] | None:
    if batch.batch != number:
        if batch.batch > number:
            return f"batch {number} is missing from {BATCHES} (batches jump from {number - 1} to {batch.batch})", first
        return f"batch {batch.batch} appears again after batch {number - 1} in {BATCHES}", first
    if batch.first_seq != first or batch.last_seq < batch.first_seq:
        return (f"batch {number} covers entries {batch.first_seq}..{batch.last_seq}, "
                f"but the previous batch ended at entry {first - 1}"), first
    if batch.last_seq > chain.entries:
        return (f"entries {chain.entries + 1}..{batch.last_seq} are missing: batch {number} anchored them, "
                f"but the log ends at entry {chain.entries}"), chain.entries + 1
    return None


async def _check_anchor(client: LedgerClient, batch: Batch, service: str) -> str | None:
    """What is wrong with a batch's anchor on the ledger, or None."""
    at = f"batch {batch.batch}'s anchor on the ledger (txn {batch.seq_no})"
    txn = await client.get_txn(LedgerName.DOMAIN, batch.seq_no, attempts=20)
    if txn is None:
        return f"{at} does not exist"
    body = txn.get("txn") or {}
    data, meta = body.get("data") or {}, body.get("metadata") or {}
    if body.get("type") != ATTRIB_TXN_TYPE or data.get("dest") != batch.did or meta.get("from") != batch.did:
        return f"{at} is not an ATTRIB that DID {batch.did} wrote on itself"
    ledger_raw = data.get("raw")
    if ledger_raw is None:  # a ledger that kept only the raw's hash
        if data.get("hash") != hashlib.sha256(batch.raw.encode()).hexdigest():
            return f"{at} does not match its root"
        ledger_raw = batch.raw
    anchored = parse_anchor_raw(str(ledger_raw))
    if anchored is None or anchored.get("root") != batch.root:
        return f"{at} does not match its root"
    if anchored != _expected_raw_body(batch, service) or ledger_raw != batch.raw:
        return f"{at} does not match its record (service, batch number, entries or head)"
    txn_time = (txn.get("txnMetadata") or {}).get("txnTime")
    if txn_time != batch.txn_time:
        return f"{at} was written at {txn_time}, not at {batch.txn_time} as {BATCHES} says"
    return None


def _check_root(batch: Batch, chain: ChainResult, service: str) -> str | None:
    hashes = chain.hashes[batch.first_seq - 1 : batch.last_seq]
    root = merkle_root([leaf_hash(bytes.fromhex(h)) for h in hashes]).hex()
    if root != batch.root:
        return (f"batch {batch.batch}'s root does not match its entries {batch.first_seq}..{batch.last_seq} "
                "(the root was edited, or entries were altered and the chain rehashed)")
    if batch.head != hashes[-1]:
        return f"batch {batch.batch}'s head is not entry {batch.last_seq}'s hash"
    if parse_anchor_raw(batch.raw) != _expected_raw_body(batch, service):
        return f"batch {batch.batch}'s raw value does not match its record (service, entries, root or head)"
    return None


async def _check_latest(client: LedgerClient, last: Batch, entries: int, service: str) -> tuple[str, int] | None:
    """The DID's latest anchor must not be newer than the last batch (else batches or entries were cut off)."""
    latest = await client.get_attrib(last.did, ANCHOR_KEY)
    body = parse_anchor_raw(latest.raw) if latest else None
    if latest is None or body is None or body.get("service") != service:
        return None
    number, first, final = body.get("batch"), body.get("first"), body.get("last")
    if not isinstance(number, int) or not isinstance(final, int) or number <= last.batch:
        return None
    at = f"the ledger's latest anchor (batch {number}, txn {latest.seq_no})"
    if final > entries:
        return f"entries {entries + 1}..{final} are missing: {at} covers them, but the log ends at entry {entries}", (
            entries + 1)
    return (f"batch {number} is missing from {BATCHES}: {at} anchors it (were the service stopped while anchoring, "
            "its next start records it)", first if isinstance(first, int) else last.last_seq + 1)


async def verify_log(folder: Path, service: str, ledger_client: LedgerClient | None) -> VerifyReport:
    """Check a log's chain, its batches' roots and, given a ledger client, their anchors on the ledger."""
    if not (folder / ENTRIES).exists() and not (folder / BATCHES).exists():
        return VerifyReport(False, 0, 0, 0, f"there is no audit log in {folder}")
    chain = await asyncio.to_thread(check_chain, folder / ENTRIES, service)
    if chain.problem is not None:
        return VerifyReport(False, chain.entries, 0, 0, chain.problem, chain.first_bad_seq)
    batches, problem = _read_batches(folder / BATCHES)
    if problem is not None:
        return VerifyReport(False, chain.entries, len(batches), 0, problem, None)
    checked, first = 0, 1

    def failed(problem: str, seq: int | None) -> VerifyReport:
        return VerifyReport(False, chain.entries, len(batches), checked, problem, seq)

    for number, batch in enumerate(batches, 1):
        if (extent := _check_extent(batch, number, first, chain)) is not None:
            return failed(*extent)
        if ledger_client is not None:
            if (problem := await _check_anchor(ledger_client, batch, service)) is not None:
                return failed(problem, batch.first_seq)
            checked += 1
        if (problem := _check_root(batch, chain, service)) is not None:
            return failed(problem, batch.first_seq)
        first = batch.last_seq + 1
    if ledger_client is not None and batches:
        if (latest := await _check_latest(ledger_client, batches[-1], chain.entries, service)) is not None:
            return failed(*latest)
    return VerifyReport(True, chain.entries, len(batches), checked)

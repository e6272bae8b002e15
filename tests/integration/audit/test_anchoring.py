"""Audit logs anchored on the session's real Indy pool: what the ledger holds, tampering, one write per batch."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from pathlib import Path

import pytest

from audit import Anchorer, AnchorSettings, AuditLog, FileAuditLog, ensure_anchor_identity, verify_inclusion, verify_log
from audit.merkle import leaf_hash, merkle_root
from audit.records import anchor_raw, canonical, entry_hash
from ledger.client import Attrib, LedgerClient, LedgerName
from ledger.identity import Signer
from ledger.network import LedgerNetwork

SERVICE = "verifier"


@pytest.fixture
async def signer(ledger_network: LedgerNetwork, ledger_client: LedgerClient) -> Signer:
    """A fresh audit DID of this test's own, registered (role NONE) through POST /register."""
    signer = Signer.from_seed(secrets.token_bytes(32))
    url = f"{ledger_network.settings.web_url}/register"
    assert await ensure_anchor_identity(ledger_client, signer, url, ledger_network.register_key(), service=SERVICE)
    nym = await ledger_client.get_nym(signer.did)
    assert nym is not None
    # A read goes to two validators and the first proven answer wins: asked at once, one that has not
    # applied the NYM yet says "not there" (seen in CI). Once all have, registering again must be a no-op.
    await _applied_everywhere(ledger_client, int(nym["seqNo"]))
    assert not await ensure_anchor_identity(ledger_client, signer, url, ledger_network.register_key())
    return signer


async def _applied_everywhere(client: LedgerClient, seq_no: int) -> None:
    """Wait until every validator reports a domain ledger holding transaction `seq_no`."""
    for _ in range(50):
        infos = (await client.validator_info()).values()
        counts = [int(info["Node_info"]["Metrics"]["transaction-count"][LedgerName.DOMAIN.info_key()])
                  for info in infos if isinstance(info, dict)]
        if len(counts) == len(infos) and min(counts) >= seq_no:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not every validator applied domain txn {seq_no} within 5 s")


async def _latest_anchor(client: LedgerClient, did: str, written: int) -> Attrib | None:
    """The DID's latest anchor, once the validator asked has applied the write at `written`: a write is
    confirmed by f+1 validators, and a read may reach one that has not applied it yet."""
    latest = None
    for _ in range(40):
        latest = await client.get_attrib(did, "medcred_audit")
        if latest is not None and latest.seq_no >= written:
            break
        await asyncio.sleep(0.05)
    return latest


def _fill(log: AuditLog, count: int) -> None:
    for i in range(count):
        log.append("presentation.verified", subject=f"patient-{i % 7}", details={"request_id": f"r-{i}",
                                                                                 "template": "vaccination-status"})


async def test_a_batch_is_anchored_as_an_attrib_and_verified(tmp_path: Path, ledger_client: LedgerClient,
                                                             signer: Signer) -> None:
    with FileAuditLog(tmp_path, SERVICE) as log:
        _fill(log, 20)
        batch = await Anchorer(log, ledger_client, signer, AnchorSettings()).anchor_now()
        assert batch is not None and (batch.first_seq, batch.last_seq, batch.did) == (1, 20, signer.did)

        txn = await ledger_client.get_txn(LedgerName.DOMAIN, batch.seq_no, attempts=20)
        assert txn is not None and txn["txn"]["type"] == "100"
        assert txn["txn"]["data"] == {"dest": signer.did, "raw": batch.raw}  # Indy keeps raw itself in the txn
        assert txn["txnMetadata"]["txnTime"] == batch.txn_time
        assert json.loads(batch.raw)["medcred_audit"]["root"] == batch.root
        latest = await _latest_anchor(ledger_client, signer.did, batch.seq_no)
        assert latest is not None and (latest.raw, latest.seq_no) == (batch.raw, batch.seq_no)

        proof = log.proof(13)
        assert proof is not None and verify_inclusion(proof) and proof.anchor["seq_no"] == batch.seq_no
    report = await verify_log(tmp_path, SERVICE, ledger_client)
    assert report.ok and (report.entries, report.batches, report.anchors_checked) == (20, 1, 1), report.problem


def _rewrite_batch(folder: Path, number: int, **fields: object) -> None:
    path = folder / "batches.jsonl"
    lines = path.read_text().splitlines()
    record = json.loads(lines[number - 1])
    record.update(fields)
    lines[number - 1] = canonical(record)
    path.write_text("\n".join(lines) + "\n")


async def test_a_batch_record_changed_after_anchoring_no_longer_matches_the_ledger(
    tmp_path: Path, ledger_client: LedgerClient, signer: Signer
) -> None:
    with FileAuditLog(tmp_path, SERVICE) as log:
        anchorer = Anchorer(log, ledger_client, signer, AnchorSettings())
        _fill(log, 10)
        await anchorer.anchor_now()
        _fill(log, 10)
        second = await anchorer.anchor_now()
    assert second is not None
    original = (tmp_path / "batches.jsonl").read_text()

    _rewrite_batch(tmp_path, 2, root="ab" * 32)
    report = await verify_log(tmp_path, SERVICE, ledger_client)
    assert report.problem == f"batch 2's anchor on the ledger (txn {second.seq_no}) does not match its root"
    assert (report.first_bad_seq, report.anchors_checked) == (11, 1)

    # The full forgery: entry 15 altered, every later hash recomputed, batch 2's root, head and raw rewritten.
    # Nothing local shows it any more; the ledger does.
    (tmp_path / "batches.jsonl").write_text(original)
    path = tmp_path / "entries.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    lines[14]["details"] = {"request_id": "r-forged", "template": "vaccination-status"}
    for index in range(14, 20):
        lines[index]["prev"] = lines[index - 1]["hash"]
        lines[index]["hash"] = entry_hash(lines[index])
    path.write_text("".join(canonical(line) + "\n" for line in lines))
    root = merkle_root([leaf_hash(bytes.fromhex(line["hash"])) for line in lines[10:20]]).hex()
    head = lines[19]["hash"]
    _rewrite_batch(tmp_path, 2, root=root, head=head, raw=anchor_raw(SERVICE, 2, 11, 20, root, head))

    assert (await verify_log(tmp_path, SERVICE, None)).ok
    report = await verify_log(tmp_path, SERVICE, ledger_client)
    assert report.problem == f"batch 2's anchor on the ledger (txn {second.seq_no}) does not match its root"


async def _domain_size(client: LedgerClient, at_least: int = 0) -> int:
    """The domain ledger's size, waiting briefly for every write to show (a write returns at f+1 nodes)."""
    for _ in range(50):
        size = await client.ledger_size(LedgerName.DOMAIN)
        if size >= at_least:
            break
        await asyncio.sleep(0.2)
    return size


async def test_one_ledger_write_per_batch(tmp_path: Path, ledger_network: LedgerNetwork,
                                          ledger_client: LedgerClient) -> None:
    before = await _domain_size(ledger_client)
    signer = Signer.from_seed(secrets.token_bytes(32))
    url = f"{ledger_network.settings.web_url}/register"
    await ensure_anchor_identity(ledger_client, signer, url, ledger_network.register_key(), service=SERVICE)
    with FileAuditLog(tmp_path, SERVICE) as log:
        anchorer = Anchorer(log, ledger_client, signer, AnchorSettings(batch_size=500, max_wait=60))
        await anchorer.start()
        try:
            _fill(log, 1000)
            deadline = time.monotonic() + 30
            while log.batch_count < 2:
                assert time.monotonic() < deadline, f"only {log.batch_count} batches after 30 s"
                await asyncio.sleep(0.05)
        finally:
            await anchorer.stop()
        assert [b.size for b in log.batches()] == [500, 500] and anchorer.writes == 2
    assert await _domain_size(ledger_client, before + 3) == before + 3  # 1 NYM + 2 ATTRIBs
    report = await verify_log(tmp_path, SERVICE, ledger_client)
    assert report.ok and report.anchors_checked == 2, report.problem

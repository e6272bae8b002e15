"""Audit logs in PostgreSQL (`TableAuditLog`): two "instances" of a service (two pools, as two processes
have) append and anchor the same log at once on the session's real Indy pool; the chain never forks, no
batch is anchored twice, and the log exported to files verifies with its anchors checked.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from pathlib import Path

import pytest

from audit import (
    Anchorer,
    AnchorSettings,
    FileAuditLog,
    TableAuditLog,
    ensure_anchor_identity,
    verify_inclusion,
    verify_log,
)
from audit.log import Pending
from audit.merkle import leaf_hash, merkle_root
from audit.records import Batch, anchor_raw
from ledger.client import LedgerClient
from ledger.identity import Signer
from ledger.network import LedgerNetwork
from medcred.database import Database
from medcred.errors import AuditLogError
from medcred.schema import open_pool

SERVICE = "issuer"


@pytest.fixture
async def signer(ledger_network: LedgerNetwork, ledger_client: LedgerClient) -> Signer:
    signer = Signer.from_seed(secrets.token_bytes(32))
    url = f"{ledger_network.settings.web_url}/register"
    assert await ensure_anchor_identity(ledger_client, signer, url, ledger_network.register_key(), service=SERVICE)
    return signer


def _root(items: list[Pending]) -> str:
    return merkle_root([leaf_hash(bytes.fromhex(item.entry.hash)) for item in items]).hex()


def _instance(database: Database, service: str = SERVICE) -> TableAuditLog:
    return TableAuditLog(open_pool(database, name=f"test-{secrets.token_hex(3)}"), service)


def _append(log: TableAuditLog, worker: int, count: int) -> None:
    for i in range(count):
        log.append("credential.issued", subject=f"patient-{i % 5}", details={"credential_id": f"c-{worker}-{i}"})


async def test_two_instances_append_and_anchor_one_unforked_log(database: Database, ledger_client: LedgerClient,
                                                               signer: Signer, tmp_path: Path) -> None:
    one, two = _instance(database), _instance(database)
    try:
        threads = [threading.Thread(target=_append, args=(log, n, 60)) for n, log in enumerate((one, two, one, two))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert one.last_seq == two.last_seq == 240 and one.head == two.head
        assert [entry.seq for entry in two.entries()] == list(range(1, 241))
        assert len(list(one.entries(subject="patient-3"))) == 48

        settings = AnchorSettings(batch_size=100, max_wait=60)
        anchorers = [Anchorer(log, ledger_client, signer, settings) for log in (one, two)]
        batches = await asyncio.gather(*(anchorer.anchor_now() for anchorer in anchorers))
        # One instance anchors all 240 under the lock; the other then finds nothing pending.
        made = [batch for batch in batches if batch is not None]
        assert [(b.first_seq, b.last_seq) for b in made] == [(1, 240)], batches
        assert sum(anchorer.writes for anchorer in anchorers) == 1
        assert one.due() == (0, None) and one.anchored_seq == 240 and two.batch_count == 1

        _append(two, 9, 3)
        assert one.due()[0] == 3 and [e.seq for e in one.pending()] == [241, 242, 243]
        assert await anchorers[0].anchor_now() is not None
        proof = two.proof(242)
        assert proof is not None and proof.batch == 2 and verify_inclusion(proof)

        report = await verify_log(one.export(tmp_path / "exported"), SERVICE, ledger_client)
        assert report.ok and (report.entries, report.batches, report.anchors_checked) == (243, 2, 2), report.problem
        # The export is a file log, byte for byte: a FileAuditLog opens it and goes on with the chain.
        with FileAuditLog(tmp_path / "exported", SERVICE) as files:
            assert (files.last_seq, files.head, files.anchored_seq) == (243, one.head, 243)
    finally:
        one.close()
        two.close()


async def test_an_anchor_written_by_an_instance_that_died_is_adopted_not_written_again(
    database: Database, ledger_client: LedgerClient, signer: Signer
) -> None:
    """An instance wrote the ATTRIB and was killed before it recorded the batch: the other finds it."""
    survivor = _instance(database)
    try:
        _append(survivor, 0, 7)
        items = survivor.cut()
        raw = anchor_raw(SERVICE, 1, 1, 7, _root(items), items[-1].entry.hash)
        written = await ledger_client.write_attrib(signer, raw)  # the dead instance's write; no record came
        # A read may reach a validator that has not applied the write yet (the adoption is best effort: a
        # miss writes the same anchor again): wait until ten reads in a row see it.
        seen = 0
        for _ in range(200):
            latest = await ledger_client.get_attrib(signer.did, "medcred_audit")
            seen = seen + 1 if latest is not None and latest.seq_no >= written.seq_no else 0
            if seen == 10:
                break
            await asyncio.sleep(0.05)
        anchorer = Anchorer(survivor, ledger_client, signer, AnchorSettings())
        assert await anchorer.anchor_now() is None  # adopted: nothing left to anchor
        assert anchorer.writes == 0 and survivor.batch_count == 1 and survivor.anchored_seq == 7
        assert next(survivor.batches()).raw == raw
    finally:
        survivor.close()


async def test_logs_of_services_are_apart_and_a_batch_must_follow(database: Database) -> None:
    issuer, holder = _instance(database), _instance(database, "holder")
    try:
        _append(issuer, 0, 2)
        _append(holder, 0, 1)
        assert (issuer.last_seq, holder.last_seq) == (2, 1)
        assert {entry.service for entry in holder.entries()} == {"holder"}
        items = issuer.cut()
        wrong = Batch(2, 1, 2, _root(items), items[-1].entry.hash, "{}", "did", 1, 1, 0)
        with pytest.raises(AuditLogError, match="does not follow batch 0"):
            issuer.record(wrong)
    finally:
        issuer.close()
        holder.close()

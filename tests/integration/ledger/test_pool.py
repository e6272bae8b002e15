"""The local pool itself, on a private pool with its own ports (9800+), apart from the session's."""

from __future__ import annotations

import secrets
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from ledger.client import LedgerClient, LedgerName
from ledger.identity import Role, Signer, normalise_seed
from ledger.pool import LocalPool
from ledger.settings import LedgerSettings
from medcred.errors import PortInUseError, ProcessError

PRIVATE_BASE_PORT = 9800


@pytest.fixture(scope="module")
def private_settings(tmp_path_factory: pytest.TempPathFactory) -> LedgerSettings:
    return LedgerSettings(data_dir=tmp_path_factory.mktemp("private-ledger"), base_port=PRIVATE_BASE_PORT)


@pytest_asyncio.fixture(scope="module")
async def private_pool(private_settings: LedgerSettings) -> AsyncIterator[LocalPool]:
    pool = LocalPool(private_settings)
    try:
        yield pool
    finally:
        await pool.stop()


async def _client(pool: LocalPool) -> LedgerClient:
    trustee = Signer.from_seed(normalise_seed(pool.settings.trustee_seed.get_secret_value()))
    return await LedgerClient.open(pool.genesis_path, trustee)


async def _write_new_nym(client: LedgerClient) -> Signer:
    signer = Signer.from_seed(secrets.token_bytes(32))
    await client.register_nym(signer.did, signer.verkey, "test", Role.ENDORSER)
    return signer


async def test_pool_starts_from_nothing_and_every_validator_participates(private_pool: LocalPool) -> None:
    assert not private_pool.exists()
    await private_pool.start()
    client = await _client(private_pool)
    try:
        info = await client.validator_info()
    finally:
        client.close()
    assert sorted(info) == ["Node1", "Node2", "Node3", "Node4"]
    assert all(isinstance(i, dict) and i["Node_info"]["Mode"] == "participating" for i in info.values())


async def test_writes_and_reads_go_on_with_one_validator_down_and_it_catches_up(private_pool: LocalPool) -> None:
    client = await _client(private_pool)
    try:
        await private_pool.stop_node(4, kill=True)
        assert private_pool.running_nodes()["Node4"] is False
        signer = await _write_new_nym(client)
        # Each read goes to validators picked at random; asked of Node4 alone, one would fail (ledger.client).
        for _ in range(12):
            nym = await client.get_nym(signer.did)
            assert nym is not None and nym["verkey"] == signer.verkey

        await private_pool.restart_node(4)
        info = await client.validator_info()
        sizes = {name: node["Node_info"]["Metrics"]["transaction-count"]["ledger"]
                 for name, node in info.items() if isinstance(node, dict)}
        assert set(sizes) == {"Node1", "Node2", "Node3", "Node4"}
        assert len(set(sizes.values())) == 1, f"Node4 did not catch up: {sizes}"
    finally:
        client.close()


async def test_a_nym_survives_a_full_stop_and_start(private_pool: LocalPool) -> None:
    client = await _client(private_pool)
    try:
        signer = await _write_new_nym(client)
        size_before = await client.ledger_size(LedgerName.DOMAIN)
    finally:
        client.close()
    await private_pool.stop()
    assert not any(private_pool.running_nodes().values())

    await private_pool.start()
    client = await _client(private_pool)
    try:
        nym = await client.get_nym(signer.did)
        assert nym is not None and nym["verkey"] == signer.verkey
        assert await client.ledger_size(LedgerName.DOMAIN) == size_before
    finally:
        client.close()


async def test_a_taken_port_is_reported_by_number(tmp_path: Path) -> None:
    settings = LedgerSettings(data_dir=tmp_path / "ledger", base_port=9900)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 9903))
        squatter.listen()
        with pytest.raises(PortInUseError, match=r"127\.0\.0\.1:9903"):
            await LocalPool(settings).start()


async def test_a_validator_dying_at_start_reports_the_tail_of_its_log(
    private_pool: LocalPool, tmp_path: Path
) -> None:
    broken_python = tmp_path / "python"
    broken_python.write_text("#!/bin/sh\necho 'ImportError: plenum is broken here' >&2\nexit 3\n")
    broken_python.chmod(0o755)
    # The private pool exists, so only run_node.py goes through the broken interpreter; it is stopped first
    # so that its ports (which the pool was made for) are free.
    await private_pool.stop()
    settings = private_pool.settings.model_copy(update={"validator_python": broken_python})
    pool = LocalPool(settings)
    assert pool.exists()
    with pytest.raises(ProcessError) as raised:
        await pool.start()
    assert "exited with code 3" in str(raised.value)
    assert "plenum is broken here" in raised.value.log_tail

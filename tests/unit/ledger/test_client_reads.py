"""ledger.client: every pool it opens reads from one validator first (indy-vdr's request_read_nodes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import indy_vdr
import pytest

from ledger import client as ledger_client
from ledger.client import READ_NODES, LedgerClient, read_from_one_validator


def test_reads_go_to_one_validator_first(monkeypatch: pytest.MonkeyPatch) -> None:
    configured: list[dict[str, Any]] = []
    monkeypatch.setattr(indy_vdr, "set_config", configured.append)
    read_from_one_validator()
    assert READ_NODES == 1 and configured == [{"request_read_nodes": 1}]


async def test_a_pool_is_opened_only_once_reads_are_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    async def open_pool(**kwargs: Any) -> object:
        calls.append(f"open {kwargs['transactions_path']}")
        return object()

    monkeypatch.setattr(indy_vdr, "set_config", lambda config: calls.append(f"config {config}"))
    monkeypatch.setattr(ledger_client, "open_pool", open_pool)
    await LedgerClient.open(Path("/pool/genesis.txn"), trustee=None)  # type: ignore[arg-type]
    assert calls == ["config {'request_read_nodes': 1}", "open /pool/genesis.txn"]

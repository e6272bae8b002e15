"""A genesis from a URL or a file, checked before any agent uses it: each wrong one refused saying why."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from ledger.genesis import genesis_text, node_aliases
from medcred.errors import ConfigurationError


def node_line(alias: str, port: int) -> str:
    data = {"alias": alias, "client_ip": "127.0.0.1", "client_port": port, "node_ip": "127.0.0.1",
            "node_port": port - 1, "services": ["VALIDATOR"]}  # fmt: skip
    dest = "Gw6pDLhcBcoQesN72qfotTgFa7cbuqZpkX3Xo6pLhPhv"
    return json.dumps({"reqSignature": {}, "txn": {"type": "0", "data": {"dest": dest, "data": data}}})


GENESIS = "\n".join(node_line(f"Node{n}", 9700 + 2 * n) for n in range(1, 5)) + "\n"


def answering(status: int, body: str) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, text=body))


async def test_a_genesis_is_read_from_a_url_or_a_file_and_names_its_validators(tmp_path: Path) -> None:
    assert node_aliases(await genesis_text("http://ledger.example/genesis", transport=answering(200, GENESIS))) == [
        "Node1", "Node2", "Node3", "Node4"]  # fmt: skip
    (tmp_path / "pool.txn").write_text(GENESIS)
    assert await genesis_text(tmp_path / "pool.txn") == GENESIS


@pytest.mark.parametrize(("status", "body", "said"), [
    (404, "not found", "answered 404"),
    (200, "<html><body>von-network</body></html>", "line 1 is not a NODE transaction"),
    (200, "", "it is empty"),
    (200, GENESIS + '{"txn": {"type": "1", "data": {}}}\n', "line 5 is not a NODE transaction"),
])  # fmt: skip
async def test_an_answer_that_is_not_a_genesis_is_refused_with_why(status: int, body: str, said: str) -> None:
    with pytest.raises(ConfigurationError, match=said):
        await genesis_text("https://ledger.example/genesis", transport=answering(status, body))


async def test_a_url_that_does_not_answer_or_a_missing_file_is_refused(tmp_path: Path) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ConfigurationError, match=r"does not answer \(ConnectError\)"):
        await genesis_text("http://127.0.0.1:1/genesis", transport=httpx.MockTransport(unreachable))
    with pytest.raises(ConfigurationError, match="cannot be read"):
        await genesis_text(tmp_path / "missing.txn")

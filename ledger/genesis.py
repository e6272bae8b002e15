"""A pool's genesis transactions, from a file or a URL, checked before anything uses them.

    text = await genesis_text(url_or_path)      # ConfigurationError: no answer, not a genesis file
    nodes = node_aliases(text)                  # ["Node1", ...]

A genesis file is one JSON transaction per line, each a NODE transaction (`txn.type` "0") naming a
validator's alias and its client address: what an agent needs to reach a pool. Anything else (an HTML
page, an empty answer, a JSON document) is refused here with what was wrong, instead of an agent that
fails a minute later with "pool timeout".
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from medcred.errors import ConfigurationError

__all__ = ["MAX_GENESIS_BYTES", "genesis_text", "node_aliases"]

MAX_GENESIS_BYTES = 1024 * 1024  # a 25-validator network's genesis is ~25 KB
NODE_TXN = "0"


def node_aliases(text: str, source: str = "the genesis") -> list[str]:
    """The validators' aliases of a genesis text; ConfigurationError if it is not a pool's genesis."""
    aliases: list[str] = []
    for number, line in enumerate((line for line in text.splitlines() if line.strip()), start=1):
        try:
            txn = json.loads(line)["txn"]
            data = txn["data"]["data"]
            if str(txn["type"]) != NODE_TXN or not data["client_ip"] or not int(data["client_port"]):
                raise ValueError
            aliases.append(str(data["alias"]))
        except (ValueError, KeyError, TypeError):
            raise ConfigurationError(
                f"{source} is not a genesis file: line {number} is not a NODE transaction with a validator's "
                "alias and client address (a genesis file has one JSON transaction per line)"
            ) from None
    if not aliases:
        raise ConfigurationError(f"{source} is not a genesis file: it is empty")
    return aliases


def _file_text(path: Path) -> str:
    path = path.expanduser()
    try:
        if path.stat().st_size > MAX_GENESIS_BYTES:
            raise ConfigurationError(f"the genesis file {path} is larger than {MAX_GENESIS_BYTES} bytes")
        return path.read_text(errors="replace")
    except OSError as exc:
        raise ConfigurationError(f"the genesis file {path} cannot be read: {exc.strerror}") from None


async def genesis_text(source: str | Path, *, timeout: float = 10.0,
                       transport: httpx.AsyncBaseTransport | None = None) -> str:  # fmt: skip
    """The genesis at `source` (an http(s) URL or a file), checked; ConfigurationError saying what is wrong."""
    where = str(source)
    if where.startswith(("http://", "https://")):
        try:
            async with httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=False) as client:
                response = await client.get(where)
        except httpx.HTTPError as exc:
            raise ConfigurationError(f"the genesis URL {where} does not answer ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise ConfigurationError(f"the genesis URL {where} answered {response.status_code}, not a genesis file")
        if len(response.content) > MAX_GENESIS_BYTES:
            raise ConfigurationError(f"the genesis URL {where} answered more than {MAX_GENESIS_BYTES} bytes")
        text = response.text
    else:
        text = _file_text(Path(where))
    node_aliases(text, where)
    return text

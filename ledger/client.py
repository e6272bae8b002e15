"""A client of an Indy pool through indy-vdr: write NYMs as the trustee, read NYMs and transactions;
write and read ATTRIBs signed by a DID's own key (the audit log's anchors).

indy-vdr's own errors (`VdrError`) and the pool's rejections (REQNACK / REJECT) become `LedgerError`;
nothing from indy_vdr escapes this module.

Reads go to two validators at once, indy-vdr's default (`request_read_nodes`), and the first answer
whose state proof verifies wins. Asking one validator would halve the validators' CPU per read, but
indy-vdr 0.4.2 does not turn to another validator when that one is down: the read waits out the ack
timeout (20 s) and fails ("Request was interrupted"). Measured on the local pool with one of four
validators killed: 3 of 12 reads failed so, against none of 12 with two. A pool of four must keep
serving with one down, so no process of medcred (agents included) lowers it.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from indy_vdr import LedgerType, Pool, ledger, open_pool
from indy_vdr.error import VdrError, VdrErrorCode
from indy_vdr.request import Request

from ledger.identity import Role, Signer
from medcred.errors import LedgerError, LedgerRejectedError

__all__ = ["Attrib", "LedgerClient", "LedgerName", "NodeInfo", "TxnRef"]


class LedgerName(StrEnum):
    POOL = "pool"
    DOMAIN = "domain"
    CONFIG = "config"

    def vdr(self) -> LedgerType:
        return LedgerType[self.name]

    def info_key(self) -> str:
        """The ledger's name in a node's validator info ("ledger" is the domain ledger there)."""
        return "ledger" if self is LedgerName.DOMAIN else self.value


NodeInfo = dict[str, Any]


class TxnRef(NamedTuple):
    """Where a write landed: its sequence number on the domain ledger and its time (POSIX seconds)."""

    seq_no: int
    txn_time: int


class Attrib(NamedTuple):
    """An ATTRIB's current value on a DID: its raw JSON and the transaction that wrote it."""

    raw: str
    seq_no: int
    txn_time: int


class LedgerClient:
    """One open connection to a pool; `trustee` signs writes and validator-info requests."""

    def __init__(self, pool: Pool, trustee: Signer) -> None:
        self._pool = pool
        self._trustee = trustee

    @classmethod
    async def open(cls, genesis: Path, trustee: Signer) -> LedgerClient:
        try:
            pool = await open_pool(transactions_path=str(genesis))
        except VdrError as exc:
            raise LedgerError(f"cannot open the pool from {genesis}: {exc}") from exc
        return cls(pool, trustee)

    def close(self) -> None:
        self._pool.close()

    @property
    def trustee_did(self) -> str:
        return self._trustee.did

    async def _submit(self, request: Request, *, sign: bool = False) -> dict[str, Any]:
        if sign:
            request.set_signature(self._trustee.sign(request.signature_input))
        try:
            reply = await self._pool.submit_request(request)
        except VdrError as exc:
            if exc.code == VdrErrorCode.POOL_REQUEST_FAILED:
                raise LedgerRejectedError(f"the pool refused the request: {exc}") from exc
            raise LedgerError(f"the pool did not answer the request: {exc}") from exc
        return dict(reply)

    async def register_nym(self, did: str, verkey: str, alias: str | None, role: Role) -> int:
        """Write a NYM signed by the trustee; return its sequence number on the domain ledger."""
        request = ledger.build_nym_request(self._trustee.did, did, verkey, alias, role.ledger_value())
        reply = await self._submit(request, sign=True)
        return int(reply["txnMetadata"]["seqNo"])

    async def get_nym(self, did: str, *, attempts: int = 20, pause: float = 0.05) -> dict[str, Any] | None:
        """The NYM's data, retried briefly: a write is acknowledged by f+1 nodes, not all of them."""

        async def read() -> dict[str, Any] | None:
            data = (await self._submit(ledger.build_get_nym_request(None, did))).get("data")
            return json.loads(data) if data else None

        return await _retry_until_found(read, attempts, pause)

    async def write_attrib(self, signer: Signer, raw: str) -> TxnRef:
        """Write an ATTRIB with a raw JSON value on `signer`'s own DID, signed by it (no role needed).

        The domain ledger keeps `raw` itself in the transaction (`txn.data.raw`, as GET_TXN returns it);
        the state keeps only its sha256, and GET_ATTRIB answers the latest value of a name.
        """
        request = ledger.build_attrib_request(signer.did, signer.did, None, raw, None)
        request.set_signature(signer.sign(request.signature_input))
        reply = await self._submit(request)
        return TxnRef(int(reply["txnMetadata"]["seqNo"]), int(reply["txnMetadata"]["txnTime"]))

    async def get_attrib(self, did: str, name: str) -> Attrib | None:
        """The latest raw ATTRIB `name` on a DID (older values only through `get_txn`), or None."""
        reply = await self._submit(ledger.build_get_attrib_request(None, did, name))
        data = reply.get("data")
        if not data or reply.get("seqNo") is None:
            return None
        return Attrib(str(data), int(reply["seqNo"]), int(reply["txnTime"]))

    async def get_revoked_indices(self, rev_reg_id: str) -> frozenset[int]:
        """The credential indices revoked now in a revocation registry (issuance by default).

        One GET_REVOC_REG_DELTA from the registry's start to now, as ACA-Py's holder reads it; indy-vdr
        verifies the reply's state proof. LedgerError if the ledger has no entry for that registry.
        """
        try:
            request = ledger.build_get_revoc_reg_delta_request(None, rev_reg_id, None, int(time.time()))
        except VdrError as exc:
            raise LedgerError(f"not a revocation registry id: {rev_reg_id[:120]!r}") from exc
        data = (await self._submit(request)).get("data")
        value = data.get("value") if isinstance(data, dict) else None
        if (not isinstance(data, dict) or not isinstance(value, dict) or not value.get("accum_to")
                or data.get("revocRegDefId") != rev_reg_id):  # fmt: skip
            raise LedgerError(f"no revocation entry on the ledger for registry {rev_reg_id[:120]!r}")
        revoked = value.get("revoked") or []
        if not isinstance(revoked, list) or not all(isinstance(index, int) for index in revoked):
            raise LedgerError(f"malformed revocation delta for registry {rev_reg_id[:120]!r}")
        return frozenset(revoked)

    async def get_txn(
        self, which: LedgerName, seq_no: int, *, attempts: int = 1, pause: float = 0.05
    ) -> dict[str, Any] | None:
        """The transaction at seq_no on a ledger, or None past its end. A transaction known to exist
        (just written, or claimed by a record) is read with `attempts` > 1: see `get_nym`."""

        async def read() -> dict[str, Any] | None:
            data = (await self._submit(ledger.build_get_txn_request(None, which.vdr(), seq_no))).get("data")
            return dict(data) if data else None

        return await _retry_until_found(read, attempts, pause)

    def _validator_info_request(self) -> Request:
        request = ledger.build_get_validator_info_request(self._trustee.did)
        request.set_signature(self._trustee.sign(request.signature_input))
        return request

    async def validator_info(self) -> dict[str, NodeInfo | str]:
        """Each node's own account of itself (mode, catch-up, ledger sizes), or why it did not answer.

        indy-vdr waits for every node's answer (or its own timeout): see `node_info` for one node, bounded."""
        try:
            replies = await self._pool.submit_action(self._validator_info_request())
        except VdrError as exc:
            raise LedgerError(f"the pool did not answer a validator-info request: {exc}") from exc
        return {node: _node_info(raw) for node, raw in replies.items()}

    async def node_names(self) -> list[str]:
        """The validators' aliases, as the pool's transactions name them."""
        try:
            verifiers = await self._pool.get_verifiers()
        except VdrError as exc:
            raise LedgerError(f"the pool's validators are unknown: {exc}") from exc
        return sorted(verifiers)

    async def node_info(self, node: str, timeout: float) -> NodeInfo | str:
        """One validator's own account of itself, or why it gave none within `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                replies = await self._pool.submit_action(self._validator_info_request(), [node], math.ceil(timeout))
        except TimeoutError:
            return f"no answer within {timeout:g} s"
        except VdrError as exc:
            return f"no answer: {exc}"[:200]
        return _node_info(replies[node]) if node in replies else "no answer"

    async def ledger_size(self, which: LedgerName) -> int:
        """How many transactions a ledger holds, as the nodes that answered report it (the largest)."""
        sizes = [
            int(info["Node_info"]["Metrics"]["transaction-count"][which.info_key()])
            for info in (await self.validator_info()).values()
            if isinstance(info, dict)
        ]
        if not sizes:
            raise LedgerError("no validator reported its ledger size")
        return max(sizes)


def _node_info(raw: object) -> NodeInfo | str:
    try:
        data = json.loads(raw)["result"]["data"]  # type: ignore[arg-type]
    except (ValueError, KeyError, TypeError):
        return str(raw)[:200]
    return data if isinstance(data, dict) else str(data)[:200]


async def _retry_until_found[T](read: Callable[[], Awaitable[T | None]], attempts: int, pause: float) -> T | None:
    for attempt in range(attempts):
        value = await read()
        if value is not None:
            return value
        if attempt < attempts - 1:
            await asyncio.sleep(pause)
    return None

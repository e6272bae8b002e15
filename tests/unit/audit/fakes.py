"""An in-memory ledger for the audit log's unit tests: ATTRIB writes, GET_ATTRIB and GET_TXN shaped as Indy's."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ledger.client import Attrib, LedgerName, TxnRef
from ledger.identity import Signer
from medcred.errors import LedgerError

TIME_0 = 1_700_000_000


@dataclass
class FakeLedger:
    """Transactions by seq_no, as GET_TXN answers them; `fail` refuses that many next writes."""

    txns: dict[int, dict[str, Any]] = field(default_factory=dict)
    fail: int = 0
    attempts: int = 0

    @property
    def writes(self) -> int:
        return len(self.txns)

    async def write_attrib(self, signer: Signer, raw: str) -> TxnRef:
        self.attempts += 1
        if self.fail:
            self.fail -= 1
            raise LedgerError("the pool did not answer the request: timeout")
        seq_no = len(self.txns) + 1
        self.txns[seq_no] = {
            "txn": {"type": "100", "data": {"dest": signer.did, "raw": raw}, "metadata": {"from": signer.did}},
            "txnMetadata": {"seqNo": seq_no, "txnTime": TIME_0 + seq_no},
        }
        return TxnRef(seq_no, TIME_0 + seq_no)

    async def get_txn(self, which: LedgerName, seq_no: int, *, attempts: int = 1) -> dict[str, Any] | None:
        assert which is LedgerName.DOMAIN
        return json.loads(json.dumps(self.txns[seq_no])) if seq_no in self.txns else None

    async def get_attrib(self, did: str, name: str) -> Attrib | None:
        for seq_no in sorted(self.txns, reverse=True):
            txn = self.txns[seq_no]["txn"]
            if txn["data"]["dest"] == did and name in json.loads(txn["data"]["raw"]):
                return Attrib(txn["data"]["raw"], seq_no, TIME_0 + seq_no)
        return None

"""holder.revocation: one ledger read per registry when the holder has a ledger client, else the agent."""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

from agents.admin import AdminClient
from holder.revocation import revocation_statuses
from ledger.client import LedgerClient
from medcred.errors import AgentError, LedgerError

REG_A, REG_B, REG_GONE = "did:4:a", "did:4:b", "did:4:gone"


class FakeLedger:
    def __init__(self, revoked: dict[str, set[int]]) -> None:
        self.revoked, self.reads = revoked, Counter[str]()

    async def get_revoked_indices(self, rev_reg_id: str) -> frozenset[int]:
        self.reads[rev_reg_id] += 1
        if rev_reg_id not in self.revoked:
            raise LedgerError("no revocation entry")
        return frozenset(self.revoked[rev_reg_id])


class FakeTenant:
    def __init__(self, revoked: dict[str, bool | Exception]) -> None:
        self.revoked, self.asked = revoked, list[str]()

    async def credential_revoked(self, credential_id: str) -> bool:
        self.asked.append(credential_id)
        answer = self.revoked[credential_id]
        if isinstance(answer, Exception):
            raise answer
        return answer


def info(referent: str, registry: str | None = None, index: str | None = None) -> dict[str, Any]:
    return {"referent": referent, "rev_reg_id": registry, "cred_rev_id": index}


INFOS = [
    info("a1", REG_A, "1"), info("a2", REG_A, "2"), info("a3", REG_A, "3"),
    info("b7", REG_B, "7"), info("plain"), info("gone", REG_GONE, "1"), info("no-index", REG_B),
]  # fmt: skip


async def test_with_a_ledger_each_registry_is_read_once() -> None:
    ledger = FakeLedger({REG_A: {2}, REG_B: set()})
    tenant = FakeTenant({})
    statuses = await revocation_statuses(cast(AdminClient, tenant), INFOS, cast(LedgerClient, ledger))
    assert statuses == {
        "a1": False, "a2": True, "a3": False, "b7": False, "plain": False,
        "gone": None,  # the ledger could not tell: never "valid"
        "no-index": None,
    }  # fmt: skip
    assert ledger.reads == {REG_A: 1, REG_B: 1, REG_GONE: 1}
    assert tenant.asked == []


async def test_without_a_ledger_each_credential_is_asked_of_the_agent() -> None:
    tenant = FakeTenant({"a1": False, "a2": True, "b7": AgentError("down")})
    statuses = await revocation_statuses(cast(AdminClient, tenant), [INFOS[0], INFOS[1], INFOS[3], INFOS[4]])
    assert statuses == {"a1": False, "a2": True, "b7": None, "plain": False}
    assert sorted(tenant.asked) == ["a1", "a2", "b7"]

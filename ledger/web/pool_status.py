"""The pool's readiness from its validators' own accounts: ready while a write quorum is.

A pool of n validators tolerates f = (n - 1) // 3 faulty ones and orders writes while n - f take
part (3 of 4). A validator counts as ready when it says it is participating with every ledger synced;
one that did not answer (down, or slower than the deadline) counts as not ready, with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ledger.client import NodeInfo
from ledger.web.models import PoolStatus, ValidatorStatus

__all__ = ["pool_status", "validator_status", "write_quorum"]


def write_quorum(node_count: int) -> int:
    """n - f: how many validators must take part for the pool to order writes."""
    return node_count - (node_count - 1) // 3


def validator_status(name: str, info: NodeInfo | str) -> ValidatorStatus:
    """One validator's state from its validator info, or from the reason it gave none."""
    if not isinstance(info, Mapping):
        return ValidatorStatus(name=name, ready=False, problem=info)
    node = info.get("Node_info", {})
    mode = node.get("Mode")
    ledgers = node.get("Catchup_status", {}).get("Ledger_statuses", {})
    synced = bool(ledgers) and all(state == "synced" for state in ledgers.values())
    return ValidatorStatus(
        name=name, ready=mode == "participating" and synced, mode=mode, ledgers_synced=synced,
        transaction_count=node.get("Metrics", {}).get("transaction-count"),
    )


def pool_status(validators: Sequence[ValidatorStatus]) -> PoolStatus:
    """Ready while at least n - f of the n validators are."""
    quorum = write_quorum(len(validators))
    ready = sum(v.ready for v in validators)
    return PoolStatus(
        ready=bool(validators) and ready >= quorum, validators=list(validators), validators_ready=ready,
        write_quorum=quorum,
    )

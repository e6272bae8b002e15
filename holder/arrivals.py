"""Proof requests as they arrived in a sub-wallet, kept until the patient answers them.

    arrived.keep(wallet_id, record)              the `request-received` webhook's record
    arrived.take(wallet_id, pres_ex_id)           that record once (None if not kept), to answer it

The holder agent posts its controller a proof exchange only when it arrives (`request-received`, the
one state narrowed in `holder.agent.WEBHOOK_STATES`), and with `--debug-webhooks` that webhook carries
the whole record, proof request included. Kept here, it spares the answer a read of the record from the
agent (~7 ms of the agent's CPU, ~2 ms of ours, measured). It is only a shortcut: the agent still
refuses to answer a record that is no longer waiting (the answer is then a 409, as before), a record
not kept (after a restart, or evicted) is read from the agent, and a record is found only under the
sub-wallet whose authenticated webhook brought it, so under its own patient.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

__all__ = ["ArrivedRequests"]

type Json = dict[str, Any]

MAX_KEPT = 4096  # requests kept at most; the oldest goes first (a request nobody answers, for one)


class ArrivedRequests:
    def __init__(self, max_kept: int = MAX_KEPT) -> None:
        self._kept: OrderedDict[tuple[str, str], Json] = OrderedDict()
        self._max_kept = max_kept

    def keep(self, wallet_id: str, record: Json) -> bool:
        """Keep a `request-received` record that carries its proof request; True if kept."""
        pres_ex_id, by_format = record.get("pres_ex_id"), record.get("by_format")
        if (not isinstance(pres_ex_id, str) or record.get("state") != "request-received"
                or not isinstance(by_format, dict) or not isinstance(by_format.get("pres_request"), dict)):  # fmt: skip
            return False
        self._kept[wallet_id, pres_ex_id] = record
        self._kept.move_to_end((wallet_id, pres_ex_id))
        while len(self._kept) > self._max_kept:
            self._kept.popitem(last=False)
        return True

    def take(self, wallet_id: str, pres_ex_id: str) -> Json | None:
        """The record kept for this sub-wallet's request, once; None if none was."""
        return self._kept.pop((wallet_id, pres_ex_id), None)

    def __len__(self) -> int:
        return len(self._kept)

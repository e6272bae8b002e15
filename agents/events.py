"""Awaiting agent events instead of sleeping.

The webhook router `feed()`s every event to an `EventWaiter`; a flow then awaits the state it needs:

    payload = await waiter.wait_for("present_proof_v2_0", "pres_ex_id", pres_ex_id,
                                    states={"done", "abandoned"}, timeout=30)

An event may arrive before anyone waits for it (an agent is often faster than the controller that
asked it), so the waiter keeps the latest event of each (topic, id field, id value) in a bounded LRU,
and a late `wait_for` whose state is already there resolves at once. Every top-level string field whose
name ends in `_id` is indexed, so a flow may wait by `pres_ex_id`, `thread_id`, `connection_id`...
A waiter that resolves, times out or is cancelled removes itself: nothing is left behind.

Several instances of a controller: `share(event)` tells the others (`agents.bus`) once this instance has
handled it, and `announce(event)` is a flow's own event (a verification's result), fed here and shared.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from medcred.errors import TimeoutError_

__all__ = ["EventWaiter", "WebhookEvent"]

type _Key = tuple[str, str, str]  # topic, id field, id value


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One webhook delivery: its topic, its JSON payload, and the sub-wallet it concerns (multitenant)."""

    topic: str
    payload: dict[str, Any]
    wallet_id: str | None = None

    @property
    def state(self) -> str | None:
        state = self.payload.get("state")
        return state if isinstance(state, str) else None

    def id_fields(self) -> dict[str, str]:
        """The payload's top-level string fields named `*_id` (how events are found again)."""
        return {k: v for k, v in self.payload.items() if k.endswith("_id") and isinstance(v, str) and v}


@dataclass(slots=True, eq=False)
class _Waiter:
    states: frozenset[str] | None
    wallet_id: str | None
    future: asyncio.Future[dict[str, Any]]

    def accepts(self, event: WebhookEvent) -> bool:
        if self.wallet_id is not None and event.wallet_id != self.wallet_id:
            return False
        return self.states is None or event.state in self.states


class EventWaiter:
    """Remembers the latest event per record and resolves the flows awaiting a state of it."""

    def __init__(self, max_records: int = 10_000, share: Callable[[WebhookEvent], None] | None = None) -> None:
        self._max_records = max_records
        self._share = share
        self._latest: OrderedDict[_Key, WebhookEvent] = OrderedDict()
        self._waiters: dict[_Key, list[_Waiter]] = {}

    @property
    def pending(self) -> int:
        """How many `wait_for` calls are waiting now."""
        return sum(len(waiters) for waiters in self._waiters.values())

    def feed(self, event: WebhookEvent) -> None:
        """Record an event and resolve every waiter it satisfies (call it from the event loop)."""
        for field, value in event.id_fields().items():
            key = (event.topic, field, value)
            self._latest[key] = event
            self._latest.move_to_end(key)
            for waiter in self._waiters.get(key, ()):
                if not waiter.future.done() and waiter.accepts(event):
                    waiter.future.set_result(event.payload)
        while len(self._latest) > self._max_records:
            self._latest.popitem(last=False)

    def share(self, event: WebhookEvent) -> None:
        """Tell the other instances of this controller (if any) of an event handled here."""
        if self._share is not None:
            self._share(event)

    def announce(self, event: WebhookEvent) -> None:
        """A flow's own event: fed here, and shared."""
        self.feed(event)
        self.share(event)

    def latest(self, topic: str, field: str, value: str) -> WebhookEvent | None:
        """The most recent event seen for this record, if it is still remembered."""
        return self._latest.get((topic, field, value))

    async def wait_for(
        self,
        topic: str,
        record_id_field: str,
        record_id: str,
        *,
        states: Collection[str] | None = None,
        timeout: float = 30.0,
        wallet_id: str | None = None,
    ) -> dict[str, Any]:
        """The payload of the first event of this record in one of `states` (any state if None).

        Raises `TimeoutError_` if none comes within `timeout` seconds.
        """
        key = (topic, record_id_field, record_id)
        if isinstance(states, str):
            states = {states}  # one state given bare, not its letters
        waiter = _Waiter(
            frozenset(states) if states is not None else None,
            wallet_id,
            asyncio.get_running_loop().create_future(),
        )
        seen = self._latest.get(key)
        if seen is not None and waiter.accepts(seen):
            return seen.payload
        self._waiters.setdefault(key, []).append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await waiter.future
        except TimeoutError:
            last = self._latest.get(key)
            raise TimeoutError_(
                f"{topic} {record_id_field}={record_id} did not reach {sorted(states or ['any state'])} "
                f"within {timeout:g} s (last state seen: {last.state if last else 'none'})"
            ) from None
        finally:
            self._discard(key, waiter)

    def _discard(self, key: _Key, waiter: _Waiter) -> None:
        waiters = self._waiters.get(key)
        if waiters is None:
            return
        if waiter in waiters:
            waiters.remove(waiter)
        if not waiters:
            del self._waiters[key]
        waiter.future.cancel()

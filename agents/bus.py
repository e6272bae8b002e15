"""What one instance of a controller tells the others of its role: the agent events it has handled.

An agent posts each webhook to one address; with several instances of a controller behind it, one
instance receives and handles the event, while a flow waiting for it may run on another. After its
handler has stored what the event changed, the receiving instance publishes the event, and every other
instance feeds it to its `EventWaiter` (and its observers: the web apps' live pages), as if it had come
to it; what the waiting flow then reads is in the shared store.

    bus = open_bus(settings)                          # one instance (no database): nothing to tell anyone
    await bus.open(router.deliver_remote)             # with MEDCRED_DATABASE_URL: PostgreSQL's LISTEN/NOTIFY
    bus.publish(event)

Only the event's thin form travels: its `*_id` fields, `state` and `updated_at` (never a credential's
values or a proof request, which the agent's full payload may carry); a flow that needs more reads it
from the store or the agent. A lost notification (the database restarting, say) costs a waiting flow
its wait: every wait falls back to reading the state itself when it times out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agents.events import WebhookEvent
from medcred.database import Database
from medcred.store import StoreSettings

if TYPE_CHECKING:
    from psycopg import AsyncConnection

__all__ = ["EventBus", "PostgresEventBus", "open_bus", "thin"]

log = logging.getLogger(__name__)

type Deliver = Callable[[WebhookEvent], None]

MAX_NOTIFY_BYTES = 7900  # PostgreSQL refuses a NOTIFY payload of 8000 bytes or more
RECONNECT_PAUSE = (0.5, 10.0)  # the listener's first and longest pause before it connects again


def thin(payload: dict[str, Any]) -> dict[str, str]:
    """The event's ids, state and time: what other instances need to find and re-read its record."""
    return {key: value for key, value in payload.items() if isinstance(value, str) and value
            and (key.endswith("_id") or key in ("state", "updated_at"))}  # fmt: skip


class EventBus:
    """One instance alone: nothing to publish, nothing to hear."""

    async def open(self, deliver: Deliver) -> None:
        return None

    def publish(self, event: WebhookEvent) -> None:
        return None

    async def close(self) -> None:
        return None


class PostgresEventBus(EventBus):
    """The instances of one role, on channel `medcred_<role>` of their shared database."""

    def __init__(self, database: Database, role: str) -> None:
        self.database, self.channel = database, f"medcred_{role}"
        self.origin = secrets.token_hex(8)  # this instance: its own notifications come back to it, unheard
        self.published = self.heard = 0
        self._sender: AsyncConnection[Any] | None = None
        self._send_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()

    async def open(self, deliver: Deliver) -> None:
        self._listener = asyncio.create_task(self._listen(deliver), name=f"event bus {self.channel}")
        with contextlib.suppress(TimeoutError):  # a database that does not answer now: the listener goes on trying
            await asyncio.wait_for(self._listening.wait(), 10)

    def publish(self, event: WebhookEvent) -> None:
        body = json.dumps({"from": self.origin, "topic": event.topic, "wallet_id": event.wallet_id,
                           "payload": thin(event.payload)}, separators=(",", ":"))  # fmt: skip
        if len(body.encode()) > MAX_NOTIFY_BYTES:
            log.warning("a %s event is too large to tell the other instances", event.topic)
            return
        task = asyncio.create_task(self._send(body), name=f"event bus publish {event.topic}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, body: str) -> None:
        import psycopg

        async with self._send_lock:
            try:
                if self._sender is None or self._sender.closed:
                    self._sender = await self._connect()
                await self._sender.execute("SELECT pg_notify(%s, %s)", (self.channel, body))
                self.published += 1
            except psycopg.Error as exc:  # the others' waits fall back to reading; never the receiver's problem
                log.warning("could not tell the other instances of an event: %s", type(exc).__name__)
                if self._sender is not None:
                    await self._sender.close()
                self._sender = None

    async def _connect(self) -> AsyncConnection[Any]:
        import psycopg

        return await psycopg.AsyncConnection.connect(**self.database.connect_kwargs(5.0), autocommit=True)

    async def _listen(self, deliver: Deliver) -> None:
        import psycopg

        pause = RECONNECT_PAUSE[0]
        while True:
            try:
                async with await self._connect() as connection:
                    await connection.execute(f'LISTEN "{self.channel}"'.encode())
                    self._listening.set()
                    pause = RECONNECT_PAUSE[0]
                    async for notice in connection.notifies():
                        self._hear(notice.payload, deliver)
            except psycopg.Error as exc:
                self._listening.clear()
                log.warning("the event bus lost its database (%s); listening again in %.1f s",
                            type(exc).__name__, pause)  # fmt: skip
            await asyncio.sleep(pause)
            pause = min(pause * 2, RECONNECT_PAUSE[1])

    def _hear(self, text: str, deliver: Deliver) -> None:
        try:
            body = json.loads(text)
            if body.get("from") == self.origin:
                return
            wallet_id = body.get("wallet_id")
            event = WebhookEvent(str(body["topic"]), thin(dict(body["payload"])),
                                 wallet_id if isinstance(wallet_id, str) else None)  # fmt: skip
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("the event bus ignored a notification it could not read")
            return
        self.heard += 1
        deliver(event)

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if self._sender is not None:
            await self._sender.close()
            self._sender = None


def open_bus(settings: StoreSettings) -> EventBus:
    """The role's bus: PostgreSQL's LISTEN/NOTIFY with a database URL (several instances may run), else none."""
    if settings.database_url is None:
        return EventBus()
    return PostgresEventBus(Database.parse(settings.database_url), settings.role)

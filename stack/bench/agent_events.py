"""One agent's events over its admin websocket (`GET /ws`): how the direct path awaits states.

ACA-Py's admin server streams every webhook topic to each websocket client that sends the admin key,
as `{"topic", "payload"}` (plus `"wallet_id"` for a multitenant sub-wallet's events), after a first
`settings` message and with a `ping` every 5 s. Fed into an `agents.events.EventWaiter`, they let the
direct flows await states the way the controllers await their webhooks: no polling, which would load
the agents with GETs that the controllers never make. The agents' webhooks still go to the controllers.

    async with AgentEvents(admin_url, admin_key) as events:
        payload = await events.waiter.wait_for("issue_credential_v2_0", "cred_ex_id", id, states={"done"})

Once closed, it may be opened again (a new connection; the same waiter): the benchmark keeps the
streams open only while the direct path's flows run, as the agents serialise every event for them.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Any, Self

import aiohttp
from pydantic import SecretStr

from agents.events import EventWaiter, WebhookEvent
from medcred.errors import AgentError, AuthenticationError

__all__ = ["AgentEvents"]

CONNECT_TIMEOUT = 10.0
IGNORED_TOPICS = frozenset({"ping", "settings"})


class AgentEvents:
    def __init__(self, admin_url: str, api_key: SecretStr) -> None:
        self.url = f"{admin_url.rstrip('/')}/ws"
        self.waiter = EventWaiter()
        self._api_key = api_key
        self._session: aiohttp.ClientSession | None = None
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession()
        try:
            socket = await self._session.ws_connect(
                self.url,
                headers={"X-API-Key": self._api_key.get_secret_value()},
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=CONNECT_TIMEOUT),
            )
            first: dict[str, Any] = await asyncio.wait_for(socket.receive_json(), CONNECT_TIMEOUT)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            await self._session.close()
            raise AgentError(f"no event stream from {self.url}: {type(exc).__name__}") from exc
        if first.get("topic") != "settings" or first.get("payload", {}).get("authenticated") is not True:
            await self._session.close()
            raise AuthenticationError(f"the agent at {self.url} did not accept our admin key for its events")
        self._reader = asyncio.create_task(self._read(socket))
        return self

    async def _read(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        async for message in socket:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            try:
                data = message.json()
            except ValueError:
                continue
            topic, payload = data.get("topic"), data.get("payload")
            if isinstance(topic, str) and topic not in IGNORED_TOPICS and isinstance(payload, dict):
                wallet_id = data.get("wallet_id")
                self.waiter.feed(WebhookEvent(topic, payload, wallet_id if isinstance(wallet_id, str) else None))

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiohttp.ClientError):
                await self._reader
        if self._session is not None:
            await self._session.close()

"""The receiver of an agent's webhooks: `POST {prefix}/topic/{topic}/`, as ACA-Py sends them.

    webhooks = WebhookRouter(api_key, events=waiter)
    webhooks.on("present_proof_v2_0", answer_proof_request)
    app.include_router(webhooks.api_router)         # the app has medcred.web.install_error_handlers

Each delivery must carry the key the agent was given (`--webhook-url URL#KEY` -> `x-api-key`), compared
in constant time; a wrong or missing key is a 401. A body is JSON within `medcred.bounded_json`'s bounds
(its size and nesting), else a 400 or 413 saying which. A multitenant agent names the sub-wallet in
`x-wallet-id`. Dispatch is an explicit topic -> handler table; a topic without a handler is
acknowledged and ignored (the `EventWaiter` still sees it).

ACA-Py retries deliveries it believes failed, so the same event can come twice: identical deliveries
(same topic, record id, state and `updated_at`; or the same payload, for records without those) are
recognised through a bounded LRU (and, with several instances, their shared claims) and handled once.
Alone, the answer is 200 at once; handlers run as tasks of their own, so a slow handler never holds up
the agent. `drain()` awaits the handlers still running. With several instances (`claims`,
`agents.deliveries`) a delivery is answered once its handler is done, then settled: an instance killed
while handling it leaves the delivery unanswered, and ACA-Py's retry is handled by another instance once
the claim's lease ran out (until then the retry is answered 503, and comes again).

With several instances of the controller, the one that receives an event shares it once its handler is
done (`EventWaiter.share`); the others get it through `deliver_remote`, which feeds their waiter and
observers but runs no handler: what the event changed is already in the shared store.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import SecretStr

from agents.deliveries import Claim, DeliveryClaims
from agents.events import EventWaiter, WebhookEvent
from medcred.api_docs import errors
from medcred.bounded_json import MAX_BODY_BYTES, loads
from medcred.errors import ConfigurationError, InvalidInputError
from medcred.web import WEBHOOK_KEY, api_key_check, read_body

__all__ = ["RECORD_ID_FIELDS", "Handler", "WebhookRouter"]

log = logging.getLogger(__name__)

type Handler = Callable[[WebhookEvent], Awaitable[None]]

# The body is read as it comes (any JSON object), not by FastAPI: the document says what it is.
_EVENT_EXAMPLE = {"connection_id": "5d2b6c1e-0f3a-4e8b-9c7d-1a2b3c4d5e6f", "state": "active",
                  "rfc23_state": "completed"}  # fmt: skip
_EVENT_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "object"}, "example": _EVENT_EXAMPLE}}}}  # fmt: skip

# The id field of each ACA-Py 1.7 record topic (RECORD_TOPIC -> RECORD_ID_NAME in its models).
RECORD_ID_FIELDS: Mapping[str, str] = {
    "connections": "connection_id",
    "out_of_band": "oob_id",
    "oob_invitation": "invitation_id",
    "issue_credential_v2_0": "cred_ex_id",
    "issue_credential_v2_0_anoncreds": "cred_ex_anoncreds_id",
    "issue_credential_v2_0_indy": "cred_ex_indy_id",
    "issue_credential_v2_0_ld_proof": "cred_ex_ld_proof_id",
    "present_proof_v2_0": "pres_ex_id",
    "issuer_cred_rev": "record_id",
    "revocation_registry": "record_id",
    "endorse_transaction": "transaction_id",
    "mediation": "mediation_id",
    "discover_feature_v2_0": "discovery_exchange_id",
}


def delivery_key(event: WebhookEvent) -> tuple[str, ...]:
    """What makes two deliveries the same event."""
    payload = event.payload
    record_id = payload.get(RECORD_ID_FIELDS.get(event.topic, "record_id"))
    if isinstance(record_id, str) and "updated_at" in payload:
        return (event.wallet_id or "", event.topic, record_id, str(payload.get("state")), str(payload["updated_at"]))
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    return (event.wallet_id or "", event.topic, digest)


class WebhookRouter:
    """Authenticates, de-duplicates and dispatches an agent's webhooks; `api_router` serves them."""

    def __init__(
        self,
        api_key: SecretStr | str,
        *,
        events: EventWaiter | None = None,
        prefix: str = "/webhooks",
        max_seen: int = 4096,
        claims: DeliveryClaims | None = None,
    ) -> None:
        """`claims`: the deliveries the role's instances took (`agents.deliveries`); without it, this
        instance's own memory of deliveries is all there is."""
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        if not key:
            raise ConfigurationError("the webhook receiver needs an API key")
        self.events = events
        self._handlers: dict[str, Handler] = {}
        self._awaited: set[str] = set()
        self._seen: OrderedDict[tuple[str, ...], None] = OrderedDict()
        self._max_seen = max_seen
        self._claims = claims
        self._tasks: set[asyncio.Task[None]] = set()
        self._observers: list[Callable[[WebhookEvent], None]] = []
        # Deliveries over HTTP per (topic, record state; None for a record without one).
        self.received: collections.Counter[tuple[str, str | None]] = collections.Counter()

        webhook_key = api_key_check(WEBHOOK_KEY, lambda _request: key)
        self.api_router = APIRouter(prefix=prefix, tags=["webhooks"], dependencies=[Depends(webhook_key)])
        for path, shown in (("/topic/{topic}/", True), ("/topic/{topic}", False)):
            self.api_router.add_api_route(path, self._receive, methods=["POST"], include_in_schema=shown,
                                          openapi_extra=_EVENT_BODY, responses=errors(400),
                                          summary="Receive one event of the agent")  # fmt: skip

    def on(self, topic: str, handler: Handler) -> None:
        """Register the one handler of a topic."""
        if topic in self._handlers:
            raise ConfigurationError(f"a webhook handler for {topic!r} is already registered")
        self._handlers[topic] = handler

    def observe(self, observer: Callable[[WebhookEvent], None]) -> None:
        """Call `observer(event)` after each new event was handled (its topic's handler done, if any): how a
        web app learns that a page's data may have changed (`medcred.pages.live`)."""
        self._observers.append(observer)

    def awaited(self, topic: str) -> None:
        """Declare a topic that no handler takes but flows await (`EventWaiter.wait_for`)."""
        self._awaited.add(topic)

    @property
    def topics(self) -> frozenset[str]:
        """The topics handled or awaited: the ones the agent is told to post (`AgentConfig.webhook_topics`)."""
        return frozenset(self._handlers) | frozenset(self._awaited)

    async def drain(self) -> None:
        """Wait for the handlers still running (at shutdown, and in tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _receive(
        self,
        topic: str,
        request: Request,
        x_wallet_id: Annotated[str | None, Header()] = None,
    ) -> dict[str, bool]:
        body = await read_body(request, MAX_BODY_BYTES)
        payload: Any = loads(body, what="the webhook body")  # 400 / 413 saying what is wrong
        if not isinstance(payload, dict):
            raise InvalidInputError("webhook body is not a JSON object")
        state = payload.get("state")
        self.received[topic, state if isinstance(state, str) else None] += 1
        event = WebhookEvent(topic=topic, payload=payload, wallet_id=x_wallet_id or None)
        if self._claims is None:
            self.dispatch(event)
            return {"ok": True}
        key = delivery_key(event)
        claim = self._claims.claim(key)
        if claim is Claim.BUSY:
            raise HTTPException(503, "another instance is handling this delivery", headers={"Retry-After": "5"})
        if claim is Claim.NEW:
            task = self._handle(event)
            if task is not None:
                await asyncio.shield(task)  # answered once handled: a death meanwhile leaves it unanswered
            self._claims.settle(key)
        return {"ok": True}

    def dispatch(self, event: WebhookEvent) -> bool:
        """Handle one event unless it was seen before; True if it was new."""
        key = delivery_key(event)
        if key in self._seen:
            self._seen.move_to_end(key)
            log.debug("duplicate %s webhook ignored", event.topic)
            return False
        self._seen[key] = None
        if len(self._seen) > self._max_seen:
            self._seen.popitem(last=False)
        if self._claims is not None and self._claims.claim(key) is not Claim.NEW:
            log.debug("%s webhook already taken by another instance", event.topic)
            return False
        if self._claims is not None:
            task = self._handle(event)
            if task is not None:
                task.add_done_callback(lambda _: self._claims.settle(key) if self._claims else None)
            else:
                self._claims.settle(key)
            return True
        self._handle(event)
        return True

    def _handle(self, event: WebhookEvent) -> asyncio.Task[None] | None:
        """Feed the event to the waiter and run its handler and observers (a task), or share it at once."""
        if self.events is not None:
            self.events.feed(event)
        handler = self._handlers.get(event.topic)
        if handler is None and self.events is not None:
            self.events.share(event)
        if handler is None and not self._observers:
            return None
        task = asyncio.create_task(self._run(handler, event), name=f"webhook {event.topic}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def deliver_remote(self, event: WebhookEvent) -> None:
        """An event another instance received and handled (`agents.bus`): the waiter and observers hear it."""
        if self.events is not None:
            self.events.feed(event)
        self._observe(event)

    async def _run(self, handler: Handler | None, event: WebhookEvent) -> None:
        try:
            if handler is not None:
                await handler(event)
        except Exception:  # a handler's failure must not go unseen, nor take the receiver down
            record_id = event.payload.get(RECORD_ID_FIELDS.get(event.topic, "record_id"))
            log.exception("webhook handler for %s (record %s, state %s) failed", event.topic, record_id, event.state)
        if handler is not None and self.events is not None:
            self.events.share(event)
        self._observe(event)

    def _observe(self, event: WebhookEvent) -> None:
        for observer in self._observers:
            try:
                observer(event)
            except Exception:
                log.exception("webhook observer failed on %s", event.topic)

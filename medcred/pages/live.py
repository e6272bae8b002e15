"""Live pages: a page learns at once that what it shows has changed, and fetches itself again.

    hub = LiveHub()
    hub.notify("patient-7f3c", "requests")    # from a service, when that patient's requests changed
    hub.notify(STAFF, "issuances")            # every signed-in member of staff
    return hub.stream(session.subject)        # GET <prefix>/events: text/event-stream

An event carries only a topic name (`requests`, `issuances`...), never data: the page, signed in, asks
for its own view again (`medcred.js` swaps each `[data-live]` element for its fresh copy), so what it
sees is decided by the same checks as any page. A stream sends a comment every `heartbeat` seconds
(proxies keep it open; a closed tab is noticed) and ends when the app stops (`hub.close()`).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse

__all__ = ["LiveHub"]

QUEUE_SIZE = 64  # events a slow page may lag behind; beyond that it is sent one "refresh"


class LiveHub:
    def __init__(self, heartbeat: float = 15.0) -> None:
        self.heartbeat = heartbeat
        self._queues: dict[str, set[asyncio.Queue[str | None]]] = defaultdict(set)
        self._closed = False

    def notify(self, subject: str, topic: str) -> None:
        """Tell `subject`'s open pages that `topic` changed (safe to call from any coroutine or callback)."""
        for queue in list(self._queues.get(subject, ())):
            try:
                queue.put_nowait(topic)
            except asyncio.QueueFull:
                pass  # that page is far behind; it refreshes on what it already has queued

    def listeners(self, subject: str) -> int:
        return len(self._queues.get(subject, ()))

    async def events(self, subject: str) -> AsyncIterator[str]:
        """`subject`'s events as server-sent-event lines, until the app closes the hub."""
        queue: asyncio.Queue[str | None] = asyncio.Queue(QUEUE_SIZE)
        self._queues[subject].add(queue)
        try:
            yield "retry: 2000\n\n"
            while not self._closed:
                try:
                    topic = await asyncio.wait_for(queue.get(), self.heartbeat)
                except TimeoutError:
                    yield ": still here\n\n"
                    continue
                if topic is None:
                    return
                yield f"event: change\ndata: {json.dumps({'topic': topic})}\n\n"
        finally:
            self._queues[subject].discard(queue)
            if not self._queues[subject]:
                del self._queues[subject]

    def stream(self, subject: str) -> StreamingResponse:
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(self.events(subject), media_type="text/event-stream", headers=headers)

    def close(self) -> None:
        """End every open stream (the app is stopping)."""
        self._closed = True
        for queues in self._queues.values():
            for queue in queues:
                try:
                    queue.put_nowait(None)
                except asyncio.QueueFull:
                    pass

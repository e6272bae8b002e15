"""The anchorer: commits batches of pending audit entries to the ledger, one ATTRIB per batch.

    anchorer = Anchorer(log, ledger_client, signer, AnchorSettings())
    await anchorer.start()      # background task
    ...
    await anchorer.stop()       # anchors what is pending (best effort), then ends

A batch is cut when `batch_size` entries are pending (it then holds exactly that many) or when the
oldest pending entry has waited `max_wait` seconds; `anchor_now()` and `stop()` take everything
pending as one batch. Its Merkle root goes to the ledger as an ATTRIB on the signer's own DID, whose
raw is `{"medcred_audit": {"service", "batch", "first", "last", "root", "head"}}`.

Appends never wait for the ledger: when a write fails the anchorer backs off (0.5 s doubling to 30 s)
and tries again; entries stay pending meanwhile, across restarts too (pending = after the last
batch). When appends outpace the ledger (about batch_size entries per write, a write ~0.1 s), the
backlog grows and is worked off later. If the process stopped between the ledger write and its
record in batches.jsonl, the next anchoring finds that anchor (the DID's latest) and records it.

Several instances of a service share a log in PostgreSQL: `log.anchoring()` lets one anchor at a
time, and each looks for such an orphaned anchor first (the instance that wrote it may have died).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from pydantic import BaseModel, ConfigDict, Field

from audit.log import AuditLog, Pending
from audit.merkle import leaf_hash, merkle_root
from audit.records import ANCHOR_KEY, Batch, anchor_raw, parse_anchor_raw
from ledger.client import LedgerClient
from ledger.identity import Signer

__all__ = ["AnchorSettings", "Anchorer"]

logger = logging.getLogger(__name__)


class AnchorSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    batch_size: int = Field(default=256, ge=1, description="pending entries that make a batch at once")
    max_wait: float = Field(default=30.0, gt=0, description="seconds before a non-empty batch is anchored anyway")
    retry_min: float = Field(default=0.5, gt=0, description="first pause after a failed ledger write")
    retry_max: float = Field(default=30.0, gt=0, description="longest pause between retries")
    stop_timeout: float = Field(default=15.0, gt=0, description="how long stop() tries to anchor what is pending")


def _root(items: list[Pending]) -> str:
    return merkle_root([leaf_hash(bytes.fromhex(item.entry.hash)) for item in items]).hex()


class Anchorer:
    def __init__(self, log: AuditLog, ledger_client: LedgerClient, signer: Signer, settings: AnchorSettings) -> None:
        self.log, self.client, self.signer, self.settings = log, ledger_client, signer, settings
        self.writes = 0  # ledger writes this anchorer made
        self.last_error: str | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._orphan_checked = False

    async def start(self) -> None:
        if self._task is not None:
            return
        loop = asyncio.get_running_loop()
        size = self.settings.batch_size

        def on_append(waiting: int) -> None:  # any thread, under the log's lock: only wake the task
            if waiting == 1 or waiting == size:
                with contextlib.suppress(RuntimeError):  # the loop is gone: an append must still succeed
                    loop.call_soon_threadsafe(self._wake.set)

        self._unwatch = self.log.watch(on_append)
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name=f"audit anchorer ({self.log.service})")

    async def stop(self) -> None:
        """End the background task, then anchor what is pending within `stop_timeout` (best effort)."""
        if self._task is None:
            return
        began = time.monotonic()
        self._stop.set()
        self._wake.set()
        _, running = await asyncio.wait({self._task}, timeout=self.settings.stop_timeout)
        for task in running:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._unwatch()
        left = max(self.settings.stop_timeout - (time.monotonic() - began), 0.1)
        try:
            await asyncio.wait_for(self.anchor_now(), left)
        except Exception as exc:  # best effort: what stays pending is anchored at the next start
            count, _ = self.log.due()
            logger.warning("audit log of %s: %d entries stay pending: %s", self.log.service, count, exc)

    async def anchor_now(self) -> Batch | None:
        """Anchor everything pending now as one batch (None when nothing is pending); LedgerError if it fails."""
        return await self._anchor(None)

    async def _run(self) -> None:
        pause = self.settings.retry_min
        while True:
            self._wake.clear()
            if self._stop.is_set():
                return
            count, since = self.log.due()
            if since is None:
                await self._sleep(self._wake, None)
                continue
            waited = time.monotonic() - since
            if count < self.settings.batch_size and waited < self.settings.max_wait:
                await self._sleep(self._wake, self.settings.max_wait - waited)
                continue
            try:
                await self._anchor(self.settings.batch_size)
                pause, self.last_error = self.settings.retry_min, None
            except Exception as exc:  # the task must outlive any failure; entries stay pending
                self.last_error = str(exc)
                logger.warning("audit log of %s: anchoring failed, retry in %.1f s: %s",
                               self.log.service, pause, exc)
                await self._sleep(self._stop, pause)
                pause = min(pause * 2, self.settings.retry_max)

    @staticmethod
    async def _sleep(event: asyncio.Event, timeout: float | None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)

    async def _anchor(self, limit: int | None) -> Batch | None:
        async with self._lock, self.log.anchoring():
            if not self._orphan_checked or self.log.shared:  # shared: another instance may have died mid-write
                await self._adopt_orphan()
                self._orphan_checked = True
            items = self.log.cut(limit)
            if not items:
                return None
            first, last = items[0].entry, items[-1].entry
            number = self.log.batch_count + 1
            root = await asyncio.to_thread(_root, items)
            raw = anchor_raw(self.log.service, number, first.seq, last.seq, root, last.hash)
            await asyncio.to_thread(self.log.sync)
            ref = await self.client.write_attrib(self.signer, raw)
            self.writes += 1
            batch = Batch(number, first.seq, last.seq, root, last.hash, raw, self.signer.did, ref.seq_no,
                          ref.txn_time, items[0].offset)
            await asyncio.to_thread(self.log.record, batch)
            return batch

    async def _adopt_orphan(self) -> None:
        """Record the DID's latest anchor if it is our next batch (written, but its record was lost)."""
        latest = await self.client.get_attrib(self.signer.did, ANCHOR_KEY)
        body = parse_anchor_raw(latest.raw) if latest else None
        if latest is None or body is None or body.get("service") != self.log.service:
            return
        first, last = self.log.anchored_seq + 1, body.get("last")
        if body.get("batch") != self.log.batch_count + 1 or body.get("first") != first or not isinstance(last, int):
            return
        items = self.log.cut(last - first + 1)
        if len(items) != last - first + 1 or items[-1].entry.hash != body.get("head") or _root(items) != body["root"]:
            return
        logger.warning("audit log of %s: batch %d was on the ledger but not recorded; recording it",
                       self.log.service, body["batch"])
        self.log.record(Batch(body["batch"], first, last, body["root"], body["head"], latest.raw, self.signer.did,
                              latest.seq_no, latest.txn_time, items[0].offset))

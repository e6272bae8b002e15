"""A service's public DID: found in its wallet, or created, registered on the ledger and made public.

    did = await ensure_public_did(admin, settings, pending=records_of_a_pending_did)

A DID created but not yet public (a start-up cut short) is remembered through `pending` and reused, so
a restart never registers a second DID. The issuer publishes credential definitions under it; the
verifier names it in its out-of-band invitations, so patients know (and can consent to) who asks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

import httpx

from agents.admin import AdminClient
from agents.registration import register
from agents.settings import RoleSettings
from medcred.errors import AgentError, LedgerError, NotFoundError
from medcred.store import DocumentStore

__all__ = ["PendingDid", "StoredPendingDid", "ensure_public_did"]

log = logging.getLogger(__name__)


class PendingDid(Protocol):
    """Where a created-but-not-yet-public DID is remembered between start-ups."""

    def load(self) -> dict[str, Any] | None: ...
    def save(self, value: dict[str, Any]) -> None: ...
    def clear(self) -> None: ...


class StoredPendingDid:
    """A `PendingDid` kept in a role's document store (collection "onboarding", key "pending_did")."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store

    def load(self) -> dict[str, Any] | None:
        return self.store.get("onboarding", "pending_did")

    def save(self, value: dict[str, Any]) -> None:
        self.store.put("onboarding", "pending_did", value)

    def clear(self) -> None:
        self.store.delete("onboarding", "pending_did")


async def ensure_public_did(
    admin: AdminClient, settings: RoleSettings, pending: PendingDid, *, timeout: float = 60.0,
    poll_interval: float = 0.25, ledger_transport: httpx.AsyncBaseTransport | None = None,
) -> str:
    """The wallet's public DID; else a new one, registered on the ledger as ENDORSER and made public."""
    public = await admin.wallet_did_public()
    if public is not None and isinstance(public.get("did"), str):
        return str(public["did"])
    did, verkey = await _unpublished_did(admin, pending)
    await register(settings, did=did, verkey=verkey, alias=settings.label, transport=ledger_transport)
    deadline = time.monotonic() + timeout
    while True:
        try:
            await admin.request("POST", "/wallet/did/public", params={"did": did})
            break
        except NotFoundError as exc:  # the agent read the ledger before the NYM reached that node
            if time.monotonic() > deadline:
                raise LedgerError(f"DID {did} was registered but the agent cannot find it on the ledger") from exc
        await asyncio.sleep(poll_interval)
    pending.clear()
    log.info("public DID %s is set", did)
    return did


async def _unpublished_did(admin: AdminClient, pending: PendingDid) -> tuple[str, str]:
    remembered = pending.load()
    if remembered is not None and remembered["did"] in {info.get("did") for info in await admin.wallet_dids()}:
        return str(remembered["did"]), str(remembered["verkey"])
    info = await admin.create_wallet_did(method="sov")
    did, verkey = info.get("did"), info.get("verkey")
    if not isinstance(did, str) or not isinstance(verkey, str):
        raise AgentError("the agent created a DID but did not answer its did and verkey")
    pending.save({"did": did, "verkey": verkey})
    return did, verkey

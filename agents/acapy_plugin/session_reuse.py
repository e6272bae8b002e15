"""ACA-Py reuses an Askar session just closed instead of opening a new one for the next storage step.

ACA-Py 1.7 opens a new Askar session for nearly every storage step (`async with profile.session()`)
and closes it after: two calls into Askar, each answered from Askar's own threads, and a SQLite
connection taken from the store's pool and given back, ~200 times per full flow across the three
agents. A/B in one network (the reuse switched at run time; 4 interleaved rounds of 12 flows each way,
concurrency 8): CPU per flow across all processes 929 -> 888 ms straight through the agents, 893 ->
858 ms through the controllers; flows/s 1.98 -> 2.08 and 2.09 -> 2.18. Counted in one run (with a
margin of one other open session, not two), a session took a parked one over in ~52% of the issuer's
sessions, ~84% of the holder's and ~81% of the verifier's.

How it stays safe:

1. At most one session is parked per store, for `IDLE_SECONDS` at most, and only a session that is
   not a transaction. The next non-transaction session of the same profile takes it over; ACA-Py's
   own `_setup` then runs as for a new one. Popping it is atomic on the event loop: no session is
   ever lent to two at once.
2. A parked session keeps its SQLite connection, and Askar gives a SQLite store at least four
   (`max_connections`, unless the store's URI says otherwise, which ACA-Py's does not). A session is
   parked only while at most `OPEN_OTHERS_AT_MOST` (two) other sessions of its store are open, so those
   and the parked one leave a connection free; and any session that cannot take it over (a
   transaction, another profile of the store) closes it before opening. So nothing waits for the
   connection a parked session holds, except past that margin (Askar scans) and then `IDLE_SECONDS`
   at most.
3. Closing a store first closes the session parked on it.

Everything else is ACA-Py's and Askar's own code. The patch applies only to the source it was written
against (`FINGERPRINTS`: acapy-agent 1.7.0, aries-askar 0.5.0); otherwise `install()` leaves both
as they are and logs why.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any

from acapy_agent.askar.profile_anon import AskarAnonCredsProfileSession
from acapy_agent.core.profile import ProfileSession
from aries_askar import Session, Store

from agents.acapy_plugin.fingerprints import differing, written_against

__all__ = ["FINGERPRINTS", "IDLE_SECONDS", "OPEN_OTHERS_AT_MOST", "differing_sources", "install", "parked"]

LOGGER = logging.getLogger(__name__)
IDLE_SECONDS = 1.0  # a parked session unused this long is closed
OPEN_OTHERS_AT_MOST = 2  # park only while at most this many other sessions of the store are open

# SHA-256 of the source this module replaces or relies on, as in acapy-agent 1.7.0 and aries-askar 0.5.0.
FINGERPRINTS: dict[str, str] = {
    "AskarAnonCredsProfileSession": "8b748218eb7b11600d44523d6e0b6416f37e24360ebe22fa511afef34a0771e9",
    "ProfileSession.__aenter__": "863fe863849bc99618d2cc63b81b68e9cc0edbb2ff15f77b3820a8bfb197b066",
    "ProfileSession.__aexit__": "86136965358e05710d525bb14666928094db17c9fff9aa402f6d15d0df89507a",
    "ProfileSession.__await__": "aaf498a44c1c8d234a3aed8c7b4118e2186ed754a8606d7c87f9d619c855c71e",
    "Store.close": "2b34d1754fa3b1ffe4ad81a6bba859c5c8f5b0a069ffa9bb2f1fd0b38f15c9c8",
    "Store.session": "5021c93ac60e69d4cff4c87090f701296c52e4dc7cacbb2c53c511c928920b09",
    "Session.close": "561f72fa974349db93c186b155066b7eedb40fad08d3bffdac5202c9df6f03f2",
}


def _relied_on() -> dict[str, Any]:
    return {
        "AskarAnonCredsProfileSession": AskarAnonCredsProfileSession,
        "ProfileSession.__aenter__": ProfileSession.__aenter__,
        "ProfileSession.__aexit__": ProfileSession.__aexit__,
        "ProfileSession.__await__": ProfileSession.__await__,
        "Store.close": Store.close,
        "Store.session": Store.session,
        "Session.close": Session.close,
    }


def differing_sources() -> list[str]:
    """The names of what this patch relies on whose source differs from what it was written against."""
    return differing(_relied_on(), FINGERPRINTS)


@dataclass
class _Parked:
    profile_id: str | None
    session: Session
    expiry: asyncio.TimerHandle


class _TakenOver:
    """Stands in for ACA-Py's pending `OpenSession`: awaiting it gives the parked session."""

    is_transaction = False

    def __init__(self, session: Session) -> None:
        self._session = session

    def __await__(self) -> Generator[Any, None, Session]:
        return self._session
        yield  # a generator that returns at once


_PARKED: weakref.WeakKeyDictionary[Store, _Parked] = weakref.WeakKeyDictionary()
_OPEN: weakref.WeakKeyDictionary[Store, weakref.WeakSet[AskarAnonCredsProfileSession]] = weakref.WeakKeyDictionary()
_CLOSING: set[asyncio.Task[None]] = set()  # closes of expired sessions, referenced until done


def parked(store: Store) -> Session | None:
    """The session parked on `store`, if any (tests, logs)."""
    slot = _PARKED.get(store)
    return slot.session if slot else None


async def _close_quietly(session: Session) -> None:
    """Close a parked session; a failure there is no failure of whoever needed it gone."""
    try:
        await session.close()
    except Exception as exc:  # Askar's errors, or a store already gone
        LOGGER.debug("a parked Askar session did not close cleanly: %s", type(exc).__name__)


async def _unpark(store: Store) -> None:
    """Close the session parked on `store`, if any."""
    slot = _PARKED.pop(store, None)
    if slot is not None:
        slot.expiry.cancel()
        await _close_quietly(slot.session)


def _expire(store: Store, session: Session) -> None:
    slot = _PARKED.get(store)
    if slot is None or slot.session is not session:
        return
    del _PARKED[store]
    task = asyncio.get_running_loop().create_task(_close_quietly(session))
    _CLOSING.add(task)
    task.add_done_callback(_CLOSING.discard)


def _with_reuse(setup: Callable[[AskarAnonCredsProfileSession], Awaitable[None]]) -> Callable[..., Any]:
    async def _setup(self: AskarAnonCredsProfileSession) -> None:
        store = self._profile.store
        slot = _PARKED.pop(store, None)
        if slot is not None:
            slot.expiry.cancel()
            if not self._opener.is_transaction and slot.profile_id == self._profile.profile_id:
                self._opener = _TakenOver(slot.session)  # ACA-Py's own setup takes it as if just opened
            else:
                await _close_quietly(slot.session)  # its connection goes back before this one takes another
        await setup(self)
        self._medcred_store = store
        _OPEN.setdefault(store, weakref.WeakSet()).add(self)

    return _setup


def _with_parking(teardown: Callable[..., Awaitable[None]]) -> Callable[..., Any]:
    async def _teardown(self: AskarAnonCredsProfileSession, commit: bool | None = None) -> None:
        store: Store | None = getattr(self, "_medcred_store", None)
        handle = self._handle
        if store is not None:
            open_sessions = _OPEN.get(store)
            if open_sessions is not None:
                open_sessions.discard(self)
            if (handle is not None and not commit and not handle.is_transaction and store.handle is not None
                    and store not in _PARKED and len(open_sessions or ()) <= OPEN_OTHERS_AT_MOST):  # fmt: skip
                expiry = asyncio.get_running_loop().call_later(IDLE_SECONDS, _expire, store, handle)
                _PARKED[store] = _Parked(self._profile.profile_id, handle, expiry)
                self._handle = None  # ACA-Py's own teardown then has nothing to close
        await teardown(self, commit)

    return _teardown


def _unparking_first(close: Callable[..., Awaitable[bool]]) -> Callable[..., Any]:
    async def close_store(self: Store, *, remove: bool = False) -> bool:
        await _unpark(self)
        return await close(self, remove=remove)

    close_store.__module__ = __name__
    return close_store


def install() -> bool:
    """Apply the patch if ACA-Py and Askar are the versions it was written against; True if applied."""
    if Store.close.__module__ == __name__:
        return True
    if not written_against("session reuse", _relied_on(), FINGERPRINTS, LOGGER):
        return False
    AskarAnonCredsProfileSession._setup = _with_reuse(AskarAnonCredsProfileSession._setup)
    AskarAnonCredsProfileSession._teardown = _with_parking(AskarAnonCredsProfileSession._teardown)
    Store.close = _unparking_first(Store.close)
    LOGGER.info("medcred plugin: Askar sessions reused")
    return True

"""The multitenant holder opens its one store of sub-wallets once, however many requests come at once.

With `--multitenancy-config wallet_type=single-wallet-askar` every patient's sub-wallet is a profile of
one Askar store. ACA-Py 1.7 opens that store (`SingleWalletAskarMultitenantManager.get_wallet_profile`,
auto-provisioned) the first time any sub-wallet is used after the agent starts, and nothing stops two
requests from doing so together. On PostgreSQL each of them then creates the store's tables; all but one
fail ("relation config already exists"), and their requests answer 400 "Error opening store". Seen in
the fault test on PostgreSQL: the holder agent killed while 14 patients were being made, back 3 s
later, and one of the 14 retried creations ended 502 with that error instead of making the patient.

The patch holds a lock (one per manager) around that first open: the first caller opens the store, the
others wait for it and then find it open; once it is open, nothing waits. Everything else is ACA-Py's
own code. It applies only to the source it was written against (`FINGERPRINTS`: acapy-agent 1.7.0).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from acapy_agent.multitenant.single_wallet_askar_manager import SingleWalletAskarMultitenantManager

from agents.acapy_plugin.fingerprints import differing, written_against

__all__ = ["FINGERPRINTS", "differing_sources", "install"]

LOGGER = logging.getLogger(__name__)

# SHA-256 of the source this module wraps, as in acapy-agent 1.7.0.
FINGERPRINTS: dict[str, str] = {
    "SingleWalletAskarMultitenantManager.get_wallet_profile":
        "4e57b9600ad52c15a03f54f63eac7369de16f3647fcbec6e7d7d6b5d8f229174",
}  # fmt: skip

_first_open: weakref.WeakKeyDictionary[SingleWalletAskarMultitenantManager, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _original() -> Any:
    method = SingleWalletAskarMultitenantManager.get_wallet_profile
    return getattr(method, "__wrapped__", method)


def differing_sources() -> list[str]:
    return differing({"SingleWalletAskarMultitenantManager.get_wallet_profile": _original()}, FINGERPRINTS)


def install() -> None:
    """Wrap `get_wallet_profile` (once) if its source is the one this was written against."""
    if hasattr(SingleWalletAskarMultitenantManager.get_wallet_profile, "__wrapped__"):
        return
    relied_on = {"SingleWalletAskarMultitenantManager.get_wallet_profile": _original()}
    if not written_against("multitenant open", relied_on, FINGERPRINTS, LOGGER):
        return
    original = _original()

    async def get_wallet_profile(self: SingleWalletAskarMultitenantManager, *args: Any, **kwargs: Any) -> Any:
        if self._multitenant_profile is None:
            lock = _first_open.setdefault(self, asyncio.Lock())
            async with lock:  # the first opens the store; the others find it open (or try again if it failed)
                return await original(self, *args, **kwargs)
        return await original(self, *args, **kwargs)

    get_wallet_profile.__wrapped__ = original  # type: ignore[attr-defined]
    SingleWalletAskarMultitenantManager.get_wallet_profile = get_wallet_profile

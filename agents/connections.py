"""A DIDComm connection as both of its ends know it: the pair of DIDs its DID Exchange made.

The two DIDs of a connection are created by the two wallets during the exchange and travel only inside
its encrypted messages, so they name the connection between exactly two parties: nobody else can show
them, unlike the invitation's id, which is in the QR code. Each side stores them from its own point of
view (`my_did` / `their_did`); `ConnectionDids.of(record, ...)` reads them from a connection record, and
`mirrored()` turns one side's view into the other's.

    patient's wallet:  ConnectionDids(mine=P, theirs=H)
    hospital:          ConnectionDids(mine=H, theirs=P) == wallet's.mirrored()

did:peer:4 DIDs come in a long form (`did:peer:4<hash>:<document>`) and a short one (`did:peer:4<hash>`);
the two ends do not always store the same form, so both are compared by their short form
(`medcred.identifiers.short_did`).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from medcred.errors import InvalidInputError
from medcred.identifiers import Did, short_did

__all__ = ["CONNECTED_STATES", "GONE_STATES", "ConnectionDids", "is_connected"]

CONNECTED_STATES = frozenset({"active", "completed"})  # ACA-Py's `state` and `rfc23_state` once it completed
GONE_STATES = frozenset({"abandoned", "error", "deleted"})
MAX_DID = 4096  # a long-form did:peer:4 with a few keys and a service is well under 2 KB


def is_connected(record: Mapping[str, Any]) -> bool:
    """Whether a connection record (or its webhook) says the DID Exchange completed and it is still live."""
    return record.get("state") in CONNECTED_STATES or record.get("rfc23_state") == "completed"


@dataclass(frozen=True)
class ConnectionDids:
    mine: str
    theirs: str

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> ConnectionDids | None:
        """The DIDs of a connection record, or None while the exchange has not given both."""
        mine, theirs = record.get("my_did"), record.get("their_did")
        if not isinstance(mine, str) or not isinstance(theirs, str) or not mine or not theirs:
            return None
        return cls(short_did(mine), short_did(theirs))

    @classmethod
    def parse(cls, mine: str, theirs: str) -> ConnectionDids | None:
        """DIDs as another party sent them (e.g. in headers): None unless both are DIDs (`did:<method>:<id>`)."""
        if not all(len(did) <= MAX_DID for did in (mine, theirs)):
            return None
        try:
            return cls(Did(mine).short, Did(theirs).short)
        except InvalidInputError:
            return None

    def mirrored(self) -> ConnectionDids:
        """The same connection as its other end sees it."""
        return ConnectionDids(mine=self.theirs, theirs=self.mine)

    def same_as(self, other: ConnectionDids) -> bool:
        """Both DIDs equal, compared in constant time (they are what admits a patient to the portal)."""
        return hmac.compare_digest(self.mine.encode(), other.mine.encode()) & hmac.compare_digest(
            self.theirs.encode(), other.theirs.encode()
        )

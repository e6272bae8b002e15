"""An inviter answers a wallet's handshake reuse at once, also for an invitation it no longer keeps.

A wallet already connected to the hospital that scans one of its invitations again does not make a
second connection: it asks to reuse the one it has (RFC 0434 handshake reuse, over that connection).
ACA-Py 1.7's inviter looks for the invitation's out-of-band record waiting for an answer; a single-use
invitation's record is deleted once used, so for a patient scanning their own QR code a second time it
finds none, logs the error and answers nothing. The wallet waits 15 s for an answer, then makes a new
connection from the used invitation, which the hospital refuses: 25 s, and the patient is told that the
wallet is still connecting.

The patch answers such a reuse with ACA-Py's own reuse-accept message on the connection it came over:
the wallet keeps the connection it has, at once. Accepting links nothing to anybody (medcred's hospital
links a patient only by a connection made from their invitation; ACA-Py posts no connection webhook for
a reuse). Everything else, a reuse of an invitation that does wait, is ACA-Py's own code. It applies
only to the source it was written against (`FINGERPRINTS`: acapy-agent 1.7.0).
"""

from __future__ import annotations

import logging
from typing import Any

from acapy_agent.connections.models.conn_record import ConnRecord
from acapy_agent.messaging.responder import BaseResponder
from acapy_agent.protocols.out_of_band.v1_0.manager import OutOfBandManager
from acapy_agent.protocols.out_of_band.v1_0.messages.reuse import HandshakeReuse
from acapy_agent.protocols.out_of_band.v1_0.messages.reuse_accept import HandshakeReuseAccept
from acapy_agent.storage.error import StorageNotFoundError

from agents.acapy_plugin.fingerprints import differing, written_against

__all__ = ["FINGERPRINTS", "differing_sources", "install"]

LOGGER = logging.getLogger(__name__)

# SHA-256 of the source this module wraps, as in acapy-agent 1.7.0.
FINGERPRINTS: dict[str, str] = {
    "OutOfBandManager.receive_reuse_message": "e7e5f7d4c7913e108c5c2f8c1c8319293d5d383733fcfb5d6aff2df5e6880533",
}


def _original() -> Any:
    method = OutOfBandManager.receive_reuse_message
    return getattr(method, "__wrapped__", method)


def differing_sources() -> list[str]:
    return differing({"OutOfBandManager.receive_reuse_message": _original()}, FINGERPRINTS)


async def accept(manager: OutOfBandManager, reuse: HandshakeReuse, connection: ConnRecord) -> None:
    """ACA-Py's reuse-accept for `reuse`, sent over `connection` (as its `receive_reuse_message` sends it)."""
    accepted = HandshakeReuseAccept(version=reuse._version)
    accepted.assign_thread_id(thid=reuse._thread_id, pthid=reuse._thread.pthid)
    targets = await manager.fetch_connection_targets(connection=connection)
    responder = manager.profile.inject(BaseResponder)
    await responder.send(message=accepted, target_list=targets)


def install() -> None:
    """Wrap `OutOfBandManager.receive_reuse_message` (once) if its source is the one this was written against."""
    if hasattr(OutOfBandManager.receive_reuse_message, "__wrapped__"):
        return
    if not written_against("reuse answered", {"OutOfBandManager.receive_reuse_message": _original()},
                           FINGERPRINTS, LOGGER):  # fmt: skip
        return
    original = _original()

    async def receive_reuse_message(self: OutOfBandManager, reuse_msg: HandshakeReuse, receipt: Any,
                                    conn_rec: ConnRecord) -> None:  # fmt: skip
        try:
            await original(self, reuse_msg, receipt, conn_rec)
        except StorageNotFoundError:  # no invitation of ours waits under that id: used (or never ours)
            LOGGER.info("handshake reuse on connection %s for an invitation no longer kept: accepted, nothing linked",
                        conn_rec.connection_id)  # fmt: skip
            await accept(self, reuse_msg, conn_rec)

    receive_reuse_message.__wrapped__ = original  # type: ignore[attr-defined]
    OutOfBandManager.receive_reuse_message = receive_reuse_message

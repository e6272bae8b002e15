"""A presentation the verifier's agent refuses on receipt ends its exchange `abandoned`, with the reason.

ACA-Py 1.7 checks a presentation against its request when it receives it (`V20PresManager.receive_pres`:
each presented credential against the request's restrictions, the presented values against their
encodings) before it verifies anything. When a check fails it raises, the dispatcher logs "Handler
error", and that is all: the exchange stays `request-sent` and no webhook is posted, so the controller
only learns of it when its request times out. Measured on the local stack: a credential of a look-alike
issuer (the hospital's schema name, another DID) left the clinic's verification pending until then.

The patch wraps `receive_pres`: when it raises for an exchange that is still waiting for a presentation,
the exchange is saved `abandoned` with the error's message as `error_msg` (ACA-Py's own
`save_error_state`, which posts the `present_proof_v2_0` webhook), and the error goes on as before.
The patch applies only to the source it was written against (`FINGERPRINTS`: acapy-agent 1.7.0).
"""

from __future__ import annotations

import logging
from typing import Any

from acapy_agent.core.error import BaseError
from acapy_agent.core.profile import Profile
from acapy_agent.protocols.present_proof.v2_0.manager import V20PresManager
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord
from acapy_agent.storage.error import StorageError

from agents.acapy_plugin.fingerprints import differing, written_against

__all__ = ["FINGERPRINTS", "differing_sources", "install"]

LOGGER = logging.getLogger(__name__)

# SHA-256 of the source this module wraps or relies on, as in acapy-agent 1.7.0.
FINGERPRINTS: dict[str, str] = {
    "V20PresManager.receive_pres": "aa23deb157c35270c8fa41b57697be69d2d11781211c6862a70e2d38cb441f68",
    "V20PresExRecord.save_error_state": "43fe369121c29c9cb6bd56db0b55f70c716299e808dd9a60b4f4b709384dfddc",
}


def _relied_on() -> dict[str, Any]:
    return {
        "V20PresManager.receive_pres": getattr(V20PresManager.receive_pres, "__wrapped__", V20PresManager.receive_pres),
        "V20PresExRecord.save_error_state": V20PresExRecord.save_error_state,
    }


def differing_sources() -> list[str]:
    return differing(_relied_on(), FINGERPRINTS)


async def _waiting_record(profile: Profile, thread_id: str, connection_id: str | None) -> V20PresExRecord | None:
    """The verifier's exchange of this thread, found as `receive_pres` finds it, if it still waits."""
    try:
        async with profile.session() as session:
            post_filter = {"role": V20PresExRecord.ROLE_VERIFIER, "connection_id": connection_id}
            record = await V20PresExRecord.retrieve_by_tag_filter(session, {"thread_id": thread_id}, post_filter)
    except (StorageError, BaseError):
        return None
    return record if record.state == V20PresExRecord.STATE_REQUEST_SENT else None


def install() -> None:
    """Wrap `V20PresManager.receive_pres` (once) if its source is the one this was written against."""
    if hasattr(V20PresManager.receive_pres, "__wrapped__"):
        return
    if not written_against("refused presentations", _relied_on(), FINGERPRINTS, LOGGER):
        return
    original = V20PresManager.receive_pres

    async def receive_pres(self: V20PresManager, message: Any, connection_record: Any, oob_record: Any) -> Any:
        try:
            return await original(self, message, connection_record, oob_record)
        except Exception as exc:
            # As `receive_pres` looks the exchange up: no connection id when it came out of band.
            connection_id = None if oob_record or connection_record is None else connection_record.connection_id
            record = await _waiting_record(self._profile, message._thread_id, connection_id)
            if record is not None:
                reason = exc.roll_up if isinstance(exc, BaseError) else f"{type(exc).__name__}: {exc}"
                LOGGER.warning("medcred plugin: presentation of exchange %s refused on receipt", record.pres_ex_id)
                async with self._profile.session() as session:
                    await record.save_error_state(session, reason=reason)
            raise

    receive_pres.__wrapped__ = original  # type: ignore[attr-defined]
    V20PresManager.receive_pres = receive_pres
    LOGGER.info("medcred plugin: presentations refused on receipt end their exchange abandoned")

"""How the holder's ACA-Py agent starts: one multitenant agent holding every patient's sub-wallet.

The agent accepts invitations and stores offered credentials by itself, but it never answers a proof
request on its own: with auto-respond it would pick the first matching credential, revoked or not
(docs/ACAPY.md), and it would not ask the patient. The controller chooses the credentials (`holder.proofs`).

`--debug-webhooks`: the one webhook the agent posts of a proof exchange, its arrival, then carries the
whole record, proof request included, which the wallet keeps until the patient answers
(`holder.arrivals`) instead of reading it back. As the states are narrowed, no later state of the
exchange is posted, so no presentation leaves the agent in a webhook. Despite its name the flag only
widens webhook payloads: ACA-Py logs nothing more for it.
"""

from __future__ import annotations

from agents.config import AgentConfig
from holder.proofs import REQUEST_RECEIVED
from holder.proofs import TOPIC as PROOF_TOPIC
from holder.settings import HolderSettings
from holder.wallet import CONNECTION_STATES, CONNECTION_TOPIC, CREDENTIAL_STORED, CREDENTIAL_TOPIC

__all__ = ["AUTO_FLAGS", "WEBHOOK_STATES", "WEBHOOK_TOPICS", "agent_config"]

# What the controller handles (holder/app.py): proof requests arriving in a sub-wallet, the end of a
# connection's DID Exchange (`holder.wallet` awaits it when a patient accepts an invitation), and a
# credential stored (the patient's wallet pages refresh). The agent posts no other topic or state, so no
# out-of-band event and no step of a credential exchange before it is stored; of a proof exchange only its
# arrival (`holder.proof_requests.ProofRequestService.on_proof_event`, and `holder.proofs` awaiting a
# scanned request), not its later `presentation-sent` and `done`.
WEBHOOK_TOPICS = (PROOF_TOPIC, CONNECTION_TOPIC, CREDENTIAL_TOPIC)
WEBHOOK_STATES = {PROOF_TOPIC: (REQUEST_RECEIVED,), CONNECTION_TOPIC: CONNECTION_STATES,
                  CREDENTIAL_TOPIC: CREDENTIAL_STORED}  # fmt: skip

AUTO_FLAGS = (
    "--auto-accept-invites",
    "--auto-accept-requests",
    "--auto-respond-credential-offer",
    "--auto-store-credential",
)


def agent_config(settings: HolderSettings) -> AgentConfig:
    """The holder agent: multitenant (with the admin routes), downloading tails files, accepting offers."""
    return settings.agent_config(
        tails_server_base_url=settings.tails_url,
        multitenant=True,
        jwt_secret=settings.secret("jwt_secret"),
        auto_flags=list(AUTO_FLAGS),
        webhook_topics=list(WEBHOOK_TOPICS),
        webhook_states=WEBHOOK_STATES,
        extra_args=["--debug-webhooks"],
    )

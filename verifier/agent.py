"""How the verifier's ACA-Py agent starts: an askar-anoncreds wallet on the Indy ledger, verifying on its own.

The verifier needs no tails server: it checks non-revocation against the ledger's revocation status
lists and never downloads a tails file. Its proof requests travel inside connectionless out-of-band
invitations that name its public DID.

`--debug-webhooks`: ACA-Py's webhooks then carry the whole exchange record, so the controller takes a
result from the `done` webhook itself (the proof holds the revealed values only, never an unrevealed
one) instead of reading the record back; the record is created with `auto_remove` and the agent deletes
it once it has acknowledged the presentation. Despite its name the flag only widens the webhook payload:
ACA-Py logs nothing more for it.
"""

from __future__ import annotations

from agents.config import AgentConfig
from verifier.service import HANDLED_STATES, PROOF_TOPIC
from verifier.settings import VerifierSettings

__all__ = ["WEBHOOK_STATES", "WEBHOOK_TOPICS", "agent_config"]

# What the controller handles (verifier/app.py): its proof exchanges. The agent posts no other topic,
# and of its exchanges only the states the controller acts on: not `request-sent`, nor
# `presentation-received` (the whole presentation again, with `--debug-webhooks`).
WEBHOOK_TOPICS = (PROOF_TOPIC,)
WEBHOOK_STATES = {PROOF_TOPIC: HANDLED_STATES}


def agent_config(settings: VerifierSettings) -> AgentConfig:
    """The verifier agent: verifies presentations as they arrive; its invitations name its public DID."""
    return settings.agent_config(
        auto_flags=["--auto-verify-presentation"],
        public_invites=True,
        extra_args=["--debug-webhooks"],
        webhook_topics=list(WEBHOOK_TOPICS),
        webhook_states=WEBHOOK_STATES,
    )

"""How the hospital's ACA-Py agent starts: `agent_config(settings)` -> `AgentConfig`.

No global `--auto-*` flag: every automation is asked for per exchange, so nothing happens that the
controller did not start. Invitations are created with `auto_accept=true` (the DID Exchange request
that answers one of our invitations is accepted); offers carry `auto_issue: true` (the request that
answers one of our offers is issued). A global `--auto-accept-requests` would also accept requests to
invitations made without it, and `--auto-respond-credential-request` would also issue on requests a
holder starts itself. No seed either: the public DID is created in the wallet and registered on the
ledger at start-up (`issuer.onboarding`), so no secret seed needs keeping.

Invitations name the public DID (`--public-invites`), but a DID Exchange request to that DID is accepted
only against one of our invitations, once: without `--requests-through-public-did`, ACA-Py refuses an
unsolicited request and one that names an invitation already used.
"""

from __future__ import annotations

from agents.config import AgentConfig
from agents.connections import CONNECTED_STATES, GONE_STATES
from issuer.issuance import EXCHANGE_TOPIC, REVOCATION_IDS_TOPIC
from issuer.settings import IssuerSettings

__all__ = ["WEBHOOK_STATES", "WEBHOOK_TOPICS", "agent_config"]

# What the controller handles (issuer/service.py registers one handler each); the agent posts no other.
# Connections only in the states `PatientService.on_connection` acts on (not `invitation`, `request`);
# every state of an issuance, which `GET /credentials/{id}` shows.
WEBHOOK_TOPICS = ("connections", EXCHANGE_TOPIC, REVOCATION_IDS_TOPIC)
WEBHOOK_STATES = {"connections": tuple(sorted(CONNECTED_STATES | GONE_STATES))}


def agent_config(settings: IssuerSettings) -> AgentConfig:
    """The issuer agent: the common configuration plus the tails server (it uploads tails files); patients'
    invitations name its public DID (`--public-invites`)."""
    return settings.agent_config(
        tails_server_base_url=settings.tails_url, public_invites=True,
        webhook_topics=list(WEBHOOK_TOPICS), webhook_states=WEBHOOK_STATES,
    )  # fmt: skip

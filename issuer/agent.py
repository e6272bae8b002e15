"""How the hospital's ACA-Py agent starts: `agent_config(settings)` -> `AgentConfig`.

No global `--auto-*` flag: every automation is asked for per exchange, so nothing happens that the
controller did not start. Invitations are created with `auto_accept=true` (the DID Exchange request
that answers one of our invitations is accepted); offers carry `auto_issue: true` (the request that
answers one of our offers is issued). A global `--auto-accept-requests` would also accept requests to
invitations made without it, and `--auto-respond-credential-request` would also issue on requests a
holder starts itself. No seed either: the public DID is created in the wallet and registered on the
ledger at start-up (`issuer.onboarding`), so no secret seed needs keeping.
"""

from __future__ import annotations

from agents.config import AgentConfig
from issuer.settings import IssuerSettings

__all__ = ["agent_config"]


def agent_config(settings: IssuerSettings) -> AgentConfig:
    """The issuer agent: askar-anoncreds wallet, the ledger's genesis, the tails server, our webhooks."""
    return AgentConfig(
        label=settings.label,
        role_name="issuer",
        host=settings.host,
        inbound_port=settings.agent_inbound_port,
        admin_port=settings.agent_admin_port,
        endpoint=f"http://{settings.host}:{settings.agent_inbound_port}",
        admin_api_key=settings.secret("agent_admin_api_key"),
        webhook_url=settings.webhook_url,
        webhook_api_key=settings.secret("webhook_api_key"),
        wallet_name="issuer",
        wallet_key=settings.secret("wallet_key"),
        wallet_type="askar-anoncreds",
        data_dir=settings.folder() / "agent",
        genesis_url=f"{settings.ledger_url.rstrip('/')}/genesis",
        tails_server_base_url=settings.tails_url,
        auto_flags=[],
    )

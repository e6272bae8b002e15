"""How the verifier's ACA-Py agent starts: an askar-anoncreds wallet on the Indy ledger, verifying on its own.

The verifier needs no tails server: it checks non-revocation against the ledger's revocation status
lists and never downloads a tails file. It has no public DID: its proof requests travel inside
connectionless out-of-band invitations.
"""

from __future__ import annotations

from agents.config import AgentConfig
from verifier.settings import VerifierSettings

__all__ = ["agent_config"]


def agent_config(settings: VerifierSettings) -> AgentConfig:
    """The verifier agent's configuration (secrets generated into the data folder on first use)."""
    return AgentConfig(
        label=settings.label,
        role_name=settings.role,
        host=settings.host,
        inbound_port=settings.agent_inbound_port,
        admin_port=settings.agent_admin_port,
        endpoint=f"http://{settings.host}:{settings.agent_inbound_port}",
        admin_api_key=settings.secret("agent_admin_api_key"),
        webhook_url=settings.webhook_url,
        webhook_api_key=settings.secret("webhook_api_key"),
        wallet_name=f"medcred-{settings.role}",
        wallet_key=settings.secret("wallet_key"),
        wallet_type="askar-anoncreds",
        data_dir=settings.folder() / "agent",
        genesis_url=f"{settings.ledger_url}/genesis",
        auto_flags=["--auto-verify-presentation"],
    )

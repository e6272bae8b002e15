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
    """The verifier agent: verifies presentations as they arrive; its invitations name its public DID."""
    return settings.agent_config(auto_flags=["--auto-verify-presentation"], public_invites=True)

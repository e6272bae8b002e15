"""The clinic / insurer controller: proof requests from named templates, and their verified results.

create_app(settings)    the FastAPI app (port 8003), in front of its ACA-Py agent (8040 / admin 8041)
agent_config(settings)  how that agent starts
VerifierSettings        `MEDCRED_VERIFIER_*`
"""

from __future__ import annotations

from verifier.agent import agent_config
from verifier.app import create_app
from verifier.settings import VerifierSettings

__all__ = ["VerifierSettings", "agent_config", "create_app"]

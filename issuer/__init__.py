"""The hospital's controller: publishes its schemas and credential definitions, invites patients,
issues credentials from FHIR resources, and revokes them.

    create_app(settings)    the FastAPI app (port 8001)
    IssuerSettings          its typed settings (prefix MEDCRED_ISSUER_)
    agent_config(settings)  how its ACA-Py agent starts (8020 DIDComm, 8021 admin)
"""

from __future__ import annotations

from issuer.agent import agent_config
from issuer.app import create_app
from issuer.settings import IssuerSettings

__all__ = ["IssuerSettings", "agent_config", "create_app"]

"""The clinic / insurer controller: proof requests from named templates, and their verified results.

create_app(settings)    the FastAPI app (port 8003), in front of its ACA-Py agent (8040 / admin 8041)
agent_config(settings)  how that agent starts
VerifierSettings        `MEDCRED_VERIFIER_*`

app.py          create_app: the FastAPI app and its lifespan
settings.py     VerifierSettings
agent.py        agent_config
deps.py         the routes' dependencies: the services, the staff check (the controllers' one)
routes/         one module per resource: verifications, templates, identity, shares
models.py       the API's models
service.py      VerificationService: ask with a template, record the answer, end what nobody answers
shares.py       ShareReader: open a SMART Health Link a patient shared, checking each record
"""

from __future__ import annotations

from verifier.agent import agent_config
from verifier.app import create_app
from verifier.settings import VerifierSettings

__all__ = ["VerifierSettings", "agent_config", "create_app"]

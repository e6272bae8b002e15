"""medcred's ACA-Py plugin: every medcred agent starts with `--plugin agents.acapy_plugin`.

ACA-Py imports this package inside the agent process and calls `setup` once its own plugins are set
up (external plugins come last). It changes four costs, and one thing the agent does:

ledger_cache           AnonCreds definitions read from the ledger are kept for 10 minutes, not read per use
schema_reuse           marshmallow schema instances are reused, not built for every (de)serialisation
session_reuse          an Askar session just closed is taken over by the next storage step, not opened anew
webhook_topics         the agent posts to its controller only the webhook topics and states it handles
refused_presentations  a presentation refused on receipt ends its exchange `abandoned` (a webhook), with why

It imports only ACA-Py, what ACA-Py itself depends on (Askar) and the standard library: the
docker-compose agents mount this folder into the published ACA-Py image.
"""

from __future__ import annotations

from acapy_agent.config.injection_context import InjectionContext

from agents.acapy_plugin import ledger_cache, refused_presentations, schema_reuse, session_reuse, webhook_topics

__all__ = ["setup"]


async def setup(context: InjectionContext) -> None:
    """ACA-Py's plugin hook."""
    ledger_cache.install(context)
    schema_reuse.install()
    session_reuse.install()
    webhook_topics.install(context)
    refused_presentations.install()

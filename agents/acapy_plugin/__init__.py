"""medcred's ACA-Py plugin: every medcred agent starts with `--plugin agents.acapy_plugin`.

ACA-Py imports this package inside the agent process and calls `setup` once its own plugins are set
up (external plugins come last). It changes three costs, and four things the agent does:

ledger_cache           AnonCreds definitions read from the ledger are kept for 10 minutes, not read per use
schema_reuse           marshmallow schema instances are reused, not built for every (de)serialisation
session_reuse          an Askar session just closed is taken over by the next storage step, not opened anew
webhook_topics         the agent posts to its controller only the webhook topics and states it handles
refused_presentations  a presentation refused on receipt ends its exchange `abandoned` (a webhook), with why
multitenant_open       the holder's store of sub-wallets is opened by one request, not by several at once
reuse_answered         an inviter answers a handshake reuse at once, also for an invitation already used

Each one can be switched off on its own (`switches`: `MEDCRED_PATCH_<NAME>=off` in the agent's
environment); `setup` logs which are on and off. It imports only ACA-Py, what ACA-Py itself depends
on (Askar) and the standard library: the docker-compose agents mount this folder into the published
ACA-Py image. Importing the package itself imports no ACA-Py (the launcher reads `switches` before
ACA-Py is imported); the patches are imported by `setup`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from agents.acapy_plugin.switches import Patches, configured

if TYPE_CHECKING:
    from acapy_agent.config.injection_context import InjectionContext

__all__ = ["install", "setup"]

LOGGER = logging.getLogger(__name__)


async def setup(context: InjectionContext) -> None:
    """ACA-Py's plugin hook."""
    install(context, configured())


def install(context: InjectionContext, patches: Patches) -> None:
    """Install each patch that `patches` leaves on; log every one switched off."""
    from agents.acapy_plugin import (
        ledger_cache,
        multitenant_open,
        refused_presentations,
        reuse_answered,
        schema_reuse,
        session_reuse,
        webhook_topics,
    )

    installers = {
        "ledger_cache": lambda: ledger_cache.install(context),
        "schema_reuse": schema_reuse.install,
        "session_reuse": session_reuse.install,
        "webhook_topics": lambda: webhook_topics.install(context),
        "refused_presentations": refused_presentations.install,
        "multitenant_open": multitenant_open.install,
        "reuse_answered": reuse_answered.install,
    }
    LOGGER.info("medcred plugin: patches %s", patches.summary())
    for name, install_patch in installers.items():
        if getattr(patches, name):
            install_patch()
        else:
            LOGGER.info("medcred plugin: %s off (%s=off): not installed", name, Patches.variable(name))

"""ACA-Py plumbing every role (issuer, holder, verifier) shares.

AgentConfig      how one agent starts: the `aca-py start` argv, its secrets in the environment
AgentProcess     the agent as a child process: start, wait until ready, stop, restart
AdminClient      the typed admin API client; every failure becomes a `medcred.errors` error
WebhookRouter    the FastAPI receiver of the agent's webhooks: key check, dedup, topic -> handler
EventWaiter      await a record's state instead of sleeping
Timers           one timer per key (a flow's deadline), cancelled at shutdown
AgentLink        a controller's admin client + webhook receiver + event waiter, opened together
RoleSettings     the settings every role controller shares (ports, generated secrets)
"""

from __future__ import annotations

from agents.admin import AdminClient, SubWallet
from agents.config import AgentConfig
from agents.controller import AgentLink, create_controller_app
from agents.events import EventWaiter, WebhookEvent
from agents.process import AgentProcess
from agents.settings import RoleSettings
from agents.timers import Timers
from agents.webhooks import Handler, WebhookRouter

__all__ = [
    "AdminClient",
    "AgentConfig",
    "AgentLink",
    "AgentProcess",
    "EventWaiter",
    "Handler",
    "RoleSettings",
    "SubWallet",
    "Timers",
    "WebhookEvent",
    "WebhookRouter",
    "create_controller_app",
]

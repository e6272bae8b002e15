"""The agent posts to its controller only the webhook topics the controller handles.

ACA-Py 1.7 posts every record event to every webhook URL: 35 webhooks per full flow across the three
agents (DID Exchange, out-of-band and AnonCreds detail records included), each costing the agent a
JSON encoding and an HTTP request and the controller a request to receive and drop. The controller's
topics are given at start, `--plugin-config-value medcred.webhook_topics=a,b` (`agents.config`
`AgentConfig.webhook_topics`); without that setting every topic is posted, as before. Only the webhook
URLs are filtered: the admin websocket (`/ws`) still carries every event.

The filter wraps the admin server's `webhook_router`, the one callable through which ACA-Py posts each
webhook to each URL, once the agent has started (the admin server exists from then on).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from acapy_agent.admin.base_server import BaseAdminServer
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.event_bus import Event, EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.core.util import STARTUP_EVENT_PATTERN

__all__ = ["CONFIG_KEY", "TOPICS_KEY", "configured_topics", "install", "only_topics"]

LOGGER = logging.getLogger(__name__)
CONFIG_KEY, TOPICS_KEY = "medcred", "webhook_topics"  # --plugin-config-value medcred.webhook_topics=...

type Router = Callable[..., Any]


def configured_topics(plugin_config: object) -> frozenset[str] | None:
    """The topics given in ACA-Py's `plugin_config` setting; None when none were (post every topic)."""
    section = plugin_config.get(CONFIG_KEY) if isinstance(plugin_config, dict) else None
    value = section.get(TOPICS_KEY) if isinstance(section, dict) else None
    if value is None:
        return None
    names = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else None
    if names is None or not all(isinstance(name, str) for name in names):
        raise ValueError(f"{CONFIG_KEY}.{TOPICS_KEY}: a comma-separated list of topics, not {value!r}")
    return frozenset(name.strip() for name in names if name.strip())


def only_topics(router: Router, topics: Iterable[str]) -> Router:
    """`router` for the given topics; any other topic is dropped."""
    wanted = frozenset(topics)

    def route(topic: str, *args: Any, **kwargs: Any) -> Any:
        if topic in wanted:
            return router(topic, *args, **kwargs)
        return None

    return route


def install(context: InjectionContext) -> None:
    """Filter the admin server's webhooks once the agent has started, if topics were configured."""
    topics = configured_topics(context.settings.get("plugin_config"))
    if topics is None:
        return

    async def on_startup(profile: Profile, event: Event) -> None:
        server = profile.inject_or(BaseAdminServer)
        if server is None or getattr(server, "webhook_router", None) is None:
            LOGGER.warning("medcred plugin: no admin server webhooks to filter")
            return
        server.webhook_router = only_topics(server.webhook_router, topics)
        LOGGER.info("medcred plugin: webhooks posted for %s only", ", ".join(sorted(topics)))

    context.inject(EventBus).subscribe(STARTUP_EVENT_PATTERN, on_startup)

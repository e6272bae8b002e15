"""The agent posts to its controller only the webhook topics (and states) the controller handles.

ACA-Py 1.7 posts every record event to every webhook URL: 35 webhooks per full flow across the three
agents (DID Exchange, out-of-band and AnonCreds detail records included), each costing the agent a
JSON encoding and an HTTP request and the controller a request to receive and drop. The controller's
topics are given at start, `--plugin-config-value medcred.webhook_topics=a,b` (`agents.config`
`AgentConfig.webhook_topics`); without that setting every topic is posted, as before. Only the webhook
URLs are filtered: the admin websocket (`/ws`) still carries every event.

A topic may also be narrowed to the record states its handler acts on,
`--plugin-config-value 'medcred.webhook_states={"present_proof_v2_0": ["request-received"]}'` (a YAML
mapping, as ACA-Py parses plugin values; `AgentConfig.webhook_states`): a proof exchange, for one, goes
through five states, and a wallet acts on one of them. A topic not named there is posted in every state.

The filter wraps the admin server's `webhook_router`, the one callable through which ACA-Py posts each
webhook to each URL, once the agent has started (the admin server exists from then on).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from acapy_agent.admin.base_server import BaseAdminServer
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.event_bus import Event, EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.core.util import STARTUP_EVENT_PATTERN

__all__ = ["CONFIG_KEY", "STATES_KEY", "TOPICS_KEY", "configured_states", "configured_topics", "install", "only_topics"]

LOGGER = logging.getLogger(__name__)
CONFIG_KEY, TOPICS_KEY = "medcred", "webhook_topics"  # --plugin-config-value medcred.webhook_topics=...
STATES_KEY = "webhook_states"  # --plugin-config-value medcred.webhook_states={topic: [state, ...]}

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


def configured_states(plugin_config: object) -> dict[str, frozenset[str]]:
    """The states each narrowed topic is posted in (`medcred.webhook_states`); {} when none were given."""
    section = plugin_config.get(CONFIG_KEY) if isinstance(plugin_config, dict) else None
    value = section.get(STATES_KEY) if isinstance(section, dict) else None
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(topic, str) and isinstance(states, list) and states and all(isinstance(s, str) for s in states)
        for topic, states in value.items()
    ):
        raise ValueError(f"{CONFIG_KEY}.{STATES_KEY}: a mapping of topics to non-empty lists of states, not {value!r}")
    return {topic: frozenset(states) for topic, states in value.items()}


def only_topics(router: Router, topics: Iterable[str], states: Mapping[str, frozenset[str]] | None = None) -> Router:
    """`router` for the given topics, each narrowed topic in its given states only; anything else is dropped."""
    wanted, narrowed = frozenset(topics), dict(states or {})

    def route(topic: str, payload: Any, *args: Any, **kwargs: Any) -> Any:
        if topic not in wanted:
            return None
        if topic in narrowed and not (isinstance(payload, dict) and payload.get("state") in narrowed[topic]):
            return None
        return router(topic, payload, *args, **kwargs)

    return route


def install(context: InjectionContext) -> None:
    """Filter the admin server's webhooks once the agent has started, if topics were configured."""
    topics = configured_topics(context.settings.get("plugin_config"))
    if topics is None:
        return
    states = configured_states(context.settings.get("plugin_config"))

    async def on_startup(profile: Profile, event: Event) -> None:
        server = profile.inject_or(BaseAdminServer)
        if server is None or getattr(server, "webhook_router", None) is None:
            LOGGER.warning("medcred plugin: no admin server webhooks to filter")
            return
        server.webhook_router = only_topics(server.webhook_router, topics, states)
        LOGGER.info("medcred plugin: webhooks posted for %s only", ", ".join(sorted(topics)))
        for topic, wanted in sorted(states.items()):
            LOGGER.info("medcred plugin: %s webhooks posted in states %s only", topic, ", ".join(sorted(wanted)))

    context.inject(EventBus).subscribe(STARTUP_EVENT_PATTERN, on_startup)

"""agents.acapy_plugin.webhook_topics: once the agent has started, its webhook URLs get only the
configured topics, a narrowed topic in its configured states only; without a configuration, every
topic as before."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from acapy_agent.admin.base_server import BaseAdminServer
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.event_bus import Event, EventBus
from acapy_agent.core.util import STARTUP_EVENT_TOPIC

from agents.acapy_plugin import webhook_topics
from agents.acapy_plugin.webhook_topics import configured_states, configured_topics, only_topics


@pytest.mark.parametrize(
    ("plugin_config", "expected"),
    [
        (None, None),
        ({}, None),
        ({"other": {"x": 1}}, None),
        ({"medcred": {}}, None),
        ({"medcred": {"webhook_topics": "present_proof_v2_0"}}, {"present_proof_v2_0"}),
        (
            {"medcred": {"webhook_topics": "connections, issue_credential_v2_0"}},
            {"connections", "issue_credential_v2_0"},
        ),
        ({"medcred": {"webhook_topics": ["a", "b"]}}, {"a", "b"}),
    ],
)
def test_the_configured_topics(plugin_config: object, expected: set[str] | None) -> None:
    assert configured_topics(plugin_config) == (None if expected is None else frozenset(expected))


@pytest.mark.parametrize("value", [3, {"a": 1}, [1, 2]])
def test_a_malformed_topic_list_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="comma-separated"):
        configured_topics({"medcred": {"webhook_topics": value}})


def test_only_the_wanted_topics_pass() -> None:
    posted: list[tuple[Any, ...]] = []
    route = only_topics(lambda *args, **kwargs: posted.append((*args, kwargs)), ["present_proof_v2_0"])
    route("connections", {"state": "active"}, "http://controller/webhooks", None, {"x-wallet-id": "w"})
    route("present_proof_v2_0", {"state": "done"}, "http://controller/webhooks", None, {"x-wallet-id": "w"})
    assert posted == [("present_proof_v2_0", {"state": "done"}, "http://controller/webhooks", None,
                       {"x-wallet-id": "w"}, {})]  # fmt: skip


@pytest.mark.parametrize(
    ("plugin_config", "expected"),
    [
        (None, {}),
        ({"medcred": {"webhook_topics": "connections"}}, {}),
        ({"medcred": {"webhook_states": {"present_proof_v2_0": ["request-received"]}}},
         {"present_proof_v2_0": {"request-received"}}),
        ({"medcred": {"webhook_states": {"connections": ["active", "completed"], "x": ["y"]}}},
         {"connections": {"active", "completed"}, "x": {"y"}}),
    ],
)  # fmt: skip
def test_the_configured_states(plugin_config: object, expected: dict[str, set[str]]) -> None:
    assert configured_states(plugin_config) == {topic: frozenset(states) for topic, states in expected.items()}


@pytest.mark.parametrize("value", ["present_proof_v2_0", ["done"], {"connections": []}, {"connections": "active"},
                                   {"connections": [1]}])  # fmt: skip
def test_malformed_states_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="non-empty lists of states"):
        configured_states({"medcred": {"webhook_states": value}})


def test_a_narrowed_topic_passes_in_its_states_only() -> None:
    posted: list[tuple[str, Any]] = []
    narrowed = {"present_proof_v2_0": frozenset({"request-received"})}
    route = only_topics(lambda topic, payload, *args: posted.append((topic, payload.get("state"))),
                        ["present_proof_v2_0", "connections"], narrowed)  # fmt: skip
    for state in ("request-received", "presentation-sent", "done", None):
        route("present_proof_v2_0", {"state": state}, "http://controller/webhooks", None, None)
    route("connections", {"state": "request"}, "http://controller/webhooks", None, None)
    route("present_proof_v2_0", "not a record", "http://controller/webhooks", None, None)
    assert posted == [("present_proof_v2_0", "request-received"), ("connections", "request")]


class AdminServer(BaseAdminServer):
    """ACA-Py's admin server as far as webhooks go: `webhook_router(topic, payload, url, attempts, metadata)`."""

    def __init__(self) -> None:
        self.posted: list[str] = []
        self.webhook_router: Any = lambda topic, *args: self.posted.append(topic)

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def started_agent(plugin_config: dict[str, Any] | None) -> tuple[list[str], AdminServer]:
    """A root profile whose admin server records what it posts; the plugin installed, then "started"."""
    server = AdminServer()
    context = InjectionContext(settings={"plugin_config": plugin_config} if plugin_config else {})
    profile = SimpleNamespace(inject_or=context.inject_or)  # what the start-up handler uses of the root profile
    bus = EventBus()
    context.injector.bind_instance(EventBus, bus)
    context.injector.bind_instance(BaseAdminServer, server)
    webhook_topics.install(context)
    await bus.notify(profile, Event(STARTUP_EVENT_TOPIC, {}))  # as the conductor does once started
    await bus.task_queue.complete(timeout=5)  # subscribers run as tasks
    return server.posted, server


async def test_after_start_up_the_admin_server_posts_the_configured_topics_only() -> None:
    posted, server = await started_agent({"medcred": {"webhook_topics": "present_proof_v2_0"}})
    for topic in ("connections", "out_of_band", "present_proof_v2_0", "issue_credential_v2_0"):
        server.webhook_router(topic, {}, "http://controller/webhooks", None, None)
    assert posted == ["present_proof_v2_0"]


async def test_after_start_up_a_narrowed_topic_is_posted_in_its_states_only() -> None:
    posted, server = await started_agent(
        {"medcred": {"webhook_topics": "present_proof_v2_0", "webhook_states": {"present_proof_v2_0": ["done"]}}}
    )
    for state in ("request-sent", "presentation-received", "done"):
        server.webhook_router("present_proof_v2_0", {"state": state}, "http://controller/webhooks", None, None)
    assert posted == ["present_proof_v2_0"]  # the `done` one


async def test_without_topics_every_webhook_is_posted() -> None:
    posted, server = await started_agent(None)
    for topic in ("connections", "present_proof_v2_0"):
        server.webhook_router(topic, {}, "http://controller/webhooks", None, None)
    assert posted == ["connections", "present_proof_v2_0"]

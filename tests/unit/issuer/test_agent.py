"""The issuer agent posts its controller exactly the webhook topics (and states) the controller handles."""

from __future__ import annotations

from issuer.agent import agent_config
from tests.unit.issuer.conftest import Issuer, issuer_settings


async def test_the_agent_posts_exactly_the_webhook_topics_the_controller_handles(issuer: Issuer) -> None:
    topics = agent_config(issuer_settings(issuer.app.state.issuer.settings.data_dir)).webhook_topics
    assert topics is not None
    assert set(topics) == issuer.app.state.link.webhooks.topics
    assert set(topics) == {"connections", "issue_credential_v2_0", "issue_credential_v2_0_anoncreds"}


def test_connections_are_posted_in_the_states_the_controller_acts_on_only(issuer: Issuer) -> None:
    config = agent_config(issuer_settings(issuer.app.state.issuer.settings.data_dir))
    assert config.webhook_states == {"connections": ["abandoned", "active", "completed", "deleted", "error"]}

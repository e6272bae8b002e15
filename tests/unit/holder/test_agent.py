"""The holder agent's configuration: multitenant, askar-anoncreds, and no auto-answered proof requests."""

from __future__ import annotations

from pathlib import Path

from holder import agent_config
from tests.unit.holder.conftest import Holder, settings_in


def test_the_holder_agent_is_multitenant_and_never_answers_proof_requests_by_itself(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    config = agent_config(settings)
    argv = config.argv()
    assert {"--multitenant", "--multitenant-admin"} <= set(argv)
    assert argv[argv.index("--wallet-type") + 1] == "askar-anoncreds"
    assert argv[argv.index("--genesis-url") + 1] == "http://127.0.0.1:9000/genesis"
    assert argv[argv.index("--tails-server-base-url") + 1] == "http://127.0.0.1:6543"
    assert {"--auto-accept-invites", "--auto-accept-requests", "--auto-respond-credential-offer",
            "--auto-store-credential"} <= set(argv)  # fmt: skip
    assert "--auto-respond-presentation-request" not in argv
    assert (config.inbound_port, config.admin_port) == (8030, 8031)
    assert config.data_dir == tmp_path.resolve() / "agent"
    env = config.env()
    assert env["ACAPY_MULTITENANT_JWT_SECRET"] == settings.secret("jwt_secret").get_secret_value()
    assert (
        env["ACAPY_WEBHOOK_URL"]
        == f"http://127.0.0.1:8002/webhooks#{settings.secret('webhook_api_key').get_secret_value()}"
    )
    assert settings.secret("jwt_secret").get_secret_value() not in " ".join(argv)


async def test_the_agent_posts_exactly_the_webhook_topics_the_controller_handles(holder: Holder) -> None:
    topics = agent_config(holder.settings).webhook_topics
    assert topics is not None and set(topics) == holder.app.state.link.webhooks.topics == {
        "present_proof_v2_0", "connections", "issue_credential_v2_0"}
    # of a proof exchange, only its arrival: the one state the wallet acts on; of a connection, its ends;
    # of a credential exchange, its end (stored: the patient's pages refresh)
    assert agent_config(holder.settings).webhook_states == {"present_proof_v2_0": ["request-received"],
                                                            "connections": ["abandoned", "active"],
                                                            "issue_credential_v2_0": ["done"]}

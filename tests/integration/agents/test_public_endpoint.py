"""A role's agent started with `MEDCRED_<ROLE>_AGENT_ENDPOINT` writes that endpoint, not the address it
binds to, into its invitations (what a phone scanning the QR code would be told to reach).

The clinic's agent, as its role configures it, on the session's ledger, in a data folder and on ports of
its own; its controller is not started (the invitation is asked of the agent's admin API directly).
The endpoint's host is never contacted: an agent does not call its own endpoint.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import pytest_asyncio

from agents.admin import AdminClient
from agents.process import AgentProcess
from ledger.network import LedgerNetwork
from tests.ports import free_port
from verifier import VerifierSettings
from verifier import agent_config as verifier_agent

pytestmark = pytest.mark.integration

PUBLIC = "https://clinic.medcred.invalid:8443/didcomm"


@pytest.fixture
def settings(tmp_path: Path, ledger_network: LedgerNetwork, monkeypatch: pytest.MonkeyPatch) -> VerifierSettings:
    monkeypatch.setenv("MEDCRED_VERIFIER_AGENT_ENDPOINT", PUBLIC)
    return VerifierSettings(
        data_dir=tmp_path / "verifier", port=free_port(), agent_inbound_port=free_port(),
        agent_admin_port=free_port(), ledger_url=ledger_network.settings.web_url, audit_anchoring=False,
    )  # fmt: skip


@pytest_asyncio.fixture
async def clinic_agent(settings: VerifierSettings) -> AsyncIterator[AgentProcess]:
    process = AgentProcess(verifier_agent(settings))
    try:
        await process.start()
        await process.wait_until_ready(timeout=90)
        yield process
    finally:
        await process.stop()


async def test_an_invitation_names_the_configured_endpoint(
    clinic_agent: AgentProcess, settings: VerifierSettings
) -> None:
    admin_key = settings.secret("agent_admin_api_key").get_secret_value()
    async with AdminClient(settings.agent_admin_url, admin_key) as admin:
        record = await admin.create_oob_invitation(my_label="Riverside Clinic", handshake=True)
    services = record["invitation"]["services"]
    assert [service["serviceEndpoint"] for service in services] == [PUBLIC]
    # The URL a QR code carries holds the same invitation.
    oob = parse_qs(urlsplit(record["invitation_url"]).query)["oob"][0]
    carried = json.loads(base64.urlsafe_b64decode(oob + "=" * (-len(oob) % 4)))
    assert [service["serviceEndpoint"] for service in carried["services"]] == [PUBLIC]

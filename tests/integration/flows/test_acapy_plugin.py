"""Every agent of the network runs medcred's ACA-Py plugin (`agents.acapy_plugin`): ledger definitions
cached, webhooks posted only for the topics (and states) its controller handles, marshmallow schema
instances reused. The flows of the other tests, revocation included, run through it."""

from __future__ import annotations

import httpx

from medcred import samples
from stack.clients import HospitalClient, VerifierClient
from stack.network import MedcredNetwork, Role
from tests.integration.flows.conftest import Onboard, issue, request_proof


def received(role: Role) -> set[str]:
    """The topics the role's controller has been posted so far."""
    return {topic for topic, _ in received_states(role)}


def received_states(role: Role) -> set[tuple[str, str | None]]:
    """The (topic, record state) pairs the role's controller has been posted so far."""
    assert role.server is not None
    return {key for key, count in role.server.app.state.link.webhooks.received.items() if count}


async def test_every_agent_has_the_plugin_set_up(network: MedcredNetwork, http: httpx.AsyncClient) -> None:
    for role in network.roles:
        config = role.agent.config
        key = config.admin_api_key.get_secret_value()
        answer = await http.get(f"{config.admin_url}/plugins", headers={"X-API-Key": key})
        assert answer.status_code == 200
        assert "agents.acapy_plugin" in answer.json()["result"], role.name
        log = config.log_file.read_text(errors="replace")
        assert "medcred plugin: ledger definitions cached for 600 s" in log, role.name
        assert "medcred plugin: marshmallow schema instances reused" in log, role.name
        assert "medcred plugin: Askar sessions reused" in log, role.name
        assert "medcred plugin: presentations refused on receipt end their exchange abandoned" in log, role.name
        assert f"medcred plugin: webhooks posted for {', '.join(sorted(config.webhook_topics or []))} only" in log
        for topic, states in config.webhook_states.items():
            assert f"medcred plugin: {topic} webhooks posted in states {', '.join(sorted(states))} only" in log


async def test_controllers_are_posted_only_the_topics_they_handle(
    network: MedcredNetwork, hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    patient = await onboard()  # a DID Exchange through an out-of-band invitation
    await issue(hospital, patient, "vaccination", fhir=samples.immunization(patient.ref, dose=2))
    verification_id, request_id = await request_proof(clinic, patient, "vaccination-status")
    assert network.holder.server is not None
    holder_app = network.holder.server.app
    arrived = holder_app.state.arrived
    await holder_app.state.link.webhooks.drain()
    kept = len(arrived)  # the arrival webhook carried the request (--debug-webhooks), so it was kept...
    await patient.wallet.present(request_id)
    assert len(arrived) == kept - 1  # ...and the answer took it instead of reading it from the agent
    assert (await clinic.result(verification_id, wait=30))["state"] == "verified"
    for role in network.roles:
        assert role.server is not None
        handled = role.server.app.state.link.webhooks.topics
        assert received(role) <= handled, role.name  # nothing else was posted: no out_of_band, ...
    # no out-of-band events; of a connection only the end of its exchange, of a credential only its storing
    assert received(network.holder) == {"present_proof_v2_0", "connections", "issue_credential_v2_0"}
    assert {"connections", "issue_credential_v2_0"} <= received(network.issuer)
    for role in network.roles:  # and of a narrowed topic, only the states its controller acts on
        narrowed = role.agent.config.webhook_states
        assert narrowed, role.name
        for topic, state in received_states(role):
            assert topic not in narrowed or state in narrowed[topic], (role.name, topic, state)
    assert received_states(network.holder) == {("present_proof_v2_0", "request-received"), ("connections", "active"),
                                               ("issue_credential_v2_0", "done")}
    assert ("present_proof_v2_0", "presentation-received") not in received_states(network.verifier)
    assert ("present_proof_v2_0", "done") in received_states(network.verifier)

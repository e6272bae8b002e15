"""Authentication everywhere, and patients kept apart."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from medcred import samples
from medcred.clients import ControllerError, HospitalClient, VerifierClient
from medcred.network import MedcredNetwork
from tests.integration.flows.conftest import Onboard, issue, request_proof


async def test_every_controller_api_rejects_missing_or_wrong_keys(network: MedcredNetwork,
                                                                  http: httpx.AsyncClient) -> None:
    calls = [
        ("PUT", f"{network.issuer.url}/patients/p-x"), ("POST", f"{network.issuer.url}/patients/p-x/invitation"),
        ("GET", f"{network.issuer.url}/credentials/x"), ("POST", f"{network.holder.url}/patients"),
        ("GET", f"{network.holder.url}/me/credentials"), ("GET", f"{network.holder.url}/me/proof-requests"),
        ("POST", f"{network.verifier.url}/verifications"), ("GET", f"{network.verifier.url}/verifications/x"),
    ]
    for method, url in calls:
        for headers in ({}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}):
            response = await http.request(method, url, headers=headers, json={})
            assert response.status_code == 401, (method, url, headers, response.status_code)


async def test_every_agent_admin_api_rejects_a_missing_or_wrong_key(network: MedcredNetwork,
                                                                    http: httpx.AsyncClient) -> None:
    for role in network.roles:
        admin = role.agent.config.admin_url
        assert (await http.get(f"{admin}/connections")).status_code == 401
        assert (await http.get(f"{admin}/connections", headers={"X-API-Key": "wrong"})).status_code == 401
        key = role.agent.config.admin_api_key.get_secret_value()
        assert (await http.get(f"{admin}/status", headers={"X-API-Key": key})).status_code == 200


async def test_webhooks_without_the_key_are_rejected(network: MedcredNetwork, http: httpx.AsyncClient) -> None:
    for role in network.roles:
        url = f"{role.url}/webhooks/topic/present_proof_v2_0/"
        body = {"pres_ex_id": "forged", "state": "done", "verified": "true"}
        assert (await http.post(url, json=body)).status_code == 401
        assert (await http.post(url, json=body, headers={"x-api-key": "wrong"})).status_code == 401


async def test_patients_cannot_see_or_answer_each_other(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    alice, bob = await onboard(given="Alice"), await onboard(given="Bob")
    await issue(hospital, alice, "allergy", fhir=samples.allergy(alice.ref))
    _, request_id = await request_proof(clinic, alice, "allergy-check")

    assert await bob.wallet.credentials() == []
    assert all(r["id"] != request_id for r in await bob.wallet.proof_requests())
    for act in (bob.wallet.present, bob.wallet.decline):
        with pytest.raises(ControllerError) as refused:
            await act(request_id)
        assert refused.value.status_code in (403, 404)
    assert any(r["id"] == request_id for r in await alice.wallet.proof_requests())
    assert len(await alice.wallet.credentials()) == 1


async def test_a_clinics_request_rerouted_to_another_reply_address_is_refused(
    clinic: VerifierClient, onboard: Onboard
) -> None:
    """The clinic's own QR code, with a `~service` added to its request: the answer would go there instead
    of to the clinic's DID, while the patient's consents judged it as the clinic's."""
    patient = await onboard()
    started = await clinic.start("vaccination-status")
    url = started["invitation_url"]
    encoded = parse_qs(urlsplit(url).query)["oob"][0]
    invitation = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    attached = invitation["requests~attach"][0]["data"]
    message = attached["json"] if "json" in attached else json.loads(base64.b64decode(attached["base64"]))
    assert "~service" not in message  # the clinic's own request answers to the invitation's service
    message["~service"] = {"recipientKeys": ["8HH5gYEeNc3z7PYXmd54d4x6qAfCNrqQqEB3nS7Zfu7K"],
                           "routingKeys": [], "serviceEndpoint": "http://127.0.0.1:9/attacker"}  # fmt: skip
    attached.clear()
    attached["json"] = message
    with pytest.raises(ControllerError) as refused:
        await patient.wallet.call("POST", "/me/invitations", json={"invitation": invitation})
    assert refused.value.status_code == 400 and "~service" in refused.value.detail
    accepted = await patient.wallet.accept_invitation(url)  # the clinic's own, unchanged, is answered as ever
    assert accepted["proof_request_id"]

"""Authentication everywhere, and patients kept apart."""

from __future__ import annotations

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

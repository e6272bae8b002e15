"""Authentication everywhere, and patients kept apart."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from medcred import samples
from stack.clients import ControllerError, HospitalClient, VerifierClient
from stack.network import MedcredNetwork
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


async def test_the_clinic_follows_links_to_its_own_hospital_only(
    network: MedcredNetwork, clinic: VerifierClient
) -> None:
    from medcred.shl import encode_link, new_key

    inside = [
        f"{network.verifier.agent.config.admin_url}/status",  # the clinic's own agent's admin API
        f"{network.issuer.agent.config.admin_url}/wallet/did",  # the hospital's agent, another loopback port
        f"{network.ledger.settings.web_url}/register",  # the ledger's registration of DIDs
        f"{network.verifier.url}/verifications",  # the clinic itself
        network.issuer.url.replace("127.0.0.1", "localhost") + "/shl/x",  # the hospital, by another name
    ]
    for url in inside:
        with pytest.raises(ControllerError) as refused:
            await clinic.call("POST", "/shares/open", json={"shlink": encode_link({"url": url, "key": new_key()})})
        assert refused.value.status_code == 400 and "not fetched" in str(refused.value.detail), (url, refused.value)
    # The hospital's origin is allowed (medcred up names it); what it answers outside the link vocabulary
    # is told by its status alone.
    elsewhere = encode_link({"url": f"{network.issuer.url}/no/such/route", "key": new_key()})
    with pytest.raises(ControllerError) as refused:
        await clinic.call("POST", "/shares/open", json={"shlink": elsewhere})
    assert (refused.value.status_code, refused.value.detail) == (404, "the share's host refused the link (HTTP 404)")


async def test_everything_in_the_data_folder_is_its_owners_alone(
    network: MedcredNetwork, hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    import base64
    import stat

    patient = await onboard()
    await issue(hospital, patient, "vaccination", fhir=samples.immunization(patient.ref, dose=2))
    verification_id, request_id = await request_proof(clinic, patient, "vaccination-status")
    await patient.wallet.present(request_id)
    assert (await clinic.result(verification_id, wait=30))["state"] == "verified"
    pdf = base64.b64encode(b"%PDF-1.4").decode()
    letter = {"name": "letter.pdf", "content_type": "application/pdf", "content_base64": pdf}
    await hospital.call("POST", f"/patients/{patient.ref}/records", json=letter)
    # Wallets, ledgers, tails files, logs, stores, audit trails, secrets: nothing for the group or others.
    shared = [f"{path.relative_to(network.home)} {stat.filemode(path.lstat().st_mode)}"
              for path in [network.home, *network.home.rglob("*")]
              if not path.is_symlink() and path.lstat().st_mode & 0o077]  # fmt: skip
    assert shared == []

"""Bad input gets a 4xx with a reason; a restarted holder agent still has and proves its credentials;
the network keeps issuing and proving with one validator of four down."""

from __future__ import annotations

import httpx
import pytest

from ledger.network import LedgerNetwork
from medcred import samples
from stack.clients import ControllerError, HospitalClient, VerifierClient
from stack.network import MedcredNetwork
from tests.integration.flows.conftest import Onboard, issue, request_proof


async def test_invalid_fhir_is_422_with_a_reason(hospital: HospitalClient, onboard: Onboard) -> None:
    patient = await onboard()
    broken = samples.immunization(patient.ref, dose=2)
    broken["occurrenceDateTime"] = "not a date"
    with pytest.raises(ControllerError) as refused:
        await hospital.issue(patient.ref, "vaccination", fhir=broken)
    assert refused.value.status_code == 422 and refused.value.detail
    assert "not a date" not in str(refused.value.detail)

    wrong_kind = samples.allergy(patient.ref)
    with pytest.raises(ControllerError) as refused:
        await hospital.issue(patient.ref, "vaccination", fhir=wrong_kind)
    assert refused.value.status_code == 422


async def test_unknown_things_are_4xx(hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard,
                                      network: MedcredNetwork, http: httpx.AsyncClient) -> None:
    with pytest.raises(ControllerError) as unknown_patient:
        await hospital.issue("nobody-here", "allergy", fhir=samples.allergy("nobody-here"))
    assert unknown_patient.value.status_code == 404
    with pytest.raises(ControllerError) as unknown_template:
        await clinic.start("mind-reading")
    assert unknown_template.value.status_code in (400, 404)
    assert "vaccination-status" in str(unknown_template.value.detail)
    with pytest.raises(ControllerError) as unknown_verification:
        await clinic.result("no-such-verification")
    assert unknown_verification.value.status_code == 404

    patient = await onboard()
    for url in ("https://example.org/?oob=%%%not-base64", "https://example.org/?oob=bm90IGpzb24", "not a url"):
        with pytest.raises(ControllerError) as malformed:
            await patient.wallet.accept_invitation(url)
        assert malformed.value.status_code == 400, url


async def test_credentials_survive_a_holder_agent_restart_and_still_prove(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard, network: MedcredNetwork
) -> None:
    patient = await onboard()
    await issue(hospital, patient, "vaccination", fhir=samples.immunization(patient.ref, dose=2))
    before = await patient.wallet.credentials()

    await network.restart_agent(network.holder)

    after = await patient.wallet.credentials()
    assert [c["credential_id"] for c in after] == [c["credential_id"] for c in before]
    verification_id, request_id = await request_proof(clinic, patient, "vaccination-status")
    await patient.wallet.present(request_id)
    assert (await clinic.result(verification_id, wait=30))["state"] == "verified"


async def test_credentials_are_issued_and_proven_with_one_validator_down(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard, ledger_network: LedgerNetwork
) -> None:
    """Each proof makes ~3 ledger reads (the wallet's revocation check, the holder and the verifier agent),
    each sent to validators picked at random. A read sent to a single validator that is down fails
    (ledger.client), so these four proofs would almost surely meet one if any process asked only one."""
    patient = await onboard()
    await ledger_network.pool.stop_node(4, kill=True)
    try:
        assert ledger_network.pool.running_nodes()["Node4"] is False
        await issue(hospital, patient, "vaccination", fhir=samples.immunization(patient.ref, dose=2))
        for _ in range(4):
            verification_id, request_id = await request_proof(clinic, patient, "vaccination-status")
            await patient.wallet.present(request_id)
            assert (await clinic.result(verification_id, wait=30))["state"] == "verified"
    finally:
        await ledger_network.pool.restart_node(4)


async def test_every_json_input_is_bounded_in_nesting_and_size(
    network: MedcredNetwork, http: httpx.AsyncClient
) -> None:
    deep = b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"  # a RecursionError (500) in Python's parser
    as_json = {"content-type": "application/json"}
    targets = [
        (network.issuer.url + "/patients/p-deep", "PUT", {"X-API-Key": network.issuer.api_key()}),
        (network.holder.url + "/patients", "POST", {"X-API-Key": network.holder.api_key()}),
        (network.verifier.url + "/verifications", "POST", {"X-API-Key": network.verifier.api_key()}),
        (network.ledger.settings.web_url + "/register", "POST", {}),
    ] + [  # each controller's webhook receiver, with its agent's key
        (f"{role.url}/webhooks/topic/present_proof_v2_0/", "POST",
         {"x-api-key": role.settings.secret("webhook_api_key").get_secret_value()}) for role in network.roles
    ]  # fmt: skip
    for url, method, headers in targets:
        response = await http.request(method, url, content=deep, headers=as_json | headers)
        assert response.status_code == 400, (url, response.text)
        assert "nested too deeply" in response.json()["detail"], url
        # Past every app's limit (the hospital's is its record uploads', 10 MiB in base64).
        too_large = b'"' + b"x" * (16 * 1024 * 1024) + b'"'
        oversized = await http.request(method, url, content=too_large, headers=as_json | headers)
        assert oversized.status_code == 413 and "limit" in oversized.json()["detail"], (url, oversized.text)
    # The webhook receiver reads whatever content type it is sent: bounded all the same.
    hook = targets[-1]
    response = await http.post(hook[0], content=deep, headers={"content-type": "text/plain"} | hook[2])
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]

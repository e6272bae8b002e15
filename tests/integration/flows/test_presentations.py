"""Each verifier template end to end: issue from FHIR, present with selective disclosure and predicates."""

from __future__ import annotations

import asyncio
import secrets
from datetime import date

import httpx

from holder.invitations import parse_invitation_url
from medcred import samples
from stack.clients import ControllerError, HospitalClient, VerifierClient
from stack.network import MedcredNetwork
from tests.integration.flows.conftest import Onboard, issue, request_proof, stored_text


async def test_vaccination_status_reveals_only_code_and_date_and_proves_two_doses(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard, network: MedcredNetwork
) -> None:
    # Values of this test's own (the verifier's store also holds other tests' results), so that finding one
    # in the store below means this presentation leaked it.
    mark = secrets.token_hex(4)
    family, lots, performer = f"Unrevealed{mark}", (f"LOT-ONE-{mark}", f"LOT-TWO-{mark}"), f"Clinic {mark}"
    patient = await onboard(family=family, birth_date="1961-03-17")
    await issue(hospital, patient, "vaccination",
                fhir=samples.immunization(patient.ref, dose=1, lot=lots[0], performer=performer))
    await issue(hospital, patient, "vaccination",
                fhir=samples.immunization(patient.ref, dose=2, date="2021-06-01", lot=lots[1], performer=performer))

    started = await clinic.start("vaccination-status")
    invitation_id = parse_invitation_url(started["invitation_url"])["@id"]
    assert await oob_records(network, invitation_id) != []
    verification_id = started["verification_id"]
    request_id = (await patient.wallet.accept_invitation(started["invitation_url"]))["proof_request_id"]
    pending = await patient.wallet.proof_requests()
    asked = next(r for r in pending if r["id"] == request_id)
    assert sorted(asked["revealed"]) == ["occurrence_date", "vaccine_code"]
    assert asked["predicates"] == ["dose_number >= 2"]

    await patient.wallet.present(request_id)
    result = await clinic.result(verification_id, wait=30)
    assert result["state"] == "verified" and result["verified"] is True, result
    assert result["revealed"] == {"vaccine_code": "208", "occurrence_date": "2021-06-01"}

    # The verifier's own store holds the revealed values and nothing else of the credential.
    dump = stored_text(network, "verifier")
    assert "2021-06-01" in dump
    for unrevealed in (*lots, family, "1961-03-17", "19610317", performer):
        assert unrevealed not in dump, unrevealed

    # Nor does its agent keep the presentation (a `done` exchange is auto-removed once acknowledged), nor
    # its invitation's out-of-band record, which ACA-Py itself would keep for good.
    for _ in range(50):
        done = await verifier_agent_records(network, "/present-proof-2.0/records", {"state": "done"})
        leftover = await oob_records(network, invitation_id)
        if not done and not leftover:
            break
        await asyncio.sleep(0.1)
    assert (done, leftover) == ([], [])


async def oob_records(network: MedcredNetwork, invitation_id: str) -> list[dict[str, object]]:
    """The verifier agent's out-of-band records of one invitation."""
    return await verifier_agent_records(network, "/out-of-band/records", {"invi_msg_id": invitation_id})


async def verifier_agent_records(network: MedcredNetwork, path: str, query: dict[str, str]) -> list[dict[str, object]]:
    """A listing of the verifier agent's admin API (its `results`)."""
    agent = network.verifier.agent.config
    headers = {"X-API-Key": agent.admin_api_key.get_secret_value()}
    async with httpx.AsyncClient(base_url=agent.admin_url, headers=headers) as admin:
        answer = await admin.get(path, params=query)
    answer.raise_for_status()
    results: list[dict[str, object]] = answer.json()["results"]
    return results


async def test_a_single_dose_patient_fails_the_dose_predicate(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    patient = await onboard()
    await issue(hospital, patient, "vaccination", fhir=samples.immunization(patient.ref, dose=1))
    verification_id, request_id = await request_proof(clinic, patient, "vaccination-status")
    try:
        await patient.wallet.present(request_id)
    except ControllerError as refused:
        assert refused.status_code == 409 and "predicate-not-met" in str(refused.detail)
    result = await clinic.result(verification_id, wait=30)
    assert result["state"] == "failed" and result["verified"] is not True
    assert "predicate" in result["reason"]
    assert result["revealed"] == {}


async def test_allergy_check_reveals_substance_and_criticality(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    patient = await onboard()
    await issue(hospital, patient, "allergy", fhir=samples.allergy(patient.ref))
    verification_id, request_id = await request_proof(clinic, patient, "allergy-check")
    await patient.wallet.present(request_id)
    result = await clinic.result(verification_id, wait=30)
    assert result["state"] == "verified", result
    assert result["revealed"] == {"substance_code": "91936005", "criticality": "high"}


async def test_insurance_eligibility_proves_age_and_expiry_without_seeing_them(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    patient = await onboard(birth_date="1985-02-28")
    expiry = date(date.today().year + 2, 1, 31).isoformat()
    await issue(hospital, patient, "health_id", expiry=expiry)
    verification_id, request_id = await request_proof(clinic, patient, "insurance-eligibility")
    await patient.wallet.present(request_id)
    result = await clinic.result(verification_id, wait=30)
    assert result["state"] == "verified", result
    assert list(result["revealed"]) == ["health_id_number"]
    assert result["revealed"]["health_id_number"] == f"HID-{patient.ref}"
    assert "1985" not in str(result) and expiry not in str(result)


async def test_a_minor_is_not_eligible(hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard) -> None:
    today = date.today()
    patient = await onboard(birth_date=date(today.year - 10, 6, 15).isoformat())
    await issue(hospital, patient, "health_id", expiry=date(today.year + 1, 12, 31).isoformat())
    verification_id, request_id = await request_proof(clinic, patient, "insurance-eligibility")
    try:
        await patient.wallet.present(request_id)
    except ControllerError as refused:
        assert refused.status_code == 409
    result = await clinic.result(verification_id, wait=30)
    assert result["state"] == "failed" and "predicate" in result["reason"]


async def test_a_declined_request_ends_as_declined(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    patient = await onboard()
    await issue(hospital, patient, "allergy", fhir=samples.allergy(patient.ref))
    verification_id, request_id = await request_proof(clinic, patient, "allergy-check")
    await patient.wallet.decline(request_id)
    result = await clinic.result(verification_id, wait=30)
    assert result["state"] == "declined" and result["verified"] is not True
    assert "declined" in result["reason"]
    assert all(r["id"] != request_id for r in await patient.wallet.proof_requests())

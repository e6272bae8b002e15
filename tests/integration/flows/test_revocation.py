"""Revocation: a revoked credential no longer proves; a valid one beside it still does."""

from __future__ import annotations

from medcred import samples
from stack.clients import ControllerError, HospitalClient, VerifierClient
from tests.integration.flows.conftest import Onboard, issue, request_proof


async def test_a_revoked_vaccination_fails_the_clinic_check(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    patient = await onboard()
    credential_id = await issue(hospital, patient, "vaccination", fhir=samples.immunization(patient.ref, dose=2))
    revoked = await hospital.revoke(credential_id)
    assert revoked["revoked"] is True
    assert (await hospital.credential(credential_id))["revoked"] is True

    verification_id, request_id = await request_proof(clinic, patient, "vaccination-status")
    try:
        await patient.wallet.present(request_id)
    except ControllerError as refused:
        assert refused.status_code == 409 and "revoked" in str(refused.detail)
    result = await clinic.result(verification_id, wait=30)
    assert result["state"] == "failed" and result["verified"] is not True
    assert "revoked" in result["reason"]


async def test_with_a_revoked_and_a_valid_vaccination_the_valid_one_is_presented(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    patient = await onboard()
    old = await issue(hospital, patient, "vaccination",
                      fhir=samples.immunization(patient.ref, dose=2, date="2021-06-01"))
    await issue(hospital, patient, "vaccination", fhir=samples.immunization(patient.ref, dose=3, date="2022-01-10"))
    await hospital.revoke(old)
    # The wallet reads each registry's revoked indices from the ledger: one revoked, one valid.
    listed = await patient.wallet.credentials()
    assert sorted((c["attributes"]["occurrence_date"], c["revoked"]) for c in listed) == [
        ("2021-06-01", True), ("2022-01-10", False)
    ]  # fmt: skip

    # Several times: ACA-Py's own choice among matching credentials is effectively random.
    for _ in range(3):
        verification_id, request_id = await request_proof(clinic, patient, "vaccination-status")
        await patient.wallet.present(request_id)
        result = await clinic.result(verification_id, wait=30)
        assert result["state"] == "verified", result
        assert result["revealed"]["occurrence_date"] == "2022-01-10"


async def test_revoking_twice_is_harmless_and_unknown_credentials_are_404(hospital: HospitalClient,
                                                                         onboard: Onboard) -> None:
    patient = await onboard()
    credential_id = await issue(hospital, patient, "allergy", fhir=samples.allergy(patient.ref))
    await hospital.revoke(credential_id)
    assert (await hospital.revoke(credential_id))["revoked"] is True
    try:
        await hospital.revoke("no-such-credential")
        raise AssertionError("revoking an unknown credential succeeded")
    except ControllerError as missing:
        assert missing.status_code == 404

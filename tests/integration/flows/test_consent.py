"""Consent on the real stack: answered automatically within a live grant, waiting outside it, declined
at once after expiry or withdrawal (the clinic sees why), never more revealed than a grant allows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from holder.receipts import verify_receipt
from medcred import samples
from stack.clients import ControllerError, HospitalClient, VerifierClient
from tests.integration.flows.conftest import Onboard, Patient, issue

VACCINATION = {"credential_types": ["vaccination"], "reveal": ["vaccine_code", "occurrence_date"],
               "prove": ["dose_number"]}


async def _vaccinated(hospital: HospitalClient, onboard: Onboard) -> Patient:
    patient = await onboard()
    await issue(hospital, patient, "vaccination", fhir=samples.immunization(patient.ref, dose=2))
    return patient


async def _scan(clinic: VerifierClient, patient: Patient, template: str) -> tuple[str, dict[str, object]]:
    started = await clinic.start(template)
    return started["verification_id"], await patient.wallet.accept_invitation(started["invitation_url"])


async def test_a_request_within_a_live_grant_is_answered_automatically(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    patient = await _vaccinated(hospital, onboard)
    grant = await patient.wallet.grant_consent(await clinic.did(), auto_answer=True, purpose="travel", **VACCINATION)
    claims = verify_receipt(grant["receipt"])
    assert claims["grant_id"] == grant["grant_id"] and claims["verifier_did"] == await clinic.did()

    verification_id, scanned = await _scan(clinic, patient, "vaccination-status")
    assert scanned["state"] == "presented" and scanned["grant_id"] == grant["grant_id"]
    result = await clinic.result(verification_id, wait=30)
    assert result["state"] == "verified", result
    assert await patient.wallet.proof_requests() == []


async def test_a_request_outside_every_grant_waits_for_the_patient(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    patient = await _vaccinated(hospital, onboard)
    await patient.wallet.grant_consent(await clinic.did(), ["allergy"], reveal=["substance_code"], auto_answer=True)
    verification_id, scanned = await _scan(clinic, patient, "vaccination-status")
    assert scanned["state"] not in ("presented", "declined")
    await asyncio.sleep(1.0)  # give an (unwanted) automatic answer time to happen
    assert (await clinic.result(verification_id))["state"] == "pending"
    waiting = [r for r in await patient.wallet.proof_requests() if r["id"] == scanned["proof_request_id"]]
    assert waiting and waiting[0]["consent"]["covered"] is False


async def test_after_expiry_the_request_is_declined_at_once_and_the_clinic_sees_why(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    patient = await _vaccinated(hospital, onboard)
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    await patient.wallet.grant_consent(await clinic.did(), auto_answer=True, expires_at=soon, **VACCINATION)
    await asyncio.sleep(2.5)
    assert [c["status"] for c in await patient.wallet.consents()] == ["expired"]

    verification_id, scanned = await _scan(clinic, patient, "vaccination-status")
    assert scanned["state"] == "declined"
    result = await clinic.result(verification_id, wait=10)
    assert result["state"] == "declined" and result["reason"] == "declined: consent expired", result


async def test_after_withdrawal_the_request_is_declined_with_a_signed_withdrawal(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    patient = await _vaccinated(hospital, onboard)
    grant = await patient.wallet.grant_consent(await clinic.did(), auto_answer=True, **VACCINATION)
    await patient.wallet.withdraw_consent(grant["grant_id"])
    receipts = await patient.wallet.consent_receipt(grant["grant_id"])
    assert verify_receipt(receipts["withdrawal"])["grant_id"] == grant["grant_id"]

    verification_id, scanned = await _scan(clinic, patient, "vaccination-status")
    assert scanned["state"] == "declined"
    result = await clinic.result(verification_id, wait=10)
    assert result["state"] == "declined" and result["reason"] == "declined: consent withdrawn", result


async def test_a_request_for_more_than_the_grant_never_reveals_the_extra_attribute(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    patient = await _vaccinated(hospital, onboard)
    await patient.wallet.grant_consent(await clinic.did(), ["vaccination"], reveal=["vaccine_code"],
                                       prove=["dose_number"], auto_answer=True)
    verification_id, scanned = await _scan(clinic, patient, "vaccination-status")
    assert scanned["state"] not in ("presented",)
    with pytest.raises(ControllerError) as refused:
        await patient.wallet.present(str(scanned["proof_request_id"]))
    assert refused.value.status_code == 409 and "occurrence_date" in str(refused.value.detail)
    result = await clinic.result(verification_id)
    assert result["state"] == "pending" and "occurrence_date" not in result["revealed"]

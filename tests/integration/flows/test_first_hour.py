"""What a newcomer meets in their first hour, on the real stack: the patient's state at the hospital, the
409 before a connection, the answer to accepting an invitation, the clinic's QR code, and who asks."""

from __future__ import annotations

import asyncio
import secrets

import httpx
import pytest

from medcred import samples
from stack.clients import ControllerError, HospitalClient, PatientClient, VerifierClient, WalletAdminClient
from stack.network import MedcredNetwork
from tests.integration.flows.conftest import Onboard
from tests.unit.medcred.qr_reader import read_qr_svg


async def test_a_patient_connects_and_the_hospital_can_see_it(
    network: MedcredNetwork, http: httpx.AsyncClient, hospital: HospitalClient, wallets: WalletAdminClient
) -> None:
    ref = f"p-first-{secrets.token_hex(4)}"
    await hospital.put_patient(ref, samples.patient(ref))
    assert (await hospital.call("GET", f"/patients/{ref}"))["connected"] is False
    with pytest.raises(ControllerError) as refused:
        await hospital.issue(ref, "health_id", expiry="2031-01-01")
    assert refused.value.status_code == 409 and "?wait_connection=" in str(refused.value.detail)
    _, token = await wallets.create_patient()
    wallet = PatientClient(http, network.holder.url, token)
    accepted = await wallet.accept_invitation(await hospital.invite(ref))
    assert accepted["state"] == "connected"  # not the out-of-band record's "deleted"
    # The hospital links the connection on its own agent's webhook, which may come just after the wallet's.
    async with asyncio.timeout(10):
        while True:
            if (await hospital.call("GET", f"/patients/{ref}"))["connected"]:
                break
            await asyncio.sleep(0.1)


@pytest.mark.parametrize(("template", "party"), [("vaccination-status", "clinic"),
                                                 ("insurance-eligibility", "insurer")])
async def test_the_wallet_is_told_who_asks_from_the_qr_code_it_scans(
    network: MedcredNetwork, clinic: VerifierClient, onboard: Onboard, template: str, party: str
) -> None:
    patient = await onboard()
    started = await clinic.start(template)
    assert read_qr_svg(started["qr_svg"]) == started["invitation_url"]
    labels = network.verifier.settings.party_labels()
    assert started["asked_by"] == labels[party]  # type: ignore[index]
    accepted = await patient.wallet.accept_invitation(started["invitation_url"])
    assert accepted["state"] == "request-received"
    [asked] = [r for r in await patient.wallet.proof_requests() if r["id"] == accepted["proof_request_id"]]
    assert asked["verifier"] == labels[party]  # type: ignore[index]
    assert asked["verifier"] != labels[next(p for p in labels if p != party)]  # type: ignore[index]
    await patient.wallet.decline(accepted["proof_request_id"])


async def test_a_fhir_patient_with_several_problems_is_told_all_of_them_in_one_422(hospital: HospitalClient) -> None:
    ref = f"p-first-{secrets.token_hex(4)}"
    resource = samples.patient(ref)
    for field in ("name", "birthDate", "identifier"):
        del resource[field]
    with pytest.raises(ControllerError) as refused:
        await hospital.put_patient(ref, resource)
    assert refused.value.status_code == 422
    for field in ("Patient.name", "Patient.birthDate", "Patient.identifier"):
        assert field in str(refused.value.detail)

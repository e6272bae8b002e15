"""No health data in any log: after a full flow, the issued values appear in no agent log and in
nothing the controllers logged (captured at DEBUG)."""

from __future__ import annotations

import logging
import secrets

import httpx
import pytest

from medcred import samples
from stack.clients import HospitalClient, PatientClient, VerifierClient, WalletAdminClient
from stack.network import MedcredNetwork
from tests.integration.flows.conftest import Patient, issue, request_proof


async def test_a_full_flow_leaves_no_health_data_in_the_logs(
    hospital: HospitalClient, clinic: VerifierClient, wallets: WalletAdminClient, network: MedcredNetwork,
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture,
) -> None:
    marker = secrets.token_hex(4)
    given, family, lot = f"Zed{marker}", f"Quill{marker}", f"LOT{marker}"
    health_id = f"HID{marker}"
    caplog.set_level(logging.DEBUG)

    ref = f"p-{marker}"
    resource = samples.patient(ref, given=given, birth_date="1977-03-09", health_id=health_id)
    resource["name"][0]["family"] = family
    await hospital.put_patient(ref, resource)
    patient_id, token = await wallets.create_patient()
    wallet = PatientClient(http, network.holder.url, token)
    await wallet.accept_invitation(await hospital.invite(ref))
    patient = Patient(ref, patient_id, wallet)
    await issue(hospital, patient, "vaccination", fhir=samples.immunization(ref, dose=2, lot=lot))
    await issue(hospital, patient, "health_id", expiry="2031-12-31")
    for template in ("vaccination-status", "insurance-eligibility"):
        verification_id, request_id = await request_proof(clinic, patient, template)
        await wallet.present(request_id)
        assert (await clinic.result(verification_id, wait=30))["state"] == "verified"

    secrets_and_data = [given, family, lot, health_id, "1977-03-09", "19770309", token]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for role in network.roles:
        logged += role.agent.config.log_file.read_text(errors="replace")
    for audit_log in network.home.glob("*/audit/*.jsonl"):  # the audit trail holds names, never values
        logged += audit_log.read_text(errors="replace")
    for pool_log in (network.ledger.pool.folder / "log").rglob("*"):
        if pool_log.is_file():
            logged += pool_log.read_text(errors="replace")
    assert "Starting" in logged or "start" in logged.lower(), "no log text was collected"
    assert len(logged) > 10_000
    for value in secrets_and_data:
        assert value not in logged, "a log holds health data or a token"

"""The audit trail on the real stack: the patient's accounting of disclosures matches what the clinic
received, each entry provably anchored on the ledger; `medcred audit verify` passes on the untouched
logs and pinpoints an entry altered, deleted or reordered in a stored log."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from audit import InclusionProof, verify_inclusion, verify_log
from ledger.client import LedgerClient, LedgerName
from medcred import samples
from stack.clients import HospitalClient, VerifierClient
from stack.network import MedcredNetwork
from tests.integration.flows.conftest import Onboard, Patient, audit_log_folder, issue, request_proof


async def _anchored_disclosures(patient: Patient, count: int, timeout: float = 20.0) -> list[dict[str, object]]:
    """The patient's disclosures once `count` of them are anchored (batches are anchored within ~1 s)."""
    async with asyncio.timeout(timeout):
        while True:
            found = await patient.wallet.call("GET", "/me/disclosures")
            if len(found) >= count and all(d["anchored"] for d in found):
                return list(found)
            await asyncio.sleep(0.3)


async def test_the_disclosures_match_what_the_clinic_received_and_are_anchored(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard, ledger_client: LedgerClient
) -> None:
    patient = await onboard()
    await issue(hospital, patient, "vaccination", fhir=samples.immunization(patient.ref, dose=2))
    await issue(hospital, patient, "allergy", fhir=samples.allergy(patient.ref))
    received = []
    for template in ("vaccination-status", "allergy-check"):
        verification_id, request_id = await request_proof(clinic, patient, template)
        await patient.wallet.present(request_id)
        received.append(await clinic.result(verification_id, wait=30))

    disclosures = await _anchored_disclosures(patient, 2)
    assert len(disclosures) == 2
    clinic_did = await clinic.did()
    for disclosure, result in zip(disclosures, received, strict=True):
        assert disclosure["verifier_did"] == clinic_did
        assert sorted(disclosure["revealed"]) == sorted(result["revealed"])  # names, never values
        assert disclosure["predicates"] == (["dose_number >= 2"] if "vaccine_code" in result["revealed"] else [])
        assert not set(result["revealed"].values()) & set(map(str, disclosure.values()))

        proof = InclusionProof(**{**disclosure["proof"], "path": [tuple(p) for p in disclosure["proof"]["path"]]})
        assert verify_inclusion(proof)
        txn = await ledger_client.get_txn(LedgerName.DOMAIN, int(proof.anchor["seq_no"]), attempts=20)
        assert txn is not None and txn["txn"]["type"] == "100"  # an ATTRIB
        assert txn["txn"]["data"]["raw"] == proof.anchor["raw"] and proof.root in proof.anchor["raw"]


def _altered(lines: list[str]) -> list[str]:
    second = json.loads(lines[1])
    second["details"]["template"] = "forged"
    return [lines[0], json.dumps(second, sort_keys=True, separators=(",", ":")), *lines[2:]]


TAMPERING: dict[str, Callable[[list[str]], list[str]]] = {
    "altered": _altered,
    "deleted": lambda lines: [lines[0], *lines[2:]],
    "reordered": lambda lines: [lines[1], lines[0], *lines[2:]],
}


async def test_audit_verify_passes_untouched_and_pinpoints_tampering(
    network: MedcredNetwork, hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard,
    ledger_client: LedgerClient, tmp_path: Path,
) -> None:
    patient = await onboard()
    await issue(hospital, patient, "vaccination", fhir=samples.immunization(patient.ref, dose=2))
    verification_id, request_id = await request_proof(clinic, patient, "vaccination-status")
    await patient.wallet.present(request_id)
    await clinic.result(verification_id, wait=30)
    await _anchored_disclosures(patient, 1)

    # As an operator runs it: in the network's environment (its database's URL, when it has one).
    database = {"MEDCRED_DATABASE_URL": network.database.url()} if network.database else {}
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "stack.cli", "audit", "verify", "--home", str(network.home),
        env={**os.environ, **database}, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output = (await asyncio.wait_for(command.communicate(), 120))[0].decode()
    assert command.returncode == 0, output
    for service in ("issuer", "holder", "verifier"):
        assert service in output

    stored = audit_log_folder(network, "verifier", tmp_path / "stored")
    for name, tamper in TAMPERING.items():
        folder = tmp_path / name / "verifier" / "audit"
        shutil.copytree(stored, folder)
        entries = folder / "entries.jsonl"
        entries.write_text("\n".join(tamper(entries.read_text().splitlines())) + "\n")
        report = await verify_log(folder, "verifier", ledger_client)
        assert not report.ok and report.problem, name
        assert report.first_bad_seq in (1, 2), (name, report)

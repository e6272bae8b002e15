"""Each controller's OpenAPI document, fuzzed on the real stack with schemathesis.

With valid keys (staff, portal, webhook) and a connected patient's token, across the coverage and the
fuzzing phases (valid and invalid input): no answer is a 5xx (`not_a_server_error`), none has a status
its operation does not document (`status_code_conformance`), and every body matches its documented
schema (`response_schema_conformance`). The hospital's patient, credential and portal paths are held at
the fuzz patient's own (who has a record, a share and a credential), so that those calls reach past the
404 and never touch another test's patients (record and share ids come from the patient's own lists).
Bounded (about a minute for the three on the 2-core machine): MAX_EXAMPLES per operation and phase, a
fixed seed (the same cases each run), and a deadline per run.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from medcred import samples
from stack.clients import HospitalClient, PatientClient, WalletAdminClient
from stack.network import MedcredNetwork, Role

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
MAX_EXAMPLES = 100  # per operation and phase
DEADLINE = 240.0  # seconds for one service's run


@dataclass(frozen=True)
class Target:
    role: Role
    keys: dict[str, str]  # security scheme -> the key or token it takes
    parameters: dict[str, str]  # path parameters held at a real value


def config(target: Target) -> str:
    """The run's schemathesis.toml: each key comes from the environment, never from a file."""
    lines = ["[phases.stateful]", "enabled = false", "", "[generation]", f"max-examples = {MAX_EXAMPLES}", ""]
    for scheme, kind in sorted((s, "bearer" if s == "PatientToken" else "api_key") for s in target.keys):
        lines += [f"[auth.openapi.{scheme}]", f'{kind} = "${{MEDCRED_FUZZ_{scheme.upper()}}}"', ""]
    # A long-poll's `wait` held at 0: a real verification's `?wait=30` (the schema's bound, which the
    # coverage phase tries) had the clinic's run asleep for most of its two minutes. Its bounds are the
    # unit tests' (tests/unit/verifier, tests/unit/issuer).
    lines += ["[parameters]", '"wait" = "0"']
    lines += [f'"{name}" = "{value}"' for name, value in target.parameters.items()]
    return "\n".join(lines) + "\n"


def write_config(target: Target, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "schemathesis.toml"
    path.write_text(config(target))
    return path


def read_report(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text())
    return report


async def fuzz(target: Target, folder: Path) -> tuple[int, str, dict[str, Any]]:
    """Run schemathesis against the role's live document: (exit code, its output, its JSON report)."""
    settings, report = write_config(target, folder), folder / "report.json"
    environment = {**os.environ, **{f"MEDCRED_FUZZ_{s.upper()}": key for s, key in target.keys.items()}}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(settings),
        "run", f"{target.role.url}/openapi.json", "--checks", CHECKS, "--workers", "1", "--seed", "13",
        "--request-timeout", "40", "--report", "json", "--report-json-path", str(report), "--no-color",
        cwd=folder, env=environment, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        output, _ = await asyncio.wait_for(process.communicate(), DEADLINE)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    return process.returncode or 0, output.decode(errors="replace"), read_report(report)


@dataclass(frozen=True)
class FuzzPatient:
    ref: str  # the patient's at the hospital
    token: str  # the wallet's bearer token
    patient_did: str  # how the wallet names the patient at the hospital's portal: the DIDs of their
    hospital_did: str  # connection, as the wallet sees them
    credential_id: str


async def fuzz_patient(network: MedcredNetwork, http: httpx.AsyncClient, hospital: HospitalClient,
                       wallets: WalletAdminClient) -> FuzzPatient:  # fmt: skip
    """A connected patient with a record, a share and a credential, so that lists answer with real items."""
    ref = f"p-fuzz-{secrets.token_hex(4)}"
    await hospital.put_patient(ref, samples.patient(ref))
    invitation = await hospital.call("POST", f"/patients/{ref}/invitation")
    _, token = await wallets.create_patient()
    wallet = PatientClient(http, network.holder.url, token)
    await wallet.accept_invitation(invitation["invitation_url"])
    record = await hospital.call("POST", f"/patients/{ref}/records", json={
        "name": "immunizations.json", "content_type": "application/fhir+json",
        "fhir": samples.immunization(ref, dose=1)})  # fmt: skip
    await wallet.call("POST", "/me/shares", json={"record_ids": [record["record_id"]]})
    credential_id = await hospital.issue(ref, "health_id", expiry="2031-01-01")
    await hospital.wait_issued(credential_id)
    admin = network.issuer.agent.config
    found = await http.get(f"{admin.admin_url}/connections", params={"alias": ref, "state": "active"},
                           headers={"X-API-Key": admin.admin_api_key.get_secret_value()})  # fmt: skip
    [connection] = found.json()["results"]
    return FuzzPatient(ref, token, connection["their_did"], connection["my_did"], credential_id)


@pytest.mark.parametrize("role", ["issuer", "holder", "verifier"])
async def test_every_answer_is_documented_and_none_is_a_server_error(
    role: str, network: MedcredNetwork, http: httpx.AsyncClient, hospital: HospitalClient, wallets: WalletAdminClient,
    tmp_path: Path,
) -> None:  # fmt: skip
    service: Role = getattr(network, role)
    keys = {"StaffKey": service.api_key(), "WebhookKey": service.settings.secret("webhook_api_key").get_secret_value()}
    parameters: dict[str, str] = {}
    if role == "issuer":
        keys["PortalKey"] = service.settings.secret("portal_api_key").get_secret_value()
        patient = await fuzz_patient(network, http, hospital, wallets)
        parameters |= {
            "path.patient_ref": patient.ref, "path.credential_id": patient.credential_id,
            "header.X-Patient-DID": patient.patient_did, "header.X-Hospital-DID": patient.hospital_did,
        }  # fmt: skip
    if role == "holder":
        keys["PatientToken"] = (await fuzz_patient(network, http, hospital, wallets)).token
    code, output, report = await fuzz(Target(service, keys, parameters), tmp_path / role)
    cases = report["test_cases"]
    print(f"\n{role}: {report['operations']['tested']} operations, {cases['generated']} cases, "
          f"{cases['with_failures']} with failures, in {report['running_time']:.0f} s")  # fmt: skip
    assert code == 0 and report["complete"], output[-8000:]
    assert cases["with_failures"] == 0 and report["operations"]["tested"] == report["operations"]["total"]

"""Your first credential: with `medcred up` running, a patient gets a vaccination credential from the
hospital and proves it at the clinic, over the three controllers' HTTP APIs.

    .venv/bin/python examples/first_credential.py

It reads the staff keys from the data folder (`MEDCRED_HOME`, default ./.medcred) and finds the
controllers where `medcred up` put them (`MEDCRED_<ROLE>_HOST` and `_PORT`, default 127.0.0.1:8001-8003).
Each run makes a new patient. Everything here is synthetic: no real person's data.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

import httpx

HOME = Path(os.environ.get("MEDCRED_HOME", ".medcred")).expanduser()
ROLES = {"issuer": 8001, "holder": 8002, "verifier": 8003}


def url(role: str) -> str:
    host = os.environ.get(f"MEDCRED_{role.upper()}_HOST", "127.0.0.1")
    return f"http://{host}:{os.environ.get(f'MEDCRED_{role.upper()}_PORT', ROLES[role])}"


def staff_key(role: str) -> str:
    path = HOME / role / "secrets" / "api_key"
    if not path.exists():
        sys.exit(f"no staff key at {path}: is `medcred up` running with MEDCRED_HOME={HOME}?")
    return path.read_text().strip()


def step(number: int, what: str) -> None:
    print(f"\n{number}. {what}")


def call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    response = client.request(method, path, **kwargs)
    if response.is_error:
        sys.exit(f"   {method} {client.base_url}{path} answered {response.status_code}: {response.text}")
    return response.json()


def main() -> None:
    hospital = httpx.Client(base_url=url("issuer"), headers={"X-API-Key": staff_key("issuer")}, timeout=60)
    wallets = httpx.Client(base_url=url("holder"), headers={"X-API-Key": staff_key("holder")}, timeout=60)
    clinic = httpx.Client(base_url=url("verifier"), headers={"X-API-Key": staff_key("verifier")}, timeout=60)
    ref = f"first-{secrets.token_hex(4)}"

    step(1, f"The hospital registers patient {ref} (a FHIR Patient) and invites their wallet")
    call(hospital, "PUT", f"/patients/{ref}", json={
        "resourceType": "Patient", "name": [{"family": "Rivera", "given": ["Alex"]}], "birthDate": "1990-04-12",
        "identifier": [{"system": "https://medcred.example/health-id", "value": f"HID-{ref}"}],
    })  # fmt: skip
    invitation = call(hospital, "POST", f"/patients/{ref}/invitation")["invitation_url"]
    print(f"   invitation (shown to the patient as a QR code): {invitation[:60]}...")

    step(2, "The patient opens a wallet and accepts the invitation")
    account = call(wallets, "POST", "/patients")
    patient = httpx.Client(base_url=url("holder"), headers={"Authorization": f"Bearer {account['token']}"}, timeout=60)
    call(patient, "POST", "/me/invitations", json={"invitation_url": invitation})
    print(f"   wallet {account['patient_id']} accepted it: it connects to the hospital")

    step(3, "The hospital issues a vaccination (a FHIR Immunization, dose 2); the wallet stores it")
    issued = call(hospital, "POST", f"/patients/{ref}/credentials", params={"wait_connection": 20}, json={
        "type": "vaccination",
        "fhir": {
            "resourceType": "Immunization", "status": "completed", "patient": {"reference": f"Patient/{ref}"},
            "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "208",
                                        "display": "COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose"}]},
            "occurrenceDateTime": "2021-05-03", "protocolApplied": [{"doseNumberPositiveInt": 2}],
        },
    })  # fmt: skip
    credential = call(hospital, "GET", f"/credentials/{issued['credential_id']}", params={"wait": 30})
    if credential["state"] != "done":
        sys.exit(f"   the issuance ended {credential['state']!r}, not stored")
    print(f"   credential {credential['credential_id']}: {credential['state']} (in the wallet)")
    for held in call(patient, "GET", "/me/credentials"):
        name, dose = held["attributes"].get("vaccine_name"), held["attributes"].get("dose_number")
        print(f"   the wallet holds: {held['type']}, {name}, dose {dose}")

    step(4, "The clinic asks for proof of vaccination; the patient scans its QR code")
    started = call(clinic, "POST", "/verifications", json={"template": "vaccination-status"})
    request = call(patient, "POST", "/me/invitations", json={"invitation_url": started["invitation_url"]})
    asked = next(r for r in call(patient, "GET", "/me/proof-requests") if r["id"] == request["proof_request_id"])
    print(f"   the wallet shows: {asked['verifier']} asks to see {asked['revealed']}, to prove {asked['predicates']}")

    step(5, "The patient shares; the clinic sees the result")
    call(patient, "POST", f"/me/proof-requests/{request['proof_request_id']}/present")
    result = call(clinic, "GET", f"/verifications/{started['verification_id']}", params={"wait": 30})
    print(f"   {result['state']}: revealed {result['revealed']}, proven {result['predicates']}")
    if result["state"] != "verified":
        sys.exit(f"   not verified: {result.get('reason')}")
    print("\nYour first credential: issued, held by the patient, proven at the clinic.")


if __name__ == "__main__":
    main()

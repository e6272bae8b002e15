"""`medcred demo` (`make demo`): the scripted scenario on a fresh network, with what each party saw.

The hospital invites a patient and issues a health ID, two vaccinations and an allergy; the clinic
verifies vaccination status; the insurer verifies eligibility; the hospital revokes a vaccination and
the clinic's next check fails. The network runs in a temporary data folder, removed afterwards.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import typer

from medcred import console, samples
from stack.clients import ControllerError, HospitalClient, PatientClient, VerifierClient, WalletAdminClient
from stack.up import web_apps


def demo() -> None:
    """Run the scripted scenario on a fresh local network and print what each party saw."""
    from stack.network import MedcredNetwork, throwaway_issuer

    async def job() -> None:
        with tempfile.TemporaryDirectory(prefix="medcred-demo-") as home:
            async with MedcredNetwork(Path(home), progress=console.progress, issuer=throwaway_issuer()) as network:
                web_apps(network)
                typer.echo("  (the demo's network stops when it ends; `medcred up` keeps one running)")
                async with httpx.AsyncClient(timeout=90) as http:
                    staff = network.staff_clients(http)
                    hospital, wallets, clinic = staff.hospital, staff.wallets, staff.clinic
                    first, eligibility, after = await scenario(hospital, wallets, clinic, http, network.holder.url)
                console.progress("stopping the network")
        ok = first["state"] == "verified" and eligibility["state"] == "verified" and after["state"] != "verified"
        if not ok:
            raise typer.Exit(1)

    console.run(job)


async def _verify(label: str, verifier: VerifierClient, wallet: PatientClient, template: str) -> dict[str, Any]:
    """A verifier shows its QR; the patient's wallet scans it, shows what is asked, and answers."""
    console.progress(f"{label} asks for '{template}'")
    started = await verifier.start(template)
    request_id = (await wallet.accept_invitation(started["invitation_url"]))["proof_request_id"]
    asked = next(r for r in await wallet.proof_requests() if r["id"] == request_id)
    typer.echo(f"    patient's wallet: {asked['verifier']} asks to see {asked['revealed']}, "
               f"and to prove {asked['predicates']}")
    try:
        await wallet.present(request_id)
    except ControllerError as refused:
        typer.echo(f"    patient's wallet cannot answer: {refused.detail}")
    result: dict[str, Any] = await verifier.result(started["verification_id"], wait=30)
    typer.echo(f"    {label} sees: state={result['state']} revealed={result['revealed']} "
               f"proven={result['predicates'] if result['state'] == 'verified' else []} "
               f"reason={result['reason']}")
    return result


Result = dict[str, Any]


async def scenario(hospital: HospitalClient, wallets: WalletAdminClient, clinic: VerifierClient,
                   http: httpx.AsyncClient, holder_url: str, ref: str = "demo-patient-1",
                   ) -> tuple[Result, Result, Result]:  # fmt: skip
    """The scenario, printed; what the clinic saw first, what the insurer saw, what the clinic saw after
    the revocation (the network's tests run it too: on PostgreSQL, `tests/integration/postgres`)."""
    console.progress("hospital registers the patient (FHIR Patient) and shows an invitation QR")
    await hospital.put_patient(ref, samples.patient(ref))
    invitation = await hospital.invite(ref)
    console.progress("the patient opens a wallet and scans the hospital's QR")
    _, token = await wallets.create_patient()
    wallet = PatientClient(http, holder_url, token)
    await wallet.accept_invitation(invitation)

    expiry = date(date.today().year + 3, 12, 31).isoformat()
    issued: dict[str, str] = {}
    for name, kind, body in [
        ("health ID", "health_id", {"expiry": expiry}),
        ("vaccination dose 1", "vaccination", {"fhir": samples.immunization(ref, dose=1, date="2021-05-03")}),
        ("vaccination dose 2", "vaccination", {"fhir": samples.immunization(ref, dose=2, date="2021-06-01")}),
        ("penicillin allergy", "allergy", {"fhir": samples.allergy(ref)}),
    ]:
        console.progress(f"hospital issues the {name}")
        issued[name] = await hospital.issue(ref, kind, **body)  # type: ignore[arg-type]
        await hospital.wait_issued(issued[name])
    held = await wallet.credentials()
    typer.echo(f"    patient's wallet holds {len(held)} credentials: {sorted(c['type'] for c in held)}")

    first = await _verify("clinic", clinic, wallet, "vaccination-status")
    eligibility = await _verify("insurer", clinic, wallet, "insurance-eligibility")
    console.progress("hospital revokes vaccination dose 2 (and publishes the revocation on the ledger)")
    await hospital.revoke(issued["vaccination dose 2"])
    after = await _verify("clinic", clinic, wallet, "vaccination-status")

    typer.echo("")
    typer.echo("Summary")
    typer.echo(f"  hospital issued {len(issued)} credentials on its ledger-anchored definitions; revoked 1")
    typer.echo(f"  clinic, first check:  {first['state']}; saw {first['revealed']} and that dose_number >= 2")
    typer.echo(f"  insurer:              {eligibility['state']}; saw {eligibility['revealed']}, "
               "and that the patient is an adult with an unexpired ID (never the birth date or expiry)")
    typer.echo(f"  clinic, after revocation: {after['state']} ({after['reason']})")
    return first, eligibility, after

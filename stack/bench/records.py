"""`medcred records bench`: store, share-open and verify throughput for 10 KB and 5 MB records.

On a fresh network in a temporary folder, through the controllers:
    store       the hospital stores a record (POST /patients/{ref}/records): encrypt, write, audit
    share-open  the patient shares it (POST /me/shares) and the clinic opens the link
                (POST /shares/open): manifest, download, decrypt, hash, inclusion proof, ledger read
    verify      the clinic's checks alone, in process: JWE decryption and the SHA-256 of the record
Figures are printed, never asserted. Audit batches are anchored every 0.2 s here, so a record can be
opened soon after it is stored.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import typer

from medcred import console, samples
from medcred.console import settings_epilog
from medcred.shl import decrypt_file, encrypt_file, new_key
from stack.clients import HospitalClient, PatientClient, VerifierClient
from stack.help import network_ports

app = console.commands("Off-chain health records: encrypted store, SMART Health Links.")

SIZES = {"10 KB": 10 * 1024, "5 MB": 5 * 1024 * 1024}


def _line(name: str, seconds: list[float], size: int) -> str:
    rate = len(seconds) / sum(seconds)
    return (f"  {name:<11} {rate:8.1f} records/s  {rate * size / 1e6:8.1f} MB/s   "
            f"p50 {statistics.median(seconds) * 1000:8.1f} ms   n={len(seconds)}")


@app.command(epilog=settings_epilog(network_ports()))
def bench(
    records: int = typer.Option(10, metavar="N", help="records per size (5 MB records: at most this many)"),
) -> None:
    """Measure store, share-open and verify throughput for 10 KB and 5 MB records."""
    from holder import HolderSettings
    from stack.network import MedcredNetwork, throwaway_issuer
    from verifier import VerifierSettings

    async def job() -> None:
        with tempfile.TemporaryDirectory(prefix="medcred-records-bench-") as home:
            async with MedcredNetwork(
                Path(home), progress=console.progress,
                issuer=throwaway_issuer().model_copy(update={"audit_max_wait": 0.2}),
                holder=HolderSettings(audit_max_wait=0.2), verifier=VerifierSettings(audit_max_wait=0.2),
            ) as network:
                async with httpx.AsyncClient(timeout=120) as http:
                    staff = network.staff_clients(http)
                    hospital, wallets, clinic = staff.hospital, staff.wallets, staff.clinic
                    ref = "bench-patient"
                    await hospital.put_patient(ref, samples.patient(ref))
                    _, token = await wallets.create_patient()
                    wallet = PatientClient(http, network.holder.url, token)
                    await wallet.accept_invitation(await hospital.invite(ref))
                    lines = [await _measure(label, size, records, hospital, wallet, clinic, ref)
                             for label, size in SIZES.items()]
        typer.echo("")
        typer.echo(f"medcred records bench: {records} records per size, one at a time, {os.cpu_count()} cores")
        for block in lines:
            for line in block:
                typer.echo(line)

    console.run(job)


async def _measure(label: str, size: int, count: int, hospital: HospitalClient, wallet: PatientClient,
                   clinic: VerifierClient, ref: str) -> list[str]:
    console.progress(f"{label}: storing {count} records")
    stored, store_s = [], []
    for i in range(count):
        body = {"name": f"record-{i}.pdf", "content_type": "application/pdf",
                "content_base64": base64.b64encode(os.urandom(size)).decode()}
        began = time.perf_counter()
        record: dict[str, Any] = await hospital.call("POST", f"/patients/{ref}/records", json=body)
        store_s.append(time.perf_counter() - began)
        stored.append(record["record_id"])
    await asyncio.sleep(1.0)  # let the last audit batch be anchored
    console.progress(f"{label}: sharing and opening {count} records")
    open_s = []
    for record_id in stored:
        began = time.perf_counter()
        share = await wallet.call("POST", "/me/shares", json={"record_ids": [record_id], "label": "bench"})
        opened = await clinic.call("POST", "/shares/open", json={"shlink": share["shlink"]})
        open_s.append(time.perf_counter() - began)
        if opened["refused"] or len(opened["files"]) != 1:
            raise typer.Exit(f"a share was refused: {opened['refused']}")  # type: ignore[arg-type]
    key, plaintext = base64.urlsafe_b64decode(new_key() + "="), os.urandom(size)
    jwe = encrypt_file(plaintext, key, "application/fhir+json")
    verify_s = []
    for _ in range(count):
        began = time.perf_counter()
        _, data = decrypt_file(jwe, key, max_bytes=size * 2)
        hashlib.sha256(data).hexdigest()
        verify_s.append(time.perf_counter() - began)
    return [f"{label} records", _line("store", store_s, size), _line("share-open", open_s, size),
            _line("verify", verify_s, size)]

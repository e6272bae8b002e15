"""Off-chain records on the real stack: stored encrypted at the hospital, shared by the patient as a
SMART Health Link, opened by the clinic and checked against the ledger before it is shown; expired,
revoked, wrong-passcode, single-use-twice and erased shares refused with their reasons; a changed
byte in a stored ciphertext detected."""

from __future__ import annotations

import asyncio
import base64
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import qrcode
from pydantic import SecretStr

from medcred import samples
from stack.clients import ControllerError, HospitalClient, VerifierClient
from stack.network import MedcredNetwork
from tests.integration.flows.conftest import Onboard, Patient

PDF = b"%PDF-1.4\n% a discharge letter, synthetic\n" + bytes(range(256)) * 8


async def _store(hospital: HospitalClient, patient: Patient) -> tuple[str, str]:
    fhir = await hospital.call("POST", f"/patients/{patient.ref}/records", json={
        "name": "immunizations.json", "content_type": "application/fhir+json",
        "fhir": samples.immunization(patient.ref, dose=2)})
    pdf = await hospital.call("POST", f"/patients/{patient.ref}/records", json={
        "name": "discharge-letter.pdf", "content_type": "application/pdf",
        "content_base64": base64.b64encode(PDF).decode()})
    return fhir["record_id"], pdf["record_id"]


async def _share(patient: Patient, record_ids: list[str], **options: Any) -> dict[str, Any]:
    body = {"record_ids": record_ids, "label": "for Riverside Clinic", **options}
    share: dict[str, Any] = await patient.wallet.call("POST", "/me/shares", json=body)
    return share


async def _open(clinic: VerifierClient, body: dict[str, Any], timeout: float = 20.0) -> dict[str, Any]:
    """Open a share, waiting (bounded) while its records' audit entries are still being anchored."""
    async with asyncio.timeout(timeout):
        while True:
            opened: dict[str, Any] = await clinic.call("POST", "/shares/open", json=body)
            if not any("not yet anchored" in r["reason"] for r in opened["refused"]):
                return opened
            await asyncio.sleep(0.5)


async def _refusal(clinic: VerifierClient, body: dict[str, Any]) -> ControllerError:
    with pytest.raises(ControllerError) as refused:
        await clinic.call("POST", "/shares/open", json=body)
    return refused.value


async def test_store_share_open_and_check_against_the_ledger(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard
) -> None:
    patient = await onboard()
    fhir_id, pdf_id = await _store(hospital, patient)
    share = await _share(patient, [fhir_id, pdf_id])
    assert share["shlink"].startswith("shlink:/") and share["qr_svg"].lstrip().startswith("<")

    opened = await _open(clinic, {"shlink": share["shlink"]})
    assert opened["refused"] == [], opened["refused"]
    by_id = {f["record_id"]: f for f in opened["files"]}
    assert by_id[fhir_id]["resource"]["resourceType"] == "Immunization"
    attachment = by_id[pdf_id]["resource"]["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"]) == PDF
    assert all(f["anchor"]["seq_no"] for f in opened["files"])

    # The same link from a QR code image, as a clinic's scanner would read it.
    image = qrcode.make(share["shlink"])
    png = io.BytesIO()
    image.save(png, format="PNG")
    again = await _open(clinic, {"qr_png_base64": base64.b64encode(png.getvalue()).decode()})
    assert {f["record_id"] for f in again["files"]} == {fhir_id, pdf_id}

    # The patient sees each access in the accounting of disclosures.
    disclosures = await patient.wallet.call("GET", "/me/disclosures")
    fetched = [d for d in disclosures if d.get("event") == "share.manifest_fetched"]
    assert len(fetched) >= 2 and all(d["share_id"] == share["share_id"] for d in fetched)


async def test_refused_shares_say_why(hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard) -> None:
    patient = await onboard()
    fhir_id, pdf_id = await _store(hospital, patient)

    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    expired = await _share(patient, [fhir_id], expires_at=soon)
    revoked = await _share(patient, [fhir_id])
    await patient.wallet.call("POST", f"/me/shares/{revoked['share_id']}/revoke")
    await asyncio.sleep(2.5)
    for share, reason in ((expired, "expired"), (revoked, "revoked")):
        error = await _refusal(clinic, {"shlink": share["shlink"]})
        assert error.status_code == 404 and reason in str(error.detail), (reason, error)

    guarded = await _share(patient, [fhir_id], passcode="correct horse")
    error = await _refusal(clinic, {"shlink": guarded["shlink"], "passcode": "wrong"})
    assert error.status_code == 401 and "4" in str(error.detail)  # remaining attempts
    for _ in range(4):
        await _refusal(clinic, {"shlink": guarded["shlink"], "passcode": "wrong"})
    locked = await _refusal(clinic, {"shlink": guarded["shlink"], "passcode": "correct horse"})
    assert locked.status_code == 404 and "locked" in str(locked.detail)

    once = await _share(patient, [fhir_id], single_use=True)
    assert (await _open(clinic, {"shlink": once["shlink"]}))["files"]
    used = await _refusal(clinic, {"shlink": once["shlink"]})
    assert used.status_code == 404 and "used" in str(used.detail)

    erased = await _share(patient, [pdf_id])
    await patient.wallet.call("POST", f"/me/records/{pdf_id}/erase")
    gone = await _refusal(clinic, {"shlink": erased["shlink"]})
    assert gone.status_code == 410 and "erased" in str(gone.detail)


async def test_a_byte_changed_in_a_stored_ciphertext_is_detected(
    hospital: HospitalClient, clinic: VerifierClient, onboard: Onboard, network: MedcredNetwork
) -> None:
    patient = await onboard()
    fhir_id, _ = await _store(hospital, patient)
    share = await _share(patient, [fhir_id])
    stored = next(network.issuer.settings.folder().rglob(f"{fhir_id}.bin"))
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0x01
    stored.write_bytes(bytes(data))
    # The hospital refuses to serve a record that fails its integrity check; the clinic shows nothing
    # of it, whether it refuses the whole share or that one file.
    try:
        opened = await _open(clinic, {"shlink": share["shlink"]})
    except ControllerError as refused:
        reason = str(refused.detail)
    else:
        assert opened["files"] == []
        reason = " ".join(r["reason"] for r in opened["refused"])
    assert "integrity" in reason


async def test_bad_input_is_refused_with_a_reason(clinic: VerifierClient, http: httpx.AsyncClient,
                                                  network: MedcredNetwork) -> None:
    for body in ({"shlink": "shlink:/"}, {"shlink": "shlink:/not-base64!!"}, {"shlink": "https://x.example/"},
                 {"qr_png_base64": base64.b64encode(b"not a png").decode()}, {}):
        error = await _refusal(clinic, body)
        assert 400 <= error.status_code < 500 and error.detail, body
    manifest = await http.post(f"{network.issuer.url}/shl/{'A' * 43}", json={"recipient": "x"})
    assert manifest.status_code == 404


async def test_a_missing_or_wrong_records_key_stops_the_hospital_with_a_clear_error(
    network: MedcredNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    from issuer import IssuerSettings, create_app
    from medcred.errors import ConfigurationError

    monkeypatch.delenv("MEDCRED_ISSUER_RECORDS_KEK", raising=False)
    running = network.issuer.settings  # the running hospital's, its records stored under the real KEK
    assert isinstance(running, IssuerSettings)
    with pytest.raises(ConfigurationError, match="MEDCRED_ISSUER_RECORDS_KEK"):
        create_app(running.model_copy(update={"records_kek": None}))
    with pytest.raises(ConfigurationError, match="does not match"):
        create_app(running.model_copy(update={"records_kek": SecretStr("11" * 32)}))


async def test_a_fhir_record_must_be_valid_r4_codes_included(hospital: HospitalClient, onboard: Onboard) -> None:
    patient = await onboard()
    upload = {"name": "b.json", "content_type": "application/fhir+json"}
    with pytest.raises(ControllerError) as refused:
        nonsense = {"resourceType": "Bundle", "type": "nonsense"}
        await hospital.call("POST", f"/patients/{patient.ref}/records", json=upload | {"fhir": nonsense})
    assert refused.value.status_code == 422
    assert "Bundle: type: not a code of its value set" in str(refused.value.detail)
    assert "nonsense" not in str(refused.value.detail)
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": samples.immunization(patient.ref, dose=1)}]}  # fmt: skip
    stored = await hospital.call("POST", f"/patients/{patient.ref}/records", json=upload | {"fhir": bundle})
    listed = await hospital.call("GET", f"/patients/{patient.ref}/records")
    assert [r["record_id"] for r in listed] == [stored["record_id"]]


async def test_the_records_key_is_bound_to_its_data_folder(
    network: MedcredNetwork, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uuid

    from issuer import IssuerSettings, create_app
    from issuer.health_records.keys import data_folder_id, new_key_file
    from medcred.errors import ConfigurationError

    running = network.issuer.settings
    assert isinstance(running, IssuerSettings)
    folder_id = data_folder_id(running.folder())  # made when the hospital first opened its records
    assert _kept_folder_id(network) == folder_id  # the records index names the data folder it belongs to

    monkeypatch.delenv("MEDCRED_ISSUER_RECORDS_KEK", raising=False)
    theirs = new_key_file(tmp_path / "theirs", uuid.uuid4().hex)  # another data folder's key file
    with pytest.raises(ConfigurationError, match="belongs to another data folder") as refused:
        create_app(running.model_copy(update={"records_kek": None, "records_kek_file": theirs}))
    assert str(theirs) in refused.value.message
    ours = new_key_file(tmp_path / "ours", folder_id)  # made for this folder, but not the records' key
    with pytest.raises(ConfigurationError, match="does not match"):
        create_app(running.model_copy(update={"records_kek": None, "records_kek_file": ours}))


def _kept_folder_id(network: MedcredNetwork) -> str | None:
    """The data folder's id as the running hospital's records index keeps it (its SQLite file, read-only, or
    its PostgreSQL table)."""
    if network.database is not None:
        from issuer.health_records.index_postgres import PostgresRecordIndex

        index = PostgresRecordIndex.open(network.database)
        try:
            return index.meta("folder_id")
        finally:
            index.close()
    import sqlite3

    path = network.issuer.settings.folder() / "records" / "index.sqlite3"
    index_file = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = index_file.execute("SELECT value FROM meta WHERE name = 'folder_id'").fetchone()
    finally:
        index_file.close()
    return None if row is None else str(row[0])

"""Patients' records over the hospital API (fake agent): staff uploads and lists, the patient portal's
records and erasures, the portal key, and the records KEK checked when the app is made."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from issuer import IssuerSettings, create_app
from issuer.health_records.keys import data_folder_id, kek_source, new_key_file
from medcred.errors import ConfigurationError
from stack.network import records_kek_file
from tests.unit.issuer import examples
from tests.unit.issuer.conftest import PORTAL_KEY, Issuer, connection_record, issuer_settings, running
from tests.unit.issuer.fakes import FakeAgent, FakeLedger

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 16 + b"\n%%EOF\n"
UNKNOWN_ID = "6f9619ff-8b86-d011-b42d-00c04fc964ff"


def fhir_upload(resource: dict[str, Any] | None = None, name: str = "vaccination.json") -> dict[str, Any]:
    return {"name": name, "content_type": "application/fhir+json", "fhir": resource or examples.immunization()}


def pdf_upload(data: bytes = PDF, name: str = "discharge letter.pdf") -> dict[str, Any]:
    return {"name": name, "content_type": "application/pdf", "content_base64": base64.b64encode(data).decode()}


async def store(issuer: Issuer, upload: dict[str, Any], patient_ref: str = "p1") -> dict[str, Any]:
    response = await issuer.http.post(f"/patients/{patient_ref}/records", json=upload)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_staff_store_fhir_and_pdf_records_and_list_them(issuer: Issuer) -> None:
    await issuer.http.put("/patients/p1", json=examples.patient())
    fhir = await store(issuer, fhir_upload())
    pdf = await store(issuer, pdf_upload())
    stored_fhir = json.dumps(examples.immunization(), ensure_ascii=False, separators=(",", ":")).encode()
    assert set(fhir) == {"record_id", "patient_ref", "name", "content_type", "size", "sha256", "created_at",
                         "erased_at"}  # fmt: skip
    assert (fhir["patient_ref"], fhir["content_type"]) == ("p1", "application/fhir+json")
    assert fhir["size"] == len(stored_fhir) and fhir["sha256"] == hashlib.sha256(stored_fhir).hexdigest()
    assert fhir["erased_at"] is None and pdf["name"] == "discharge letter.pdf"
    assert (pdf["size"], pdf["sha256"]) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    assert "EW0182" not in json.dumps([fhir, pdf])  # metadata only
    listed = (await issuer.http.get("/patients/p1/records")).json()
    assert [r["record_id"] for r in listed] == [fhir["record_id"], pdf["record_id"]]
    assert issuer.service.record_store.get(fhir["record_id"])[1] == stored_fhir


async def test_a_record_for_an_unknown_patient_is_404(issuer: Issuer) -> None:
    assert (await issuer.http.post("/patients/nobody/records", json=pdf_upload())).status_code == 404
    assert (await issuer.http.get("/patients/nobody/records")).status_code == 404


@pytest.mark.parametrize(("method", "path"), [("POST", "/patients/p1/records"), ("GET", "/patients/p1/records")])
@pytest.mark.parametrize("key", [None, "wrong", PORTAL_KEY])
async def test_record_routes_need_the_staff_key(issuer: Issuer, method: str, path: str, key: str | None) -> None:
    issuer.http.headers.pop("X-API-Key")
    headers = {"X-API-Key": key} if key else {}
    response = await issuer.http.request(method, path, json=pdf_upload(), headers=headers)
    assert response.status_code == 401


async def test_invalid_fhir_is_422_with_its_reason_and_never_echoed(issuer: Issuer) -> None:
    await issuer.http.put("/patients/p1", json=examples.patient())
    bad = examples.immunization() | {"occurrenceDateTime": "maybe-EW0182"}
    response = await issuer.http.post("/patients/p1/records", json=fhir_upload(bad))
    assert response.status_code == 422 and "occurrenceDateTime" in response.text
    assert "EW0182" not in response.text and "maybe" not in response.text
    assert (await issuer.http.get("/patients/p1/records")).json() == []


@pytest.mark.parametrize(
    ("upload", "status", "reason"),
    [
        ({"name": "x.pdf", "content_type": "application/pdf", "content_base64": "not base64!"}, 400, "base64"),
        ({"name": "x.pdf", "content_type": "application/pdf", "content_base64": "QUJD="}, 400, "base64"),
        ({"name": "x.pdf", "content_type": "application/pdf", "content_base64": ""}, 400, "empty"),
        ({"name": "x.pdf", "content_type": "not a type", "content_base64": "QUJD"}, 400, "media type"),
        ({"name": "x.pdf", "content_type": "application/pdf"}, 422, "exactly one"),
        (pdf_upload() | {"fhir": examples.immunization()}, 422, "exactly one"),
        (fhir_upload() | {"content_type": "application/pdf"}, 422, "content_type application/fhir+json"),
        ({"content_type": "application/pdf", "content_base64": "QUJD"}, 422, "name"),
        (pdf_upload() | {"extra": 1}, 422, "extra"),
        (fhir_upload({"resourceType": "Bundle", "type": "nonsense"}), 422, "Bundle: type: not a code of its value set"),
    ],
)
async def test_bad_uploads_say_what_is_wrong(issuer: Issuer, upload: dict[str, Any], status: int, reason: str) -> None:
    await issuer.http.put("/patients/p1", json=examples.patient())
    response = await issuer.http.post("/patients/p1/records", json=upload)
    assert response.status_code == status and reason in response.text, response.text


async def test_not_json_is_422(issuer: Issuer) -> None:
    await issuer.http.put("/patients/p1", json=examples.patient())
    response = await issuer.http.post("/patients/p1/records", content=b"{not json")
    assert response.status_code == 422


async def test_an_opaque_fhir_upload_in_base64_is_validated_as_fhir(issuer: Issuer) -> None:
    await issuer.http.put("/patients/p1", json=examples.patient())
    upload = {"name": "a.json", "content_type": "application/fhir+json",
              "content_base64": base64.b64encode(b'{"resourceType": "Nope"}').decode()}  # fmt: skip
    response = await issuer.http.post("/patients/p1/records", json=upload)
    assert response.status_code == 422 and "resourceType" in response.text


async def test_oversized_records_are_413_and_nothing_is_stored(tmp_path: Path) -> None:
    async for issuer in running(tmp_path, FakeAgent(), FakeLedger(), records_max_bytes=4096):
        await issuer.http.put("/patients/p1", json=examples.patient())
        over = await issuer.http.post("/patients/p1/records", json=pdf_upload(bytes(4097)))
        assert over.status_code == 413 and "4096" in over.text
        huge = await issuer.http.post("/patients/p1/records", json=pdf_upload(bytes(64 * 1024)))
        assert huge.status_code == 413 and "limit" in huge.text  # refused by its length, before it is parsed
        assert (await store(issuer, pdf_upload(bytes(range(256)) * 16)))["size"] == 4096
        assert len((await issuer.http.get("/patients/p1/records")).json()) == 1
        assert len(list((tmp_path / "records").glob("*.bin"))) == 1


async def test_a_record_name_cannot_reach_the_file_system(issuer: Issuer, tmp_path: Path) -> None:
    await issuer.http.put("/patients/p1", json=examples.patient())
    record = await store(issuer, pdf_upload(name="../../etc/passwd"))
    assert record["name"] == "passwd"
    assert sorted(p.name for p in (tmp_path / "records").iterdir()) == sorted([f"{record['record_id']}.bin",
                                                                               "index.sqlite3"])  # fmt: skip


# The patient portal


async def test_the_portal_lists_and_erases_the_patients_own_records(issuer: Issuer) -> None:
    key = await issuer.portal_patient("p1")
    other = await issuer.portal_patient("p2")
    mine, kept = await store(issuer, pdf_upload()), await store(issuer, fhir_upload())
    theirs = await store(issuer, pdf_upload(), patient_ref="p2")
    listed = (await issuer.portal("GET", f"{key}/records")).json()
    assert [r["record_id"] for r in listed] == [mine["record_id"], kept["record_id"]]
    assert [r["record_id"] for r in (await issuer.portal("GET", f"{other}/records")).json()] == [theirs["record_id"]]

    assert (await issuer.portal("POST", f"{key}/records/{theirs['record_id']}/erase")).status_code == 404
    assert (await issuer.portal("POST", f"{key}/records/{UNKNOWN_ID}/erase")).status_code == 404
    assert (await issuer.portal("POST", f"{key}/records/not-a-uuid/erase")).status_code == 400
    erased = await issuer.portal("POST", f"{key}/records/{mine['record_id']}/erase")
    assert erased.status_code == 200 and set(erased.json()) == {"record_id", "erased_at"}
    again = await issuer.portal("POST", f"{key}/records/{mine['record_id']}/erase")
    assert again.status_code == 200 and again.json() == erased.json()  # idempotent
    assert [r["record_id"] for r in (await issuer.portal("GET", f"{key}/records")).json()] == [kept["record_id"]]
    assert (await issuer.portal("POST", f"{other}/records/{mine['record_id']}/erase")).status_code == 404
    events = [e for e in issuer.service.audit.log.entries() if e.event == "record.erased"]
    assert [(e.subject, e.details["requested_by"]) for e in events] == [(mine["record_id"], "patient")]


PORTAL_ROUTES = [
    ("GET", "records"), ("POST", f"records/{UNKNOWN_ID}/erase"), ("GET", "shares"), ("POST", "shares"),
    ("POST", f"shares/{'A' * 43}/revoke"), ("GET", "disclosures"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path"), PORTAL_ROUTES)
@pytest.mark.parametrize("key", [None, "wrong", "staff-key"])
async def test_every_portal_route_needs_the_portal_key(issuer: Issuer, method: str, path: str, key: str | None) -> None:
    patient_did = await issuer.portal_patient("p1")
    issuer.http.headers.pop("X-API-Key")
    headers = {"X-Patient-DID": patient_did, "X-Hospital-DID": issuer.hospital_dids[patient_did]}
    headers |= {"X-API-Key": key} if key else {}
    response = await issuer.http.request(method, f"/portal/patient/{path}", headers=headers,
                                         json={"record_ids": [UNKNOWN_ID]})  # fmt: skip
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path"), PORTAL_ROUTES)
async def test_dids_of_no_live_connection_are_404(issuer: Issuer, method: str, path: str) -> None:
    patient_did = await issuer.portal_patient("p1")
    hospital_did = issuer.hospital_dids[patient_did]
    forged = [("did:peer:4zQmNobody", hospital_did), (patient_did, "did:peer:4zQmNobody"), (hospital_did, patient_did),
              ("x" * 300, "y"), ("did:" + "x" * 5000, hospital_did)]  # fmt: skip
    for patient, hospital in forged:
        response = await issuer.http.request(
            method, f"/portal/patient/{path}", json={"record_ids": [UNKNOWN_ID]},
            headers={"X-API-Key": "portal-key", "X-Patient-DID": patient, "X-Hospital-DID": hospital},
        )
        assert response.status_code == 404 and "no active patient connection" in response.text, (patient, hospital)


async def test_an_invitation_id_admits_nobody(issuer: Issuer) -> None:
    """The invitation is in the patient's QR code: knowing it, or a wallet having accepted it, is no key."""
    await issuer.http.put("/patients/p1", json=examples.patient())
    invitation = (await issuer.http.post("/patients/p1/invitation")).json()["invitation_id"]
    assert (await issuer.portal("GET", f"{invitation}/records")).status_code == 404
    connection = connection_record("conn-1", invitation, "p1") | {"state": "request", "rfc23_state": "request-received"}
    await issuer.webhook("connections", connection)  # a connection from it, not completed
    headers = {"X-API-Key": "portal-key", "X-Patient-DID": connection["their_did"],
               "X-Hospital-DID": connection["my_did"]}  # fmt: skip
    assert (await issuer.http.get("/portal/patient/records", headers=headers)).status_code == 404


async def test_an_invitation_links_one_connection_and_a_gone_one_admits_nobody(issuer: Issuer) -> None:
    await issuer.http.put("/patients/p1", json=examples.patient())
    invitation = (await issuer.http.post("/patients/p1/invitation")).json()["invitation_id"]
    first = connection_record("conn-1", invitation, "p1")
    second = connection_record("conn-2", invitation, "p1-again")  # a second exchange from the same invitation
    for connection in (first, second):
        issuer.agent.connections[connection["connection_id"]] = connection
        await issuer.webhook("connections", connection)
    assert issuer.service.registry.patient("p1").connection_id == "conn-1"

    def admitted(connection: dict[str, str]) -> dict[str, str]:
        return {"X-API-Key": "portal-key", "X-Patient-DID": connection["their_did"],
                "X-Hospital-DID": connection["my_did"]}  # fmt: skip

    assert (await issuer.http.get("/portal/patient/records", headers=admitted(first))).status_code == 200
    assert (await issuer.http.get("/portal/patient/records", headers=admitted(second))).status_code == 404
    issuer.agent.connections["conn-1"] = first | {"state": "error", "rfc23_state": "abandoned"}  # gone, no webhook
    assert (await issuer.http.get("/portal/patient/records", headers=admitted(first))).status_code == 404
    issuer.agent.connections.pop("conn-1")
    assert (await issuer.http.get("/portal/patient/records", headers=admitted(first))).status_code == 404
    await issuer.webhook("connections", first | {"state": "deleted", "updated_at": "2025-01-02T00:00:00Z"})
    assert issuer.service.registry.patient("p1").connection_id is None


# Settings and start-up


def test_portal_key_and_public_url_defaults(tmp_path: Path) -> None:
    settings = IssuerSettings(data_dir=tmp_path, port=8123)
    assert settings.public_url == "http://127.0.0.1:8123"
    key = settings.secret("portal_api_key").get_secret_value()
    assert len(key) >= 32 and key == (tmp_path / "secrets" / "portal_api_key").read_text().strip()
    assert key != settings.secret("api_key").get_secret_value()
    assert IssuerSettings(data_dir=tmp_path, public_url="https://hospital.example.org/").public_url == (
        "https://hospital.example.org"
    )


def test_a_missing_or_malformed_kek_stops_the_app_from_being_made(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="MEDCRED_ISSUER_RECORDS_KEK is not set"):
        create_app(issuer_settings(tmp_path, records_kek=None))
    with pytest.raises(ConfigurationError, match="must be 32 bytes"):
        create_app(issuer_settings(tmp_path, records_kek=SecretStr("short")))


async def test_a_wrong_kek_stops_the_app_from_being_made(tmp_path: Path) -> None:
    async for issuer in running(tmp_path, FakeAgent(), FakeLedger()):
        await issuer.http.put("/patients/p1", json=examples.patient())
        await store(issuer, pdf_upload())
    with pytest.raises(ConfigurationError, match="does not match the one these records were stored with"):
        create_app(issuer_settings(tmp_path, records_kek=SecretStr(bytes(range(1, 33)).hex())))


def test_the_network_keeps_each_data_folders_key_outside_it(tmp_path: Path) -> None:
    config, one, other = tmp_path / "config", tmp_path / "one", tmp_path / "other"
    for home in (one, other):
        (home / "issuer").mkdir(parents=True)
    first = records_kek_file(one / "issuer", one, config)
    assert records_kek_file(one / "issuer", one, config) == first  # made once, read after
    content = first.read_text()
    second = records_kek_file(other / "issuer", other, config)
    assert first.parent == second.parent == config / "records-keks" and first != second
    assert content == first.read_text() and second.read_text() != content
    assert first.stat().st_mode & 0o777 == 0o600 and f"folder-id={first.name}" in content
    with pytest.raises(ConfigurationError, match="inside the data folder"):
        records_kek_file(one / "issuer", one, one / "config")


def test_a_fresh_network_never_reuses_another_data_folders_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stack.network import MedcredNetwork

    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    for name in ("MEDCRED_ISSUER_RECORDS_KEK", "MEDCRED_ISSUER_RECORDS_KEK_FILE"):
        monkeypatch.delenv(name, raising=False)
    old, fresh = (MedcredNetwork(tmp_path / name).issuer.settings for name in ("old", "fresh"))
    assert isinstance(old, IssuerSettings) and isinstance(fresh, IssuerSettings)
    assert old.records_kek is None and fresh.records_kek is None
    assert old.records_kek_file is not None and fresh.records_kek_file is not None
    assert old.records_kek_file != fresh.records_kek_file
    assert old.records_kek_file.is_relative_to(tmp_path / "user" / ".config" / "medcred")
    assert kek_source(old).kek != kek_source(fresh).kek


def test_a_key_file_of_another_data_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    theirs = new_key_file(tmp_path / "keys" / "theirs", data_folder_id(tmp_path / "other"))
    with pytest.raises(ConfigurationError, match="belongs to another data folder") as refused:
        create_app(issuer_settings(tmp_path / "ours", records_kek=None, records_kek_file=theirs))
    assert str(theirs) in refused.value.message and "kek=" not in refused.value.message


async def test_records_moved_under_another_data_folder_are_refused(tmp_path: Path) -> None:
    async for issuer in running(tmp_path, FakeAgent(), FakeLedger()):
        await issuer.http.put("/patients/p1", json=examples.patient())
        await store(issuer, pdf_upload())
    (tmp_path / "folder-id").write_text("0" * 32 + "\n")  # as if the records were copied into another folder
    with pytest.raises(ConfigurationError, match="belong to another data folder"):
        create_app(issuer_settings(tmp_path))


async def test_start_says_which_key_file_and_never_the_key(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    key_file = new_key_file(tmp_path / "keys" / "ours", data_folder_id(tmp_path / "data"))
    caplog.set_level("INFO", logger="issuer.health_records.store")
    keyed = {"records_kek": None, "records_kek_file": key_file}
    async for issuer in running(tmp_path / "data", FakeAgent(), FakeLedger(), **keyed):
        await issuer.http.put("/patients/p1", json=examples.patient())
        assert (await issuer.http.post("/patients/p1/records", json=pdf_upload())).status_code == 201
    kek = key_file.read_text().split("kek=", 1)[1].strip()
    assert f"records key-encryption key: the key file {key_file}" in caplog.text and kek not in caplog.text


def test_a_key_file_holding_a_bare_key_is_read(tmp_path: Path) -> None:
    bare = tmp_path / "records-kek"  # as ~/.config/medcred/records-kek was written before keys were per folder
    bare.write_text(bytes(range(1, 33)).hex() + "\n")
    settings = issuer_settings(tmp_path / "data", records_kek=None, records_kek_file=bare)
    assert kek_source(settings).kek == bytes(range(1, 33)) and kek_source(settings).folder_id is None


async def test_the_record_store_work_runs_off_the_event_loop(issuer: Issuer, monkeypatch: pytest.MonkeyPatch) -> None:
    await issuer.http.put("/patients/p1", json=examples.patient())
    loop_thread, seen = threading.get_ident(), []
    put = issuer.service.record_store.put

    def spy(*args: Any) -> Any:
        seen.append(threading.get_ident())
        return put(*args)

    monkeypatch.setattr(issuer.service.record_store, "put", spy)
    await store(issuer, pdf_upload())
    assert seen and seen[0] != loop_thread


async def test_the_openapi_page_shows_the_upload_body(issuer: Issuer) -> None:
    spec = (await issuer.http.get("/openapi.json")).json()
    body = spec["paths"]["/patients/{patient_ref}/records"]["post"]["requestBody"]
    assert "content_base64" in json.dumps(body)
